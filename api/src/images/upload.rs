//! The upload use case, from the bytes a client sent to a stored image:
//! recognise, dedupe, strip, compress, store. No HTTP here: the handler
//! reads the request and writes the answer.

use super::domain::{self, Attached, ImageTable, NewImage, ObjectStore, Stored, Thumbnail};
use crate::error::{ApiError, ApiResult};
use crate::tinify;
use imghost_shared::api::{routes, Compression, CompressionBy, CompressionStatus, ImageRecord};
use imghost_shared::image::{self, ImageFormat, ImageInfo, Rejected};
use imghost_shared::{keys, names, thumbnail};
use std::borrow::Cow;

/// A file as the client sent it.
pub struct UploadedFile {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Where an image restored from an export goes back; `None` for a new
    /// image.
    pub restore: Option<Restore>,
    /// The thumbnail the client made, as it sent it.
    pub thumbnail: Option<Vec<u8>>,
}

/// The key and time an exported image had, so its old URL works again.
pub struct Restore {
    pub key: String,
    pub created_at: Option<i64>,
}

/// How far in the future a restored image's time may lie (clocks differ).
const MAX_CLOCK_SKEW_MS: i64 = 24 * 60 * 60 * 1000;

/// What an upload needs from the runtime besides R2 and D1.
pub trait Runtime {
    async fn sha256_hex(&self, bytes: &[u8]) -> ApiResult<String>;
    /// Whether images go to Tinify (then duplicates are looked for first,
    /// so as not to spend a compression on them).
    fn compresses(&self) -> bool;
    async fn compress(&self, info: ImageInfo, bytes: &[u8]) -> tinify::Outcome;
    fn now_ms(&self) -> i64;
    fn new_uuid(&self) -> String;
}

/// The operator's choices that shape an upload.
pub struct UploadPolicy<'a> {
    pub allow_svg: bool,
    /// What the row's `image_url` column is built from (answers build URLs
    /// anew; the column is kept for the original Worker's schema).
    pub stored_url_base: &'a str,
}

/// The stored image, and what happened on the way.
#[derive(Debug)]
pub struct Uploaded {
    pub image: ImageRecord,
    /// The same bytes were stored before; nothing new was.
    pub duplicate: bool,
    pub compression: Compression,
}

impl Uploaded {
    fn new(image: ImageRecord, compression: Compression) -> Self {
        let compression = Compression {
            stored_size: image.size,
            ..compression
        };
        Self {
            image,
            duplicate: false,
            compression,
        }
    }

    fn duplicate(image: ImageRecord, uploaded_size: u64) -> Self {
        Self {
            compression: Compression {
                by: CompressionBy::None,
                status: CompressionStatus::Duplicate,
                original_size: uploaded_size,
                stored_size: image.size,
                reason: Some("the same bytes were uploaded before".into()),
            },
            image,
            duplicate: true,
        }
    }
}

