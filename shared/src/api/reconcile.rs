use super::ImageRecord;
use serde::{Deserialize, Serialize};

/// Answer of `GET /reconcile` (report only) and `POST /reconcile` (repair):
/// R2 objects without a row, and rows whose object is missing.
///
/// One call covers one window of object keys (about a thousand); pass
/// `next_cursor` back as `cursor` until it is absent to cover everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileReport {
    pub success: bool,
    pub objects_checked: u64,
    pub rows_checked: u64,
    /// Keys of R2 objects that no row refers to.
    pub orphan_objects: Vec<String>,
    /// Rows whose R2 object does not exist.
    pub missing_objects: Vec<ImageRecord>,
    /// True when this call removed the orphans and the dangling rows.
    pub repaired: bool,
    #[serde(default)]
    pub next_cursor: Option<String>,
}
