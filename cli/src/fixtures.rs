//! API answers for the unit tests.

use imghost_shared::api::{
    Compression, CompressionBy, CompressionStatus, ImageId, ImageRecord, UploadResponse,
};

pub const URL: &str = "https://img.example/i/2026-11-28/a.png";

/// A stored image at `URL`, uploaded 2026-11-28 23:59 UTC.
pub fn record(id: i64, name: &str, size: u64, dims: Option<(u32, u32)>) -> ImageRecord {
    ImageRecord {
        id: ImageId(id),
        object_key: "2026-11-28/a.png".into(),
        original_name: name.into(),
        image_url: URL.into(),
        content_type: Some("image/png".into()),
        size,
        created_at: 1_795_910_399_999,
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
        sha256: None,
        stored_sha256: None,
        original_size: None,
        compressed_by: None,
        animated: None,
        thumbnail_key: None,
        thumbnail_url: None,
        widths: Vec::new(),
        deleted_at: None,
        albums: vec![],
        tags: vec![],
    }
}

/// The answer to uploading `image` (new, uncompressed).
pub fn uploaded(image: ImageRecord) -> UploadResponse {
    UploadResponse {
        success: true,
        url: image.image_url.clone(),
        markdown: String::new(),
        html: String::new(),
        duplicate: false,
        compression: Compression {
            by: CompressionBy::None,
            status: CompressionStatus::Disabled,
            original_size: image.size,
            stored_size: image.size,
            reason: None,
        },
        image,
    }
}