pub async fn upload_image(
    objects: &impl ObjectStore,
    table: &impl ImageTable,
    runtime: &impl Runtime,
    policy: &UploadPolicy<'_>,
    mut file: UploadedFile,
) -> ApiResult<Uploaded> {
    let info = accept_image(&file.bytes, policy.allow_svg)?;
    // Checked before anything is stored: a bad thumbnail stores nothing.
    let thumbnail = file.thumbnail.take().map(accept_thumbnail).transpose()?;
    let thumbnail = thumbnail.as_ref();
    let original_name =
        names::clean_file_name(&file.name, &format!("image.{}", info.format.extension()));
    let original_size = file.bytes.len() as u64;
    let sha256 = runtime.sha256_hex(&file.bytes).await?;
    if let Some(restore) = &file.restore {
        check_restore(restore, info.format, runtime.now_ms())?;
        if let Some(existing) = table.find_by_key(&restore.key).await? {
            return if existing.sha256.as_deref() == Some(sha256.as_str()) {
                let existing = with_thumbnail(objects, table, existing, thumbnail).await;
                Ok(Uploaded::duplicate(existing, original_size))
            } else {
                Err(ApiError::Conflict(format!(
                    "A different image is already stored under {}",
                    restore.key
                )))
            };
        }
        if objects.exists(&restore.key).await? {
            return Err(ApiError::Conflict(format!(
                "An object imghost has no row for is stored under {}; \
                 run `imghost reconcile` to see it",
                restore.key
            )));
        }
    } else if runtime.compresses() {
        if let Some(existing) = table.find_by_sha256(&sha256).await? {
            let existing = with_thumbnail(objects, table, existing, thumbnail).await;
            return Ok(Uploaded::duplicate(existing, original_size));
        }
    }

    // Location and camera data go before anything leaves this Worker; a
    // file whose metadata cannot surely be removed is not stored at all.
    let stripped = match image::strip_metadata(info.format, &file.bytes)? {
        Cow::Owned(stripped) => Some(stripped),
        Cow::Borrowed(_) => None,
    };
    // A restored image is stored as it was exported: no second compression.
    let tinify = match file.restore {
        Some(_) => tinify::Outcome::unchanged(CompressionStatus::Skipped, None, None),
        None => {
            runtime
                .compress(info, stripped.as_deref().unwrap_or(&file.bytes))
                .await
        }
    };
    if let Some(count) = tinify.compression_count {
        // Only the monthly usage shown in stats; an upload never fails on it.
        let _ = table.set_compression_count(count).await;
    }
    // Moved, not copied (an upload may be 20 MiB); the unstripped original
    // is dropped here when a stripped copy replaces it.
    let uncompressed = (stripped.unwrap_or(file.bytes), info);
    let (stored, stored_info, compression) = tinify.into_stored(original_size, uncompressed);

    let (object_key, created_at) = match file.restore {
        Some(Restore { key, created_at }) => (key, created_at.unwrap_or_else(|| runtime.now_ms())),
        None => {
            let created_at = runtime.now_ms();
            let uuid = runtime.new_uuid();
            let key = keys::object_key(created_at, &uuid, stored_info.format.extension());
            (key, created_at)
        }
    };
    let new_image = NewImage {
        image_url: routes::image_url(policy.stored_url_base, &object_key),
        original_name,
        content_type: stored_info.format.mime_type().to_string(),
        size: stored.len() as u64,
        created_at,
        width: stored_info.dimensions.map(|d| d.width),
        height: stored_info.dimensions.map(|d| d.height),
        sha256,
        original_size,
        compressed_by: compression.by.as_str().into(),
        animated: stored_info.animated,
        thumbnail_key: thumbnail.map(|thumbnail| thumbnail.key_for(&object_key)),
        object_key,
    };
    Ok(
        match domain::store_image(objects, table, &new_image, &stored, thumbnail).await? {
            Stored::New(image) => Uploaded::new(image, compression),
            Stored::Duplicate(image) => {
                let image = with_thumbnail(objects, table, image, thumbnail).await;
                Uploaded::duplicate(image, original_size)
            }
        },
    )
}

/// A duplicate reuses its image's thumbnail; one that has none takes the
/// thumbnail sent with the duplicate. That is a bonus: if it fails, the
/// answer is the image as it is, and a later backfill makes one.
async fn with_thumbnail(
    objects: &impl ObjectStore,
    table: &impl ImageTable,
    image: ImageRecord,
    thumbnail: Option<&Thumbnail>,
) -> ImageRecord {
    let Some(thumbnail) = thumbnail.filter(|_| image.thumbnail_key.is_none()) else {
        return image;
    };
    match domain::attach_thumbnail(objects, table, image.id, thumbnail).await {
        Ok(Attached::Done(image) | Attached::HasOne(image)) => image,
        Ok(Attached::NoImage) | Err(_) => image,
    }
}

