//! The imghost web UI, in two pages that share this library: the main page
//! (`index.html`, `src/main.rs`: upload, browse, copy and delete images,
//! with Undo) and the manage page (`manage.html`, `src/bin/manage.rs`: API
//! tokens, the trash and the audit log). Each page links only what it uses,
//! so the views of one do not weigh on the other's wasm.

// Their `new` makes signals and reads context in the reactive owner it is
// called in; a `Default` would hide that.
#![allow(clippy::new_without_default)]

pub mod albums;
pub mod api;
pub mod app;
pub mod audit;
pub mod clipboard;
pub mod confirm;
pub mod decimal;
pub mod dom;
pub mod gallery;
pub mod i18n;
pub mod links;
pub mod manage;
pub mod pages;
pub mod settings;
pub mod snippets;
pub mod thumbnail;
pub mod toast;
pub mod tokens;
pub mod trash;
pub mod upload;
