use super::albums::{AlbumId, TagName};
use super::trash::original_key;
use crate::image::Dimensions;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The D1 row id of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImageId(pub i64);

impl ImageId {
    /// Parses a query-string id: a positive decimal integer, nothing else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse::<i64>().ok().filter(|id| *id > 0).map(Self)
    }
}

impl fmt::Display for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One stored image, as listed by `GET /query` and returned by upload.
///
/// The first seven fields are the original Worker's columns; the rest were
/// added by later migrations and are `None` for rows written before them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRecord {
    pub id: ImageId,
    pub object_key: String,
    pub original_name: String,
    pub image_url: String,
    pub content_type: Option<String>,
    /// Bytes stored in R2.
    pub size: u64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    /// Hex SHA-256 of the bytes the client uploaded (`None` for an imported
    /// image whose upload's bytes another image holds).
    #[serde(default)]
    pub sha256: Option<String>,
    /// Hex SHA-256 of the bytes stored, as a download gets them; `None` for
    /// images stored before it was kept.
    #[serde(default)]
    pub stored_sha256: Option<String>,
    /// Bytes the client uploaded, before metadata stripping and compression.
    #[serde(default)]
    pub original_size: Option<u64>,
    /// How the stored bytes were made smaller: `"tinify"` or `"none"`.
    #[serde(default)]
    pub compressed_by: Option<String>,
    /// More than one frame (an animated GIF, WebP or PNG); its thumbnail is
    /// the first frame.
    #[serde(default, deserialize_with = "bool_or_integer")]
    pub animated: Option<bool>,
    /// Where the image's thumbnail is stored, if it has one.
    #[serde(default)]
    pub thumbnail_key: Option<String>,
    /// The thumbnail's public URL; `null` when the image has none (then a
    /// client shows the image itself, or makes one and sends it with
    /// `PUT /thumbnail`).
    #[serde(default)]
    pub thumbnail_url: Option<String>,
    /// The widths stored beside the image for a `srcset`, smallest first,
    /// each at `<image_url>@<width>w.webp` (see `crate::widths`); empty when
    /// it has none.
    #[serde(default, deserialize_with = "widths_as_listed_or_stored")]
    pub widths: Vec<u32>,
    /// When the image was moved to the trash; `None` for a live image.
    #[serde(default)]
    pub deleted_at: Option<i64>,
    /// The albums the image is in (listings only; absent elsewhere).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "albums_as_listed_or_stored"
    )]
    pub albums: Vec<AlbumId>,
    /// The image's tags (listings only; absent elsewhere).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "tags_as_listed_or_stored"
    )]
    pub tags: Vec<TagName>,
}

/// Labels as JSON lists them (`[1, 2]`, `["cats"]`) or as a listing's
/// `group_concat` gives them (`"1,2"`, `"cats,tokyo"`, or `null`).
struct Labels<T>(fn(&str) -> Option<T>);

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Labels<T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list, or its items comma-separated")
    }
    fn visit_str<E: serde::de::Error>(self, column: &str) -> Result<Vec<T>, E> {
        Ok(column.split(',').filter_map(self.0).collect())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut listed = Vec::new();
        while let Some(item) = seq.next_element::<T>()? {
            listed.push(item);
        }
        Ok(listed)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
}

fn albums_as_listed_or_stored<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<AlbumId>, D::Error> {
    deserializer.deserialize_any(Labels(AlbumId::parse))
}

fn tags_as_listed_or_stored<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<TagName>, D::Error> {
    deserializer.deserialize_any(Labels(|tag| TagName::parse(tag).ok()))
}

/// A flag as JSON has it (`true`) or as SQLite stores it (`1`).
fn bool_or_integer<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Integer(i64),
    }
    Ok(
        Option::<Flag>::deserialize(deserializer)?.map(|flag| match flag {
            Flag::Bool(value) => value,
            Flag::Integer(value) => value != 0,
        }),
    )
}

