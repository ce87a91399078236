use super::query_string::{decode_pairs, encode_pairs, first_value};
use super::{ImageId, ImageRecord};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

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

/// Which image `DELETE /delete` removes: `?id=N`, or `?key=<object key>`
/// for clients that only have the image URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteQuery {
    Id(ImageId),
    Key(String),
}

impl DeleteQuery {
    pub fn to_query_string(&self) -> String {
        match self {
            Self::Id(id) => encode_pairs([("id", Cow::Owned(id.to_string()))]),
            Self::Key(key) => encode_pairs([("key", Cow::Borrowed(key.as_str()))]),
        }
    }

    /// Reads the query string; an `id` wins over a `key`.
    pub fn from_query_string(query: &str) -> Result<Self, String> {
        let pairs = decode_pairs(query);
        match (first_value(&pairs, "id"), first_value(&pairs, "key")) {
            (None, Some(key)) => Ok(Self::Key(key.to_string())),
            (id, _) => ImageId::parse(id.unwrap_or_default())
                .map(Self::Id)
                .ok_or_else(|| "Invalid id: pass ?id= with a positive integer".to_string()),
        }
    }
}

/// Answer of `DELETE /delete?id=N`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteResponse {
    pub success: bool,
    pub id: ImageId,
    pub object_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_queries_round_trip() {
        for query in [
            DeleteQuery::Id(ImageId(42)),
            DeleteQuery::Key("2026-11-28/a b&c.png".into()),
        ] {
            let text = query.to_query_string();
            assert_eq!(DeleteQuery::from_query_string(&text), Ok(query), "{text}");
        }
        assert_eq!(
            DeleteQuery::Key("2026-11-28/a b.png".into()).to_query_string(),
            "key=2026-11-28%2Fa%20b.png"
        );
    }

    #[test]
    fn delete_queries_need_a_valid_id_or_a_key() {
        assert_eq!(
            DeleteQuery::from_query_string("id=3&key=k.png"),
            Ok(DeleteQuery::Id(ImageId(3)))
        );
        for junk in ["", "id=", "id=-1", "id=abc", "id=x&key=k.png"] {
            assert!(DeleteQuery::from_query_string(junk).is_err(), "{junk}");
        }
    }
}
