use super::{ImageId, ImageRecord};
use serde::{Deserialize, Serialize};

/// Name of the multipart form field that carries the image.
pub const UPLOAD_FIELD: &str = "file";

/// Answer of `POST /upload`: the original Worker's `{success, url, markdown}`
/// plus the stored row (flattened: `id`, `object_key`, `width`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadResponse {
    pub success: bool,
    pub url: String,
    pub markdown: String,
    pub html: String,
    /// The same bytes were uploaded before; this is that earlier image and
    /// nothing new was stored.
    pub duplicate: bool,
    #[serde(flatten)]
    pub image: ImageRecord,
    pub compression: Compression,
}

/// What happened to the bytes between upload and storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compression {
    pub by: CompressionBy,
    pub status: CompressionStatus,
    pub original_size: u64,
    pub stored_size: u64,
    /// Why compression was skipped or failed, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompressionBy {
    Tinify,
    None,
}

impl CompressionBy {
    /// As stored in the `compressed_by` column and sent in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tinify => "tinify",
            Self::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompressionStatus {
    /// Tinify's result was smaller and is what is stored.
    Compressed,
    /// Tinify answered, but its result was not smaller than the original.
    NotSmaller,
    /// Not attempted for this image (type or size); see `reason`.
    Skipped,
    /// Tinify failed; the original was stored. See `reason`.
    Failed,
    /// No Tinify key is configured.
    Disabled,
    /// A duplicate: nothing was processed.
    Duplicate,
}

/// Answer of `DELETE /delete?id=N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteResponse {
    pub success: bool,
    pub id: ImageId,
    pub object_key: String,
}
