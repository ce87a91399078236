//! The imghost management UI: upload, browse, copy and delete images.

mod api;
mod app;
mod clipboard;
mod confirm;
mod gallery;
mod i18n;
mod links;
mod settings;
mod snippets;
mod thumbnail;
mod toast;
mod upload;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
