//! The HTTP contract, grouped by flow. Field names follow the original
//! image-storage Worker (`success`, `results`, `total`, snake_case columns), so
//! scripts written against it keep working; everything else is additive.

mod answer;
mod error;
mod images;
mod listing;
pub mod query_string;
mod reconcile;
pub mod routes;
mod stats;
mod upload;

pub use answer::{decode_answer, ApiFailure};
pub use error::{ErrorBody, ErrorCode};
pub use images::{ImageId, ImageRecord};
pub use listing::{
    encode_cursor, InvalidCursor, ListQuery, ListResponse, PageRequest, DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
};
pub use reconcile::{ReconcileQuery, ReconcileReport};
pub use stats::StatsResponse;
pub use upload::{
    Compression, CompressionBy, CompressionStatus, DeleteQuery, DeleteResponse, ThumbnailQuery,
    ThumbnailResponse, UploadQuery, UploadResponse, THUMBNAIL_FIELD, UPLOAD_FIELD,
};