/// Widths as JSON lists them (`[640, 960]`) or as D1 keeps them
/// (`"640 960"`, or `null`). A visitor, not an untagged enum: that would
/// buffer every value and weigh on the Worker's wasm.
fn widths_as_listed_or_stored<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<u32>, D::Error> {
    struct Widths;
    impl<'de> serde::de::Visitor<'de> for Widths {
        type Value = Vec<u32>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of widths, or them space-separated")
        }
        fn visit_str<E: serde::de::Error>(self, column: &str) -> Result<Vec<u32>, E> {
            Ok(crate::widths::from_column(column))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u32>, A::Error> {
            let mut listed = Vec::new();
            while let Some(width) = seq.next_element::<u32>()? {
                listed.push(width);
            }
            Ok(crate::widths::CANDIDATES
                .into_iter()
                .filter(|width| listed.contains(width))
                .collect())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<u32>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Vec<u32>, E> {
            Ok(Vec::new())
        }
    }
    deserializer.deserialize_any(Widths)
}

impl ImageRecord {
    /// The record with its URL built from where images are served now, not
    /// from what was stored with the row: moving to a custom domain moves
    /// every URL, and no request can freeze a URL into the database.
    pub fn served_from(self, base_url: &str) -> Self {
        Self {
            // A trashed image shows the URL it comes back under.
            image_url: super::routes::image_url(base_url, original_key(&self.object_key)),
            thumbnail_url: self
                .thumbnail_key
                .as_deref()
                .map(|key| super::routes::image_url(base_url, original_key(key))),
            ..self
        }
    }

    /// What a gallery shows: the thumbnail, or the image when it has none.
    pub fn preview_url(&self) -> &str {
        self.thumbnail_url.as_deref().unwrap_or(&self.image_url)
    }

    /// What the stored image is, as far as its row says: `None` for a row
    /// without a known type (the original Worker's, adopted ones).
    pub fn stored_info(&self) -> Option<crate::image::ImageInfo> {
        let format = crate::image::ImageFormat::from_mime_type(self.content_type.as_deref()?)?;
        Some(crate::image::ImageInfo {
            format,
            dimensions: self.dimensions(),
            animated: self.animated.unwrap_or(false),
        })
    }

    /// Width and height, when both are known.
    pub fn dimensions(&self) -> Option<Dimensions> {
        let (width, height) = self.width.zip(self.height)?;
        Some(Dimensions { width, height })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_id_accepts_positive_integers_only() {
        assert_eq!(ImageId::parse("42"), Some(ImageId(42)));
        assert_eq!(ImageId::parse(" 7 "), Some(ImageId(7)));
        for junk in [
            "",
            "0",
            "-1",
            "+3",
            "1.5",
            "1e3",
            "abc",
            "99999999999999999999",
        ] {
            assert_eq!(ImageId::parse(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn urls_follow_the_base_not_the_stored_column() {
        let json = r#"{"id":3,"object_key":"2026-11-28/a.png","original_name":"a.png",
            "image_url":"http://evil.example/i/2026-11-28/a.png","content_type":"image/png",
            "size":10,"created_at":1764288000000,"thumbnail_key":"2026-11-28/a.png.thumb.webp",
            "thumbnail_url":"http://evil.example/i/x.webp"}"#;
        let record: ImageRecord = serde_json::from_str(json).unwrap();
        let served = record.served_from("https://img.example.com");
        assert_eq!(served.image_url, "https://img.example.com/2026-11-28/a.png");
        assert_eq!(
            served.thumbnail_url.as_deref(),
            Some("https://img.example.com/2026-11-28/a.png.thumb.webp")
        );
        assert_eq!(
            served.preview_url(),
            served.thumbnail_url.as_deref().unwrap()
        );
    }

    #[test]
    fn animated_reads_as_json_or_as_sqlite_stores_it() {
        let with = |value: &str| {
            let json = format!(
                r#"{{"id":1,"object_key":"k","original_name":"k","image_url":"u",
                "content_type":null,"size":1,"created_at":0,"animated":{value}}}"#
            );
            serde_json::from_str::<ImageRecord>(&json).unwrap().animated
        };
        assert_eq!(with("1"), Some(true));
        assert_eq!(with("0"), Some(false));
        assert_eq!(with("true"), Some(true));
        assert_eq!(with("null"), None);
    }

    #[test]
    fn widths_read_as_json_or_as_d1_stores_them() {
        let with = |value: &str| {
            let json = format!(
                r#"{{"id":1,"object_key":"k","original_name":"k","image_url":"u",
                "content_type":null,"size":1,"created_at":0,"widths":{value}}}"#
            );
            serde_json::from_str::<ImageRecord>(&json).unwrap().widths
        };
        assert_eq!(with("\"640 960\""), vec![640, 960]);
        assert_eq!(with("[960, 640, 7]"), vec![640, 960]);
        assert_eq!(with("null"), Vec::<u32>::new());
        let record = r#"{"id":1,"object_key":"k","original_name":"k","image_url":"u",
            "content_type":null,"size":1,"created_at":0}"#;
        let record: ImageRecord = serde_json::from_str(record).unwrap();
        assert!(record.widths.is_empty());
        assert_eq!(
            serde_json::to_value(&record).unwrap()["widths"],
            serde_json::json!([])
        );
    }

    #[test]
    fn record_from_the_original_workers_columns_only() {
        let json = r#"{"id":3,"object_key":"2026-11-28/a.png","original_name":"a.png",
            "image_url":"https://img.example/2026-11-28/a.png","content_type":"image/png",
            "size":10,"created_at":1764288000000}"#;
        let record: ImageRecord = serde_json::from_str(json).unwrap();
        assert_eq!(record.id, ImageId(3));
        assert_eq!(record.width, None);
        assert_eq!(record.dimensions(), None);
        assert_eq!(record.compressed_by, None);
        assert_eq!(record.animated, None);
        let served = record.served_from("https://img.example");
        assert_eq!(served.thumbnail_url, None);
        assert_eq!(served.preview_url(), "https://img.example/2026-11-28/a.png");
        // Listed as `null`, so clients see the field exists.
        let json = serde_json::to_value(&served).unwrap();
        assert_eq!(json["thumbnail_url"], serde_json::Value::Null);
    }
}
