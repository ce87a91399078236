//! Images: upload, list, delete, and their thumbnails. Handlers (HTTP) → the upload use case
//! and the service (R2, D1) → domain (consistency rules) and queries (SQL),
//! the last two pure.

pub mod domain;
mod handlers;
#[cfg(test)]
pub mod memory;
pub mod queries;
pub mod service;
pub mod upload;

pub use handlers::{handle_delete, handle_extra, handle_query, handle_upload, ExtraKind};
