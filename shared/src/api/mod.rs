//! The HTTP contract, grouped by flow. Field names follow the original
//! image-storage Worker (`success`, `results`, `total`, snake_case columns), so
//! scripts written against it keep working; everything else is additive.

pub mod access;
pub mod albums;
mod answer;
pub mod audit;
mod error;
mod images;
mod listing;
pub mod query_string;
mod reconcile;
pub mod routes;
mod stats;
mod tokens;
pub mod trash;
mod upload;

pub use access::{Scope, ACCESS};
pub use answer::{decode_answer, ApiFailure};
pub use audit::{AuditAction, AuditEntry, AuditQuery, AuditResponse};
pub use error::{ErrorBody, ErrorCode};
pub use images::{ImageId, ImageRecord};
pub use listing::{
    encode_cursor, InvalidCursor, InvalidListQuery, ListQuery, ListResponse, PageRequest,
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
pub use reconcile::{ReconcileQuery, ReconcileReport};
pub use stats::{StatsResponse, Usage};
pub use tokens::{
    CreateTokenRequest, CreateTokenResponse, RevokeTokenQuery, RevokeTokenResponse, TokenInfo,
    TokenListResponse, TokenName, TOKEN_PREFIX,
};
pub use trash::{PurgeResponse, RestoreResponse, TrashQuery};
pub use upload::{is_sha256_hex, width_field};
pub use upload::{
    Compression, CompressionBy, CompressionStatus, DeleteQuery, DeleteResponse, ThumbnailQuery,
    ThumbnailResponse, UploadQuery, UploadResponse, THUMBNAIL_FIELD, UPLOAD_FIELD,
};
