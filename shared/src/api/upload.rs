use super::albums::{AlbumId, TagName};
use super::query_string::{decode_pairs, encode_pairs, first_value};
use super::{ImageId, ImageRecord};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Name of the multipart form field that carries the image.
pub const UPLOAD_FIELD: &str = "file";

/// Name of the optional multipart field that carries the image's thumbnail
/// (see `crate::thumbnail` for what is accepted).
pub const THUMBNAIL_FIELD: &str = "thumbnail";

/// The multipart field that carries the image's copy `width` pixels wide
/// (`width_640`; see `crate::widths` for what is accepted). An upload sends
/// every width `widths_for` names, or none.
pub fn width_field(width: u32) -> String {
    format!("width_{width}")
}

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

/// `POST /upload?key=<object key>&created_at=<ms>`: an image restored from
/// an export under the key and time it had, so its old URL works again.
/// Without them (the original Worker's clients), a new key is made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadQuery {
    pub key: Option<String>,
    /// Milliseconds since the Unix epoch; only with `key`.
    pub created_at: Option<i64>,
    /// The SHA-256 of the bytes first uploaded (an export's `upload_sha256`),
    /// only with `key`: the same file uploaded later is then recognised as
    /// this image, as it was where it came from.
    pub upload_sha256: Option<String>,
    /// The album to put the image in (`album=N`); it must exist.
    pub album: Option<AlbumId>,
    /// Tags to give it (`tags=a,b`), made if new.
    pub tags: Vec<TagName>,
}

impl UploadQuery {
    pub fn to_query_string(&self) -> String {
        let key = self.key.as_deref().map(|key| ("key", Cow::Borrowed(key)));
        let created_at = self
            .created_at
            .map(|ms| ("created_at", Cow::Owned(ms.to_string())));
        let upload_sha256 = self
            .upload_sha256
            .as_deref()
            .map(|hash| ("upload_sha256", Cow::Borrowed(hash)));
        let album = self
            .album
            .map(|album| ("album", Cow::Owned(album.to_string())));
        let tags = (!self.tags.is_empty()).then(|| {
            let names: Vec<&str> = self.tags.iter().map(TagName::as_str).collect();
            ("tags", Cow::Owned(names.join(",")))
        });
        encode_pairs(
            key.into_iter()
                .chain(created_at)
                .chain(upload_sha256)
                .chain(album)
                .chain(tags),
        )
    }

    pub fn from_query_string(query: &str) -> Result<Self, String> {
        let pairs = decode_pairs(query);
        let key = first_value(&pairs, "key").map(str::to_string);
        let created_at = match first_value(&pairs, "created_at") {
            None => None,
            Some(text) => Some(
                text.parse::<i64>()
                    .ok()
                    .filter(|ms| *ms >= 0)
                    .ok_or("Invalid created_at: pass milliseconds since 1970 as an integer")?,
            ),
        };
        let upload_sha256 = match first_value(&pairs, "upload_sha256") {
            None => None,
            Some(hash) if is_sha256_hex(hash) => Some(hash.to_string()),
            Some(_) => return Err("Invalid upload_sha256: pass 64 lowercase hex digits".into()),
        };
        if (created_at.is_some() || upload_sha256.is_some()) && key.is_none() {
            return Err(
                "created_at and upload_sha256 only go with key, to restore an exported image"
                    .into(),
            );
        }
        let album = match first_value(&pairs, "album").filter(|text| !text.is_empty()) {
            None => None,
            Some(text) => Some(
                AlbumId::parse(text)
                    .ok_or_else(|| format!("album must be an album's id, not `{text}`"))?,
            ),
        };
        let tags = TagName::parse_list(first_value(&pairs, "tags").unwrap_or_default())?;
        Ok(Self {
            key,
            created_at,
            upload_sha256,
            album,
            tags,
        })
    }
}

/// A SHA-256 as imghost writes it: 64 lowercase hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
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

/// `PUT /thumbnail?id=N`, the thumbnail in the body (its bytes, or a
/// multipart `thumbnail` field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThumbnailQuery {
    pub id: ImageId,
}

impl ThumbnailQuery {
    pub fn to_query_string(&self) -> String {
        encode_pairs([("id", Cow::Owned(self.id.to_string()))])
    }

    pub fn from_query_string(query: &str) -> Result<Self, String> {
        let pairs = decode_pairs(query);
        ImageId::parse(first_value(&pairs, "id").unwrap_or_default())
            .map(|id| Self { id })
            .ok_or_else(|| "Invalid id: pass ?id= with a positive integer".to_string())
    }
}

/// Answer of `PUT /thumbnail`: the image with its thumbnail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThumbnailResponse {
    pub success: bool,
    #[serde(flatten)]
    pub image: ImageRecord,
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
    fn upload_queries_round_trip() {
        for query in [
            UploadQuery::default(),
            UploadQuery {
                key: Some("2026-11-28/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png".into()),
                created_at: Some(1_764_288_000_000),
                upload_sha256: Some("ab".repeat(32)),
                ..UploadQuery::default()
            },
            UploadQuery {
                key: Some("a b&c".into()),
                created_at: None,
                upload_sha256: None,
                album: Some(crate::api::albums::AlbumId(4)),
                tags: crate::api::albums::TagName::parse_list("cats,night sky").unwrap(),
            },
        ] {
            let text = query.to_query_string();
            assert_eq!(UploadQuery::from_query_string(&text), Ok(query), "{text}");
        }
        for junk in [
            "album=x",
            "tags=a,bell%07",
            "created_at=5",
            "key=k&created_at=-1",
            "key=k&created_at=soon",
            "upload_sha256=abab",
            &format!("upload_sha256={}", "ab".repeat(32)),
            &format!("key=k&upload_sha256={}", "AB".repeat(32)),
        ] {
            assert!(UploadQuery::from_query_string(junk).is_err(), "{junk}");
        }
    }

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
    fn thumbnail_queries_round_trip() {
        let query = ThumbnailQuery { id: ImageId(7) };
        assert_eq!(query.to_query_string(), "id=7");
        assert_eq!(ThumbnailQuery::from_query_string("id=7"), Ok(query));
        for junk in ["", "id=", "id=0", "id=x", "key=a.png"] {
            assert!(ThumbnailQuery::from_query_string(junk).is_err(), "{junk}");
        }
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