/// Checks a thumbnail a client sent and strips its metadata; anything that
/// is not a small still WebP, JPEG or PNG is refused with a 400 that says
/// why.
pub fn accept_thumbnail(bytes: Vec<u8>) -> ApiResult<Thumbnail> {
    let refused = |why: String| ApiError::BadRequest(why);
    let size = bytes.len() as u64;
    if size > thumbnail::MAX_BYTES {
        return Err(refused(
            thumbnail::Refused::TooManyBytes { size }.to_string(),
        ));
    }
    let info = image::detect(&bytes).map_err(|why| {
        refused(format!(
            "The thumbnail is not an image imghost accepts: {why}"
        ))
    })?;
    thumbnail::check(&info, size).map_err(|why| refused(why.to_string()))?;
    let bytes = match image::strip_metadata(info.format, &bytes) {
        Ok(Cow::Owned(stripped)) => stripped,
        Ok(Cow::Borrowed(_)) => bytes,
        Err(why) => {
            return Err(refused(format!(
                "The thumbnail's metadata cannot be removed safely: {why}"
            )))
        }
    };
    Ok(Thumbnail {
        bytes,
        format: info.format,
    })
}

/// A restored image keeps its key only if the key is a safe relative path
/// (the original Worker's and adopted keys included) whose extension does
/// not name another type, and its time only if it is not in the future.
fn check_restore(restore: &Restore, format: ImageFormat, now_ms: i64) -> ApiResult<()> {
    if !keys::is_safe_key(&restore.key) {
        return Err(ApiError::BadRequest(format!(
            "Invalid key {:?}: a key is a relative path without empty, . or .. parts, \
             backslashes or control characters",
            restore.key
        )));
    }
    if keys::extension_contradicts(&restore.key, format) {
        return Err(ApiError::BadRequest(format!(
            "The key {} names another type than the file's, a {} image",
            restore.key,
            format.name()
        )));
    }
    if restore
        .created_at
        .is_some_and(|ms| ms > now_ms + MAX_CLOCK_SKEW_MS)
    {
        return Err(ApiError::BadRequest("created_at lies in the future".into()));
    }
    Ok(())
}

/// Recognises the image from its bytes; anything else is refused with the
/// right status and a message saying what the file looked like.
pub fn accept_image(bytes: &[u8], allow_svg: bool) -> ApiResult<ImageInfo> {
    let info = image::detect(bytes).map_err(|rejected| match rejected {
        Rejected::Empty => ApiError::BadRequest("The file is empty".into()),
        other => ApiError::UnsupportedMediaType(other.to_string()),
    })?;
    if info.format == ImageFormat::Svg && !allow_svg {
        return Err(ApiError::UnsupportedMediaType(
            "SVG images are refused by this server because they can carry scripts \
             (the operator can allow them with ALLOW_SVG = \"true\")"
                .into(),
        ));
    }
    Ok(info)
}

#[cfg(test)]
pub mod tests {
    use super::super::memory::{run, MemoryObjects, MemoryTable};
    use super::*;
    use std::cell::Cell;

    pub struct FakeRuntime {
        compresses: bool,
        /// Tinify's answer: its result bytes, or none.
        result: Option<Vec<u8>>,
        compress_calls: Cell<u32>,
        next_uuid: Cell<u32>,
    }

    impl FakeRuntime {
        pub fn without_tinify() -> Self {
            Self {
                compresses: false,
                result: None,
                compress_calls: Cell::new(0),
                next_uuid: Cell::new(0),
            }
        }
    }

    impl Runtime for FakeRuntime {
        async fn sha256_hex(&self, bytes: &[u8]) -> ApiResult<String> {
            // Not SHA-256, but equal bytes give equal values, which is all
            // dedupe needs here.
            Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
        }
        fn compresses(&self) -> bool {
            self.compresses
        }
        async fn compress(&self, info: ImageInfo, _: &[u8]) -> tinify::Outcome {
            self.compress_calls.set(self.compress_calls.get() + 1);
            tinify::Outcome {
                compressed: self.result.clone().map(|bytes| (bytes, info)),
                status: if self.result.is_some() {
                    CompressionStatus::Compressed
                } else {
                    CompressionStatus::Disabled
                },
                reason: None,
                compression_count: self.compresses.then_some(7),
            }
        }
        fn now_ms(&self) -> i64 {
            1_764_288_000_000 // 2025-11-28
        }
        fn new_uuid(&self) -> String {
            self.next_uuid.set(self.next_uuid.get() + 1);
            format!("uuid-{}", self.next_uuid.get())
        }
    }

