//! Adopting objects that were put straight into the bucket (with rclone, the
//! dashboard, another program): each is read, and if it is an image whose
//! metadata can be removed, it becomes an image with a row — its key, its
//! upload time, its name from the key. Nothing is ever deleted here.

use crate::images::domain::{
    store_at_key, Extras, ImageTable, Limits, NewImage, ObjectStore, Refusal, Stored,
};
use crate::images::upload::{accept_image, Runtime};
use crate::trash::domain::TrashTable;
use imghost_shared::api::{routes, ImageRecord};
use imghost_shared::image;
use imghost_shared::units::format_bytes;
use std::borrow::Cow;

/// An object without a row, as listed.
pub struct Candidate<'a> {
    pub key: &'a str,
    pub uploaded_ms: i64,
    pub size: u64,
}

pub struct AdoptRules<'a> {
    pub max_bytes: u64,
    pub max_pixels: u64,
    pub allow_svg: bool,
    pub stored_url_base: &'a str,
}

/// Adopted objects are in the bucket already: they count against the
/// storage quota from now on, but are never refused by it.
const IN_THE_BUCKET_ALREADY: Limits = Limits {
    max_storage_bytes: u64::MAX,
    max_uploads_per_day: None,
};

/// The adopted image, or why the object stays as it is (in words).
pub async fn adopt<T: ImageTable + TrashTable>(
    objects: &impl ObjectStore,
    table: &T,
    runtime: &impl Runtime,
    rules: &AdoptRules<'_>,
    candidate: &Candidate<'_>,
) -> Result<ImageRecord, String> {
    let key = candidate.key;
    if candidate.size > rules.max_bytes {
        return Err(format!(
            "larger than MAX_UPLOAD_BYTES ({})",
            format_bytes(rules.max_bytes)
        ));
    }
    let bytes = objects
        .get(key)
        .await
        .map_err(|error| error.0)?
        .ok_or("gone before it could be read")?;
    let info =
        accept_image(&bytes, rules.allow_svg, rules.max_pixels).map_err(|error| error.message())?;
    let sha256 = runtime
        .sha256_hex(&bytes)
        .await
        .map_err(|error| error.message())?;
    if let Some((same, _)) = table.find_by_sha256(&sha256).await.map_err(|e| e.0)? {
        return Err(format!(
            "the same bytes are already image {} ({})",
            same.id, same.object_key
        ));
    }
    // Imghost serves no personal metadata, adopted images included: the
    // object is rewritten without it, or left alone if that cannot be done.
    let stripped = match image::strip_metadata(info.format, &bytes).map_err(|e| e.to_string())? {
        Cow::Owned(stripped) => Some(stripped),
        Cow::Borrowed(_) => None,
    };
    let stored = stripped.as_deref().unwrap_or(&bytes);
    let stored_sha256 = match stripped {
        Some(_) => runtime
            .sha256_hex(stored)
            .await
            .map_err(|error| error.message())?,
        None => sha256.clone(),
    };
    let name = key.rsplit('/').next().unwrap_or(key);
    let new_image = NewImage {
        object_key: key.to_string(),
        original_name: imghost_shared::names::clean_file_name(name, name),
        image_url: routes::image_url(rules.stored_url_base, key),
        content_type: info.format.mime_type().to_string(),
        size: stored.len() as u64,
        created_at: candidate.uploaded_ms,
        width: info.dimensions.map(|d| d.width),
        height: info.dimensions.map(|d| d.height),
        sha256,
        stored_sha256,
        original_size: bytes.len() as u64,
        compressed_by: "none".into(),
        animated: info.animated,
        thumbnail_key: None,
        thumbnail_size: None,
        widths: Vec::new(),
        widths_size: None,
        // The row first, then the object rewritten under it, as for an import.
        claimed_at: Some(runtime.now_ms()),
        shares_bytes: true,
    };
    let stored = store_at_key(
        objects,
        table,
        &new_image,
        stored,
        Extras::default(),
        &IN_THE_BUCKET_ALREADY,
    )
    .await
    .map_err(|error| error.0)?;
    match stored {
        Stored::New(image) => Ok(image),
        Stored::Existing(row, _) => Err(format!("image {} took this key meanwhile", row.id)),
        Stored::Refused(Refusal::KeyRetired) => Err(
            "the key belonged to an image that was purged, and a key is never given to other bytes"
                .into(),
        ),
        Stored::Refused(_) => Err("the database refused it; try again".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::memory::{run, MemoryObjects, MemoryTable};
    use crate::images::upload::tests::{png_with_metadata, FakeRuntime};

    const RULES: AdoptRules = AdoptRules {
        max_bytes: 1 << 20,
        max_pixels: 100_000_000,
        allow_svg: false,
        stored_url_base: "/i",
    };

    fn put(objects: &MemoryObjects, key: &str, bytes: &[u8]) {
        objects.insert(key, bytes);
    }

    fn adopt_key(
        objects: &MemoryObjects,
        table: &MemoryTable,
        key: &str,
    ) -> Result<ImageRecord, String> {
        let size = objects.get_now(key).len() as u64;
        let candidate = Candidate {
            key,
            uploaded_ms: 1_700_000_000_000,
            size,
        };
        run(adopt(
            objects,
            table,
            &FakeRuntime::without_tinify(),
            &RULES,
            &candidate,
        ))
    }

    #[test]
    fn an_image_put_straight_into_the_bucket_becomes_an_image_without_its_metadata() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let original = png_with_metadata();
        put(&objects, "photos/beach trip.png", &original);
        let image = adopt_key(&objects, &table, "photos/beach trip.png").unwrap();
        assert_eq!(image.object_key, "photos/beach trip.png");
        assert_eq!(image.original_name, "beach trip.png");
        assert_eq!(image.created_at, 1_700_000_000_000);
        assert_eq!((image.width, image.height), (Some(3), Some(2)));
        assert_eq!(image.original_size, Some(original.len() as u64));
        let stored = objects.get_now("photos/beach trip.png");
        assert!(
            !stored.windows(7).any(|w| w == b"SN-4242"),
            "the serial is gone"
        );
        assert_eq!(image.size, stored.len() as u64);
        assert_eq!(table.rows.borrow().len(), 1);
        assert!(table.pending(image.id).is_none());
    }

    #[test]
    fn a_purged_images_key_is_not_adopted_with_other_bytes() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        table.retire("old.png", Some("other bytes"));
        put(&objects, "old.png", &png_with_metadata());
        let why = adopt_key(&objects, &table, "old.png").unwrap_err();
        assert!(why.contains("purged"), "{why}");
        assert!(table.rows.borrow().is_empty());
    }

    #[test]
    fn what_cannot_be_adopted_is_left_as_it_is() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        put(&objects, "notes.txt", b"just some text");
        let why = adopt_key(&objects, &table, "notes.txt").unwrap_err();
        assert!(why.contains("text"), "{why}");
        put(&objects, "a.png", &png_with_metadata());
        adopt_key(&objects, &table, "a.png").unwrap();
        put(&objects, "copy.png", &png_with_metadata());
        let why = adopt_key(&objects, &table, "copy.png").unwrap_err();
        assert!(
            why.starts_with("the same bytes are already image 1 (a.png)"),
            "{why}"
        );
        assert_eq!(
            objects.get_now("copy.png"),
            png_with_metadata(),
            "untouched"
        );
        let big = Candidate {
            key: "a.png",
            uploaded_ms: 0,
            size: 2 << 20,
        };
        let runtime = FakeRuntime::without_tinify();
        let why = run(adopt(&objects, &table, &runtime, &RULES, &big)).unwrap_err();
        assert!(why.starts_with("larger than MAX_UPLOAD_BYTES"), "{why}");
        assert_eq!(table.rows.borrow().len(), 1);
        assert_eq!(objects.keys().len(), 3, "nothing deleted");
    }
}
