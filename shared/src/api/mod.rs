//! The HTTP contract, grouped by flow. Field names follow the original
//! image-storage Worker (`success`, `results`, `total`, snake_case columns), so
//! scripts written against it keep working; everything else is additive.

mod error;
mod images;
mod listing;
mod reconcile;
mod stats;
mod upload;

pub use error::{ErrorBody, ErrorCode};
pub use images::{ImageId, ImageRecord};
pub use listing::{
    encode_cursor, ListQuery, ListResponse, PageRequest, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
pub use reconcile::ReconcileReport;
pub use stats::StatsResponse;
pub use upload::{
    Compression, CompressionBy, CompressionStatus, DeleteResponse, UploadResponse, UPLOAD_FIELD,
};
