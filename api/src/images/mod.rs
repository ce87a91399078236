//! Images: upload, list and delete. Handlers (HTTP) → service (R2, D1) →
//! domain (consistency rules) and queries (SQL), the last two pure.

pub mod domain;
mod handlers;
pub mod queries;
pub mod service;

pub use handlers::{handle_delete, handle_query, handle_upload};