    const POLICY: UploadPolicy = UploadPolicy {
        allow_svg: false,
        stored_url_base: "https://img.example/i",
    };

    fn chunk(kind: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut out = (payload.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out.extend_from_slice(&[0; 4]);
        out
    }

    /// A 3 × 2 PNG carrying a camera serial in a text chunk.
    pub fn png_with_metadata() -> Vec<u8> {
        png_with_metadata_sized(3, 2)
    }

    fn png_with_metadata_sized(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(b"tEXt", b"Serial\0SN-4242"));
        png.extend(chunk(b"IDAT", b"pixels"));
        png.extend(chunk(b"IEND", b""));
        png
    }

    fn upload(
        objects: &MemoryObjects,
        table: &MemoryTable,
        runtime: &FakeRuntime,
        policy: &UploadPolicy,
        bytes: Vec<u8>,
    ) -> ApiResult<Uploaded> {
        let file = UploadedFile {
            name: "../holiday/beach.png".into(),
            bytes,
            restore: None,
            thumbnail: None,
        };
        run(upload_image(objects, table, runtime, policy, file))
    }

    /// Each call is a new upload with its own key.
    fn upload_with_thumbnail(
        objects: &MemoryObjects,
        table: &MemoryTable,
        bytes: Vec<u8>,
        thumbnail: Vec<u8>,
    ) -> ApiResult<Uploaded> {
        thread_local!(static RUNTIME: FakeRuntime = FakeRuntime::without_tinify());
        let file = UploadedFile {
            name: "beach.png".into(),
            bytes,
            restore: None,
            thumbnail: Some(thumbnail),
        };
        RUNTIME.with(|runtime| run(upload_image(objects, table, runtime, &POLICY, file)))
    }

