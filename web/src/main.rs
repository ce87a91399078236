//! The imghost main page: upload, browse, copy and delete images (with
//! Undo), the stats and quotas, and the connection settings. Tokens, the
//! trash and the audit log are on the manage page (`src/bin/manage.rs`).

fn main() {
    leptos::mount::mount_to_body(imghost_web::app::App);
}
