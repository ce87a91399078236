//! The imghost management UI: upload, browse, copy and delete images;
//! the trash, the audit log and API tokens.

mod api;
mod app;
mod audit;
mod clipboard;
mod confirm;
mod dom;
mod gallery;
mod i18n;
mod links;
mod pages;
mod settings;
mod snippets;
mod thumbnail;
mod toast;
mod tokens;
mod trash;
mod upload;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