    #[test]
    fn a_thumbnail_is_stored_stripped_beside_the_image() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let uploaded = upload_with_thumbnail(
            &objects,
            &table,
            png_with_metadata_sized(4000, 3000),
            png_with_metadata_sized(480, 360),
        )
        .unwrap();
        let key = uploaded.image.thumbnail_key.clone().unwrap();
        assert_eq!(key, format!("{}.thumb.png", uploaded.image.object_key));
        let stored = objects.objects.borrow()[&key].clone();
        assert!(!stored.windows(6).any(|w| w == b"SN-424"), "metadata kept");
        assert_eq!(uploaded.image.animated, Some(false));
    }

    #[test]
    fn a_bad_thumbnail_stores_nothing_of_the_upload() {
        let big = {
            let mut png = png_with_metadata_sized(480, 360);
            png.extend(vec![0; thumbnail::MAX_BYTES as usize]);
            png
        };
        for (thumbnail, why) in [
            (b"not an image".to_vec(), "not an image"),
            (png_with_metadata_sized(641, 100), "longest side"),
            (big, "bytes"),
            (gif_of(10, 10), "send WebP, JPEG or PNG"),
        ] {
            let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
            let error = upload_with_thumbnail(&objects, &table, png_with_metadata(), thumbnail)
                .unwrap_err();
            assert_eq!(error.code().status(), 400, "{error:?}");
            assert!(format!("{error:?}").contains(why), "{why}: {error:?}");
            assert!(objects.objects.borrow().is_empty());
            assert!(table.rows.borrow().is_empty());
        }
    }

    #[test]
    fn a_duplicate_reuses_the_thumbnail_or_takes_the_one_sent() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let runtime = FakeRuntime {
            next_uuid: Cell::new(1000),
            ..FakeRuntime::without_tinify()
        };
        let first = upload(&objects, &table, &runtime, &POLICY, png_with_metadata()).unwrap();
        assert_eq!(first.image.thumbnail_key, None);
        let again =
            upload_with_thumbnail(&objects, &table, png_with_metadata(), png_with_metadata())
                .unwrap();
        assert!(again.duplicate);
        assert_eq!(again.image.id, first.image.id);
        let key = again
            .image
            .thumbnail_key
            .clone()
            .expect("thumbnail attached");
        let third = upload_with_thumbnail(
            &objects,
            &table,
            png_with_metadata(),
            png_with_metadata_sized(5, 5),
        )
        .unwrap();
        assert_eq!(third.image.thumbnail_key, Some(key));
        assert_eq!(objects.objects.borrow().len(), 2);
    }

    /// A still GIF of the given size.
    pub fn gif_of(width: u16, height: u16) -> Vec<u8> {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&width.to_le_bytes());
        gif.extend_from_slice(&height.to_le_bytes());
        gif.extend_from_slice(&[0, 0, 0]);
        gif.extend_from_slice(&[0x2c, 0, 0, 0, 0]);
        gif.extend_from_slice(&width.to_le_bytes());
        gif.extend_from_slice(&height.to_le_bytes());
        gif.extend_from_slice(&[0, 2, 2, 0x4c, 0x01, 0, 0x3b]);
        gif
    }

    const KEY: &str = "2025-01-02/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png";

    fn restore(
        objects: &MemoryObjects,
        table: &MemoryTable,
        key: &str,
        bytes: Vec<u8>,
    ) -> ApiResult<Uploaded> {
        let file = UploadedFile {
            name: "beach.png".into(),
            bytes,
            restore: Some(Restore {
                key: key.into(),
                created_at: Some(1_735_776_000_000),
            }),
            thumbnail: None,
        };
        let runtime = FakeRuntime {
            compresses: true,
            result: Some(Vec::new()),
            ..FakeRuntime::without_tinify()
        };
        let uploaded = run(upload_image(objects, table, &runtime, &POLICY, file));
        assert_eq!(
            runtime.compress_calls.get(),
            0,
            "a restore is not compressed again"
        );
        uploaded
    }

    #[test]
    fn a_restored_image_keeps_its_key_and_time_and_again_is_the_same() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let restored = restore(&objects, &table, KEY, png_with_metadata()).unwrap();
        assert!(!restored.duplicate);
        assert_eq!(restored.image.object_key, KEY);
        assert_eq!(restored.image.created_at, 1_735_776_000_000);
        assert!(objects.objects.borrow().contains_key(KEY));
        let again = restore(&objects, &table, KEY, png_with_metadata()).unwrap();
        assert!(again.duplicate);
        assert_eq!(again.image.id, restored.image.id);
        assert_eq!(table.rows.borrow().len(), 1);
    }

    #[test]
    fn keys_other_programs_wrote_are_restored_too() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        // The original Worker took the extension from the file's name.
        let legacy = "2025-01-02/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.PNG";
        let restored = restore(&objects, &table, legacy, png_with_metadata()).unwrap();
        assert_eq!(restored.image.object_key, legacy);
        assert!(objects.objects.borrow().contains_key(legacy));
    }

    #[test]
    fn a_restore_never_overwrites_what_is_there() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        restore(&objects, &table, KEY, png_with_metadata()).unwrap();
        let stored = objects.objects.borrow()[KEY].clone();
        let mut other = png_with_metadata();
        other.extend_from_slice(b"more");
        let conflict = restore(&objects, &table, KEY, other.clone()).unwrap_err();
        assert_eq!(conflict.code().status(), 409, "{conflict:?}");
        assert_eq!(objects.objects.borrow()[KEY], stored);
        // An object without a row (another program's, or an orphan).
        let orphan = "2025-01-02/1f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png";
        objects
            .objects
            .borrow_mut()
            .insert(orphan.into(), b"theirs".to_vec());
        let conflict = restore(&objects, &table, orphan, other).unwrap_err();
        assert_eq!(conflict.code().status(), 409, "{conflict:?}");
        assert_eq!(objects.objects.borrow()[orphan], b"theirs");
    }

    #[test]
    fn a_restore_needs_a_safe_key_that_names_no_other_type() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        for key in [
            "../etc/passwd",
            "/photos/beach.png",
            "2025-01-02/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.jpg",
        ] {
            let error = restore(&objects, &table, key, png_with_metadata()).unwrap_err();
            assert_eq!(error.code().status(), 400, "{key}: {error:?}");
        }
        assert!(objects.objects.borrow().is_empty());
        assert!(table.rows.borrow().is_empty());
    }

    #[test]
    fn stores_the_stripped_image_with_its_row() {
        let (objects, table, runtime) = (
            MemoryObjects::default(),
            MemoryTable::default(),
            FakeRuntime::without_tinify(),
        );
        let input = png_with_metadata();
        let uploaded = upload(&objects, &table, &runtime, &POLICY, input.clone()).unwrap();
        let image = &uploaded.image;
        assert!(!uploaded.duplicate);
        assert_eq!(image.object_key, "2025-11-28/uuid-1.png");
        assert_eq!(
            image.image_url,
            "https://img.example/i/2025-11-28/uuid-1.png"
        );
        assert_eq!(image.original_name, "beach.png");
        assert_eq!(image.content_type.as_deref(), Some("image/png"));
        assert_eq!((image.width, image.height), (Some(3), Some(2)));
        assert_eq!(image.original_size, Some(input.len() as u64));
        let stored = objects.objects.borrow()[&image.object_key].clone();
        assert!(stored.len() < input.len());
        assert!(
            !stored.windows(7).any(|w| w == b"SN-4242"),
            "the serial is gone"
        );
        assert_eq!(image.size, stored.len() as u64);
        assert_eq!(uploaded.compression.stored_size, image.size);
        assert_eq!(uploaded.compression.original_size, input.len() as u64);
    }

    #[test]
    fn the_same_bytes_again_are_the_same_image() {
        let (objects, table, runtime) = (
            MemoryObjects::default(),
            MemoryTable::default(),
            FakeRuntime::without_tinify(),
        );
        let first = upload(&objects, &table, &runtime, &POLICY, png_with_metadata()).unwrap();
        let again = upload(&objects, &table, &runtime, &POLICY, png_with_metadata()).unwrap();
        assert!(again.duplicate);
        assert_eq!(again.image.id, first.image.id);
        assert_eq!(again.compression.status, CompressionStatus::Duplicate);
        assert_eq!(objects.objects.borrow().len(), 1);
        assert_eq!(table.rows.borrow().len(), 1);
    }

    #[test]
    fn with_tinify_duplicates_are_found_before_compressing() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let runtime = FakeRuntime {
            compresses: true,
            result: Some(png_with_metadata()[..60].to_vec()),
            ..FakeRuntime::without_tinify()
        };
        let first = upload(&objects, &table, &runtime, &POLICY, png_with_metadata()).unwrap();
        assert_eq!(first.compression.by, CompressionBy::Tinify);
        assert_eq!(first.image.size, 60);
        assert_eq!(table.compression_count.get(), Some(7));
        let again = upload(&objects, &table, &runtime, &POLICY, png_with_metadata()).unwrap();
        assert!(again.duplicate);
        assert_eq!(runtime.compress_calls.get(), 1);
    }

    #[test]
    fn refused_files_store_nothing() {
        let (objects, table, runtime) = (
            MemoryObjects::default(),
            MemoryTable::default(),
            FakeRuntime::without_tinify(),
        );
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>".to_vec();
        for (bytes, status) in [
            (Vec::new(), 400),
            (b"just some text".to_vec(), 415),
            (svg.clone(), 415),
        ] {
            let error = upload(&objects, &table, &runtime, &POLICY, bytes).unwrap_err();
            assert_eq!(error.code().status(), status, "{error:?}");
        }
        assert!(objects.objects.borrow().is_empty());
        assert!(table.rows.borrow().is_empty());
        let allowing = UploadPolicy {
            allow_svg: true,
            ..POLICY
        };
        assert!(upload(&objects, &table, &runtime, &allowing, svg).is_ok());
    }

    #[test]
    fn storage_failures_are_internal_and_leave_nothing() {
        let (objects, table, runtime) = (
            MemoryObjects::default(),
            MemoryTable::default(),
            FakeRuntime::without_tinify(),
        );
        table.fail_insert.set(true);
        let error = upload(&objects, &table, &runtime, &POLICY, png_with_metadata()).unwrap_err();
        assert!(matches!(error, ApiError::Internal(_)), "{error:?}");
        assert!(objects.objects.borrow().is_empty());
    }
}
