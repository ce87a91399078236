//! The imghost manage page (`/manage`, built from `manage.html`): API tokens, the trash and the
//! audit log, with the connection the main page saved.

fn main() {
    leptos::mount::mount_to_body(imghost_web::manage::Manage);
}
