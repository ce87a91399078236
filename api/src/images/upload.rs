//! The upload use case, from the bytes a client sent to a stored image,
//! read top to bottom: recognise, look for the same bytes, strip, compress,
//! store — or bring back the image that holds them. No HTTP here: the
//! handler reads the request and writes the answer.

use super::domain::{
    self, Attached, Extra, Extras, ImageTable, Limits, NewImage, ObjectStore, Refusal, Stored,
    Thumbnail, Width,
};
use crate::error::{ApiError, ApiResult};
use crate::tinify;
use crate::trash::domain::{self as trash, Buckets, Clock, Moved, Pending, TrashTable};
use imghost_shared::api::{routes, Compression, CompressionBy, CompressionStatus, ImageRecord};
use imghost_shared::image::{self, ImageFormat, ImageInfo, Rejected};
use imghost_shared::key_template::{KeyTemplate, KeyValues};
use imghost_shared::{keys, names, thumbnail, widths};
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
    /// The widths the client made (width, bytes), as it sent them.
    pub widths: Vec<(u32, Vec<u8>)>,
}

/// The key and time an exported image had, so its old URL works again,
/// and the SHA-256 of the bytes first uploaded, if the export kept it.
pub struct Restore {
    pub key: String,
    pub created_at: Option<i64>,
    pub upload_sha256: Option<String>,
}

/// How far in the future a restored image's time may lie (clocks differ).
const MAX_CLOCK_SKEW_MS: i64 = 24 * 60 * 60 * 1000;

/// What an upload needs from the runtime besides R2 and D1.
pub trait Runtime: Clock {
    async fn sha256_hex(&self, bytes: &[u8]) -> ApiResult<String>;
    /// Whether images go to Tinify (then duplicates are looked for first,
    /// so as not to spend a compression on them).
    fn compresses(&self) -> bool;
    async fn compress(&self, info: ImageInfo, bytes: &[u8]) -> tinify::Outcome;
    fn new_uuid(&self) -> String;
}

/// The operator's choices and the caller's rights that shape an upload.
pub struct UploadPolicy<'a> {
    pub allow_svg: bool,
    /// Images with more pixels than this are refused (413).
    pub max_pixels: u64,
    pub limits: Limits,
    /// What the row's `image_url` column is built from (answers build URLs
    /// anew; the column is kept for the original Worker's schema).
    pub stored_url_base: &'a str,
    /// Whether the caller may bring an image back from the trash by
    /// uploading its bytes (a restore needs the `delete` scope).
    pub may_restore: bool,
    /// The shape of new keys (`KEY_TEMPLATE`); `None`: today's.
    pub key_template: Option<&'a KeyTemplate>,
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

/// How often an upload stores anew when the image holding its bytes was
/// purged while it ran.
const UPLOAD_ATTEMPTS: usize = 2;

pub async fn upload_image<O: ObjectStore, T: ImageTable + TrashTable>(
    buckets: &Buckets<'_, O>,
    table: &T,
    runtime: &impl Runtime,
    policy: &UploadPolicy<'_>,
    mut file: UploadedFile,
) -> ApiResult<Uploaded> {
    // What the file is; anything refused here stores nothing.
    let info = accept_image(&file.bytes, policy.allow_svg, policy.max_pixels)?;
    let thumbnail = file.thumbnail.take().map(accept_thumbnail).transpose()?;
    let thumbnail = thumbnail.as_ref();
    let widths = accept_widths(&info, std::mem::take(&mut file.widths))?;
    let original_name =
        names::clean_file_name(&file.name, &format!("image.{}", info.format.extension()));
    let original_size = file.bytes.len() as u64;
    let sha256 = runtime.sha256_hex(&file.bytes).await?;
    let same = SameBytes {
        buckets,
        table,
        runtime,
        policy,
        thumbnail,
        widths: &widths,
        uploaded_size: original_size,
    };

    // Where an exported image goes back: only its own bytes, never over
    // anything else.
    if let Some(restore) = &file.restore {
        check_restore(restore, info.format, runtime.now_ms())?;
        if let Some(row) = table.find_by_key(&restore.key).await? {
            return same.at_key(row, &[&sha256]).await;
        }
        if buckets.public.exists(&restore.key).await? {
            return Err(ApiError::Conflict(format!(
                "An object imghost has no row for is stored under {}; \
                 run `imghost reconcile` to see it",
                restore.key
            )));
        }
    } else if runtime.compresses() {
        // With Tinify, a duplicate is found before a compression is spent.
        if let Some((row, pending)) = table.find_by_sha256(&sha256).await? {
            if let Some(answer) = same.existing(row, pending).await? {
                return Ok(answer);
            }
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
    let unchanged = stripped.is_none() && tinify.compressed.is_none();
    // Moved, not copied (an upload may be 20 MiB); the unstripped original
    // is dropped here when a stripped copy replaces it.
    let uncompressed = (stripped.unwrap_or(file.bytes), info);
    let (stored, stored_info, compression) = tinify.into_stored(original_size, uncompressed);
    let stored_sha256 = if unchanged {
        sha256.clone()
    } else {
        runtime.sha256_hex(&stored).await?
    };

    let now = runtime.now_ms();
    let restoring = file.restore.is_some();
    let (object_key, created_at, upload_sha256, claimed_at) = match file.restore {
        Some(Restore {
            key,
            created_at,
            upload_sha256,
        }) => (
            key,
            created_at.unwrap_or(now),
            upload_sha256.unwrap_or_else(|| sha256.clone()),
            Some(now),
        ),
        None => {
            let uuid = runtime.new_uuid();
            let extension = stored_info.format.extension();
            match policy.key_template {
                None => (
                    keys::object_key(now, &uuid, extension),
                    now,
                    sha256.clone(),
                    None,
                ),
                // A template's key may be one an image has (`{sha256:N}`
                // of the same bytes, or a chance meeting): the row goes
                // first, as for an import, so nothing is ever written
                // under a key another row holds.
                Some(template) => (
                    template.render(&KeyValues {
                        created_at_ms: now,
                        name: &original_name,
                        extension,
                        sha256: &stored_sha256,
                        uuid: &uuid,
                    }),
                    now,
                    sha256.clone(),
                    Some(now),
                ),
            }
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
        sha256: upload_sha256,
        stored_sha256,
        original_size,
        compressed_by: compression.by.as_str().into(),
        animated: stored_info.animated,
        thumbnail_key: thumbnail.map(|thumbnail| thumbnail.key_for(&object_key)),
        thumbnail_size: thumbnail.map(|thumbnail| thumbnail.bytes.len() as u64),
        widths: widths.iter().map(|width| width.width).collect(),
        widths_size: (!widths.is_empty())
            .then(|| widths.iter().map(|width| width.bytes.len() as u64).sum()),
        object_key,
        claimed_at,
        shares_bytes: restoring,
    };
    let objects = buckets.public;
    let extras = Extras {
        thumbnail,
        widths: &widths,
    };
    for _ in 0..UPLOAD_ATTEMPTS {
        let stored_as = match new_image.claimed_at {
            Some(_) => {
                domain::store_at_key(objects, table, &new_image, &stored, extras, &policy.limits)
                    .await?
            }
            None => {
                domain::store_image(objects, table, &new_image, &stored, extras, &policy.limits)
                    .await?
            }
        };
        match stored_as {
            Stored::New(image) => return Ok(Uploaded::new(image, compression)),
            Stored::Existing(row, _) if row.object_key == new_image.object_key => {
                return same.at_key(row, &[&sha256, &new_image.stored_sha256]).await;
            }
            Stored::Existing(row, pending) => {
                if let Some(answer) = same.existing(row, pending).await? {
                    return Ok(answer);
                }
            }
            Stored::Refused(refusal) => {
                return Err(refused(refusal, &new_image, policy, runtime.now_ms()))
            }
        }
    }
    Err(ApiError::Conflict(
        "The image holding these bytes was purged while this upload ran; upload it again".into(),
    ))
}

/// What an upload does when another image stands where it would go.
struct SameBytes<'a, O, T, R> {
    buckets: &'a Buckets<'a, O>,
    table: &'a T,
    runtime: &'a R,
    policy: &'a UploadPolicy<'a>,
    thumbnail: Option<&'a Thumbnail>,
    widths: &'a [Width],
    uploaded_size: u64,
}

impl<O: ObjectStore, T: ImageTable + TrashTable, R: Runtime> SameBytes<'_, O, T, R> {
    /// The image holding the same uploaded bytes is the answer: as it is,
    /// or back from the trash (which needs the `delete` scope), or made
    /// whole when a move on it was left half-done. `None` when it was
    /// purged meanwhile: then the upload stores anew.
    async fn existing(
        &self,
        row: ImageRecord,
        pending: Option<Pending>,
    ) -> ApiResult<Option<Uploaded>> {
        let left_half_done = pending.is_some_and(|p| p.is_stale(self.runtime.now_ms()));
        let row = if row.deleted_at.is_some() || left_half_done {
            if row.deleted_at.is_some() && !self.policy.may_restore {
                return Err(ApiError::Forbidden(format!(
                    "These bytes are image {} in the trash, and bringing it back is a \
                     restore, which needs the `{}` scope: restore it with a token that \
                     has it, or empty it from the trash first",
                    row.id,
                    imghost_shared::api::access::RESTORE_BY_UPLOAD
                )));
            }
            match trash::restore(self.buckets, self.table, self.runtime, row.id).await? {
                Moved::Done(row) => *row,
                // Another request brought it back first: it is live.
                Moved::NotApplicable => match self.table.find_by_id(row.id).await? {
                    Some(live) if live.deleted_at.is_none() => live,
                    _ => return Ok(None),
                },
                Moved::BytesLost(_) => return Ok(None),
                Moved::UrlTaken(key) => return Err(url_taken(row.id, &key)),
            }
        } else {
            row
        };
        let row = self.with_extras(row).await;
        Ok(Some(Uploaded::duplicate(row, self.uploaded_size)))
    }

    /// An exported image whose key has a row: the same bytes (as stored
    /// there, or as first uploaded) are the same image, back from the trash
    /// if need be; anything else is a conflict, and nothing is overwritten.
    async fn at_key(&self, row: ImageRecord, hashes: &[&str]) -> ApiResult<Uploaded> {
        let same = [&row.stored_sha256, &row.sha256]
            .into_iter()
            .flatten()
            .any(|known| hashes.contains(&known.as_str()));
        if !same {
            return Err(ApiError::Conflict(format!(
                "A different image is already stored under {}",
                row.object_key
            )));
        }
        let key = row.object_key.clone();
        match self.existing(row, None).await? {
            Some(answer) => Ok(answer),
            None => Err(ApiError::Conflict(format!(
                "The image under {key} was purged while this import ran; import it again"
            ))),
        }
    }

    /// A duplicate reuses its image's thumbnail and widths; one that has
    /// none takes those sent with the duplicate. That is a bonus: if it
    /// fails, the answer is the image as it is, and a later backfill makes
    /// them.
    async fn with_extras(&self, image: ImageRecord) -> ImageRecord {
        let thumbnail = self.thumbnail.map(Extra::Thumbnail);
        let widths = (!self.widths.is_empty()).then_some(Extra::Widths(self.widths));
        let mut image = image;
        for extra in thumbnail.into_iter().chain(widths) {
            let attached = domain::attach(
                self.buckets.public,
                self.table,
                image.id,
                extra,
                &self.policy.limits,
            )
            .await;
            if let Ok(Attached::Done(row) | Attached::HasOne(row)) = attached {
                image = row;
            }
        }
        image
    }
}

pub fn url_taken(id: imghost_shared::api::ImageId, key: &str) -> ApiError {
    ApiError::Conflict(format!(
        "Image {id} cannot come back: its URL ({key}) was given to another image while it \
         was in the trash"
    ))
}

/// The answer for an upload a quota or the key's past refused.
fn refused(refusal: Refusal, image: &NewImage, policy: &UploadPolicy, now_ms: i64) -> ApiError {
    let size = image.stored_size();
    match refusal {
        Refusal::StorageFull { used } => {
            crate::stats::storage_full(size, used, policy.limits.max_storage_bytes)
        }
        Refusal::DailyLimit { .. } => crate::stats::daily_limit_reached(
            policy.limits.max_uploads_per_day.unwrap_or_default(),
            now_ms,
        ),
        Refusal::KeyRetired => ApiError::Conflict(format!(
            "{} belonged to an image that was purged, and a key is never given to other \
             bytes: a post that links it must not show another picture",
            image.object_key
        )),
        Refusal::SameBytes(..) | Refusal::KeyTaken(_) | Refusal::Unexplained => {
            ApiError::Internal("an upload was refused for a reason it cannot have".into())
        }
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
    let bytes = stripped_extra(info.format, bytes, "The thumbnail's")?;
    Ok(Thumbnail {
        bytes,
        format: info.format,
    })
}

/// A thumbnail's or width's bytes without metadata (`whose`: "The
/// thumbnail's"); a 400 when it cannot surely be removed.
fn stripped_extra(format: ImageFormat, bytes: Vec<u8>, whose: &str) -> ApiResult<Vec<u8>> {
    match image::strip_metadata(format, &bytes) {
        Ok(Cow::Owned(stripped)) => Ok(stripped),
        Ok(Cow::Borrowed(_)) => Ok(bytes),
        Err(why) => Err(ApiError::BadRequest(format!(
            "{whose} metadata cannot be removed safely: {why}"
        ))),
    }
}

/// Checks the widths a client sent of an image (`info`, as uploaded),
/// smallest first, and strips their metadata: every width `widths_for`
/// names, or none, each a still WebP of the declared size; anything else
/// is a 400 that says why.
pub fn accept_widths(info: &ImageInfo, sent: Vec<(u32, Vec<u8>)>) -> ApiResult<Vec<Width>> {
    let refused = |why: String| ApiError::BadRequest(why);
    if sent.is_empty() {
        return Ok(Vec::new());
    }
    let wanted = widths::widths_for(info);
    let mut accepted = Vec::with_capacity(sent.len());
    for (width, bytes) in sent {
        let copy = image::detect(&bytes).map_err(|why| {
            refused(format!(
                "The {width} px width is not an image imghost accepts: {why}"
            ))
        })?;
        widths::check(info, width, &copy, bytes.len() as u64)
            .map_err(|why| refused(why.to_string()))?;
        let bytes = stripped_extra(copy.format, bytes, &format!("The {width} px width's"))?;
        // Its orientation, the one tag stripping keeps, would turn it on
        // screen: a srcset would then offer a picture of another shape.
        if !image::is_upright_webp(&bytes) {
            return Err(refused(format!(
                "The {width} px width carries an EXIF orientation; send its pixels upright, \
                 without one"
            )));
        }
        accepted.push(Width { width, bytes });
    }
    let sent: Vec<u32> = accepted.iter().map(|width| width.width).collect();
    if sent != wanted {
        return Err(refused(format!(
            "Send every width this image takes ({}) or none",
            widths::to_column(&wanted)
        )));
    }
    Ok(accepted)
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
    if thumbnail::image_key_of(&restore.key).is_some()
        || widths::image_key_of(&restore.key).is_some()
    {
        return Err(ApiError::BadRequest(format!(
            "The key {} is where another image's thumbnail or width is kept",
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
pub fn accept_image(bytes: &[u8], allow_svg: bool, max_pixels: u64) -> ApiResult<ImageInfo> {
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
    if let Some(dimensions) = info.dimensions {
        let pixels = u64::from(dimensions.width) * u64::from(dimensions.height);
        if pixels > max_pixels {
            return Err(ApiError::ImageTooLarge(format!(
                "The image is {} × {} pixels, {pixels} in all; this server takes at most \
                 {max_pixels} (MAX_IMAGE_PIXELS). Scale it down first",
                dimensions.width, dimensions.height,
            )));
        }
    }
    Ok(info)
}

#[cfg(test)]
pub mod tests {
    use super::super::memory::{run, MemoryClock, MemoryObjects, MemoryTable};
    use super::*;
    use std::cell::Cell;

    pub struct FakeRuntime {
        compresses: bool,
        /// Tinify's answer: its result bytes, or none.
        result: Option<Vec<u8>>,
        compress_calls: Cell<u32>,
        next_uuid: Cell<u32>,
        clock: MemoryClock,
    }

    impl FakeRuntime {
        pub fn without_tinify() -> Self {
            Self {
                compresses: false,
                result: None,
                compress_calls: Cell::new(0),
                next_uuid: Cell::new(0),
                clock: MemoryClock::default(),
            }
        }
    }

    impl Clock for FakeRuntime {
        fn now_ms(&self) -> i64 {
            1_764_288_000_000 + (self.clock.now_ms() - MemoryClock::default().now_ms())
        }
        async fn pause(&self, ms: u32) {
            self.clock.pause(ms).await
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
        fn new_uuid(&self) -> String {
            self.next_uuid.set(self.next_uuid.get() + 1);
            format!("uuid-{}", self.next_uuid.get())
        }
    }

    const POLICY: UploadPolicy = UploadPolicy {
        key_template: None,
        allow_svg: false,
        max_pixels: 100_000_000,
        limits: Limits {
            max_storage_bytes: 1 << 30,
            max_uploads_per_day: None,
        },
        stored_url_base: "https://img.example/i",
        may_restore: true,
    };

    /// Storage for 10 bytes: every upload is over it.
    const STORAGE_FULL: UploadPolicy = UploadPolicy {
        limits: Limits {
            max_storage_bytes: 10,
            max_uploads_per_day: None,
        },
        ..POLICY
    };

    /// The public bucket, the private trash, the table.
    #[derive(Default)]
    pub struct Stores {
        pub public: MemoryObjects,
        pub trash: MemoryObjects,
        pub table: MemoryTable,
        /// Makes each upload's key anew.
        runtime: FakeRuntime,
    }

    impl Default for FakeRuntime {
        fn default() -> Self {
            Self::without_tinify()
        }
    }

    impl Stores {
        fn buckets(&self) -> Buckets<'_, MemoryObjects> {
            Buckets {
                public: &self.public,
                trash: &self.trash,
            }
        }
    }

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

    fn file(bytes: Vec<u8>, thumbnail: Option<Vec<u8>>, restore: Option<Restore>) -> UploadedFile {
        UploadedFile {
            name: "../holiday/beach.png".into(),
            bytes,
            restore,
            thumbnail,
            widths: Vec::new(),
        }
    }

    impl Stores {
        fn upload_as(
            &self,
            runtime: &FakeRuntime,
            policy: &UploadPolicy,
            file: UploadedFile,
        ) -> ApiResult<Uploaded> {
            run(upload_image(
                &self.buckets(),
                &self.table,
                runtime,
                policy,
                file,
            ))
        }

        fn upload(&self, bytes: Vec<u8>) -> ApiResult<Uploaded> {
            self.upload_as(&self.runtime, &POLICY, file(bytes, None, None))
        }

        fn upload_with_thumbnail(&self, bytes: Vec<u8>, thumbnail: Vec<u8>) -> ApiResult<Uploaded> {
            self.upload_as(&self.runtime, &POLICY, file(bytes, Some(thumbnail), None))
        }

        fn restore_at(&self, key: &str, bytes: Vec<u8>) -> ApiResult<Uploaded> {
            self.restore_at_time(key, bytes, 1_735_776_000_000)
        }

        fn restore_at_time(
            &self,
            key: &str,
            bytes: Vec<u8>,
            created_at: i64,
        ) -> ApiResult<Uploaded> {
            let runtime = FakeRuntime {
                compresses: true,
                result: Some(Vec::new()),
                ..FakeRuntime::without_tinify()
            };
            let restore = Restore {
                key: key.into(),
                created_at: Some(created_at),
                upload_sha256: None,
            };
            let uploaded = self.upload_as(&runtime, &POLICY, file(bytes, None, Some(restore)));
            assert_eq!(
                runtime.compress_calls.get(),
                0,
                "a restore is not compressed again"
            );
            uploaded
        }

        fn delete(&self, id: imghost_shared::api::ImageId) {
            let moved = run(trash::move_to_trash(
                &self.buckets(),
                &self.table,
                &MemoryClock::default(),
                id,
            ))
            .unwrap();
            assert!(matches!(moved, Moved::Done(_)), "{moved:?}");
        }
    }

    #[test]
    fn a_key_template_shapes_new_keys_and_its_sha256_finds_the_same_stored_bytes() {
        let template = KeyTemplate::parse("blog/{yyyy}/{name}-{sha256:16}.{ext}").unwrap();
        let policy = UploadPolicy {
            key_template: Some(&template),
            ..POLICY
        };
        let stores = Stores::default();
        let upload = |bytes| stores.upload_as(&stores.runtime, &policy, file(bytes, None, None));
        let first = upload(png_with_metadata()).unwrap();
        let key = first.image.object_key.clone();
        assert!(template.matches(&key), "{key}");
        assert!(key.starts_with("blog/") && key.contains("/beach-"), "{key}");
        let stored = stores.public.get_now(&key);
        // The same file again, and other bytes that are stored the same
        // (only the stripped serial differs): the key names them already,
        // so they are that image, and nothing is written over it.
        let mut other = png_with_metadata();
        let serial = other.windows(7).position(|w| w == b"SN-4242").unwrap();
        other[serial..serial + 7].copy_from_slice(b"SN-9999");
        for bytes in [png_with_metadata(), other] {
            let again = upload(bytes).unwrap();
            assert!(again.duplicate);
            assert_eq!(again.image.id, first.image.id);
            assert_eq!(stores.public.get_now(&key), stored);
        }
        assert_eq!(stores.table.rows.borrow().len(), 1);
        assert_eq!(stores.public.keys(), [key]);
    }

    #[test]
    fn a_template_key_that_meets_another_images_is_a_conflict_and_leaves_it_whole() {
        let template = KeyTemplate::parse("{rand:8}.{ext}").unwrap();
        let policy = UploadPolicy {
            key_template: Some(&template),
            ..POLICY
        };
        let stores = Stores::default();
        // Two runtimes drawing the same "random" characters.
        let first = stores
            .upload_as(
                &FakeRuntime::without_tinify(),
                &policy,
                file(png_with_metadata(), None, None),
            )
            .unwrap();
        let key = first.image.object_key.clone();
        let stored = stores.public.get_now(&key);
        let other = png_with_metadata_sized(5, 5);
        let met = stores.upload_as(
            &FakeRuntime::without_tinify(),
            &policy,
            file(other, None, None),
        );
        assert!(
            matches!(&met, Err(ApiError::Conflict(why)) if why.contains(&key)),
            "{met:?}"
        );
        assert_eq!(stores.public.get_now(&key), stored);
        assert_eq!(stores.table.rows.borrow().len(), 1);
    }

    #[test]
    fn a_thumbnail_is_stored_stripped_beside_the_image() {
        let stores = Stores::default();
        let uploaded = stores
            .upload_with_thumbnail(
                png_with_metadata_sized(4000, 3000),
                png_with_metadata_sized(480, 360),
            )
            .unwrap();
        let key = uploaded.image.thumbnail_key.clone().unwrap();
        assert_eq!(key, format!("{}.thumb.png", uploaded.image.object_key));
        let stored = stores.public.get_now(&key);
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
            let stores = Stores::default();
            let error = stores
                .upload_with_thumbnail(png_with_metadata(), thumbnail)
                .unwrap_err();
            assert_eq!(error.code().status(), 400, "{error:?}");
            assert!(format!("{error:?}").contains(why), "{why}: {error:?}");
            assert!(stores.public.keys().is_empty());
            assert!(stores.table.rows.borrow().is_empty());
        }
    }

    #[test]
    fn a_duplicate_reuses_the_thumbnail_or_takes_the_one_sent() {
        let stores = Stores::default();
        let first = stores.upload(png_with_metadata()).unwrap();
        assert_eq!(first.image.thumbnail_key, None);
        let again = stores
            .upload_with_thumbnail(png_with_metadata(), png_with_metadata())
            .unwrap();
        assert!(again.duplicate);
        assert_eq!(again.image.id, first.image.id);
        let key = again
            .image
            .thumbnail_key
            .clone()
            .expect("thumbnail attached");
        let third = stores
            .upload_with_thumbnail(png_with_metadata(), png_with_metadata_sized(5, 5))
            .unwrap();
        assert_eq!(third.image.thumbnail_key, Some(key));
        assert_eq!(stores.public.keys().len(), 2);
    }

    const KEY: &str = "2025-01-02/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png";

    #[test]
    fn a_restored_image_keeps_its_key_and_time_and_again_is_the_same() {
        let stores = Stores::default();
        let restored = stores.restore_at(KEY, png_with_metadata()).unwrap();
        assert!(!restored.duplicate);
        assert_eq!(restored.image.object_key, KEY);
        assert_eq!(restored.image.created_at, 1_735_776_000_000);
        assert!(stores.public.has(KEY));
        assert!(stores.table.pending(restored.image.id).is_none());
        let again = stores.restore_at(KEY, png_with_metadata()).unwrap();
        assert!(again.duplicate);
        assert_eq!(again.image.id, restored.image.id);
        assert_eq!(stores.table.rows.borrow().len(), 1);
    }

    /// Nine uploads that differ only in their metadata store equal bytes;
    /// exported and imported, every one of their keys must come back.
    #[test]
    fn keys_that_share_their_bytes_are_all_restored() {
        let stores = Stores::default();
        let keys: Vec<String> = (0..9)
            .map(|n| format!("2025-01-02/{n}f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png"))
            .collect();
        for key in &keys {
            let restored = stores.restore_at(key, png_with_metadata()).unwrap();
            assert!(!restored.duplicate, "{key}");
            assert_eq!(&restored.image.object_key, key);
        }
        assert_eq!(stores.public.keys(), keys);
        assert_eq!(stores.table.rows.borrow().len(), 9);
        // And a new upload of those bytes is the first of them.
        let again = stores.upload(png_with_metadata()).unwrap();
        assert!(again.duplicate);
        assert_eq!(again.image.object_key, keys[0]);
    }

    #[test]
    fn keys_other_programs_wrote_are_restored_too() {
        let stores = Stores::default();
        // The original Worker took the extension from the file's name.
        let legacy = "2025-01-02/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.PNG";
        let restored = stores.restore_at(legacy, png_with_metadata()).unwrap();
        assert_eq!(restored.image.object_key, legacy);
        assert!(stores.public.has(legacy));
    }

    #[test]
    fn a_restore_never_overwrites_what_is_there() {
        let stores = Stores::default();
        stores.restore_at(KEY, png_with_metadata()).unwrap();
        let stored = stores.public.get_now(KEY);
        let mut other = png_with_metadata();
        other.extend_from_slice(b"more");
        let conflict = stores.restore_at(KEY, other.clone()).unwrap_err();
        assert_eq!(conflict.code().status(), 409, "{conflict:?}");
        assert_eq!(stores.public.get_now(KEY), stored);
        // An object without a row (another program's, or an orphan).
        let orphan = "2025-01-02/1f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png";
        stores.public.insert(orphan, b"theirs");
        let conflict = stores.restore_at(orphan, other).unwrap_err();
        assert_eq!(conflict.code().status(), 409, "{conflict:?}");
        assert_eq!(stores.public.get_now(orphan), b"theirs");
    }

    /// A key that named an image keeps naming that picture: trashed, it
    /// cannot be taken; purged, only the same bytes may come back under it.
    #[test]
    fn a_trashed_or_purged_key_is_never_given_other_bytes() {
        let stores = Stores::default();
        let original = stores.restore_at(KEY, png_with_metadata()).unwrap();
        stores.delete(original.image.id);
        let other = png_with_metadata_sized(4, 2);
        let refused = stores.restore_at(KEY, other.clone()).unwrap_err();
        assert_eq!(refused.code().status(), 409, "{refused:?}");
        assert!(!stores.public.has(KEY));
        assert_eq!(stores.trash.keys(), [KEY]);
        // Purged: the key is retired with its bytes.
        let purged = run(trash::purge(
            &stores.buckets(),
            &stores.table,
            &MemoryClock::default(),
            original.image.id,
        ))
        .unwrap();
        assert!(matches!(purged, Moved::Done(_)));
        let refused = stores.restore_at(KEY, other).unwrap_err();
        assert_eq!(refused.code().status(), 409, "{refused:?}");
        assert!(refused.message().contains("purged"), "{refused:?}");
        assert!(!stores.public.has(KEY));
        let back = stores.restore_at(KEY, png_with_metadata()).unwrap();
        assert_eq!(back.image.object_key, KEY);
    }

    #[test]
    fn importing_a_trashed_images_bytes_under_its_key_brings_it_back() {
        let stores = Stores::default();
        let original = stores.restore_at(KEY, png_with_metadata()).unwrap();
        stores.delete(original.image.id);
        let back = stores.restore_at(KEY, png_with_metadata()).unwrap();
        assert!(back.duplicate);
        assert_eq!(back.image.deleted_at, None);
        assert!(stores.public.has(KEY));
    }

    #[test]
    fn a_restore_needs_a_safe_key_that_names_no_other_type() {
        let stores = Stores::default();
        for key in [
            "../etc/passwd",
            "/photos/beach.png",
            ".trash/2025-01-02/a.png",
            "2025-01-02/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.jpg",
        ] {
            let error = stores.restore_at(key, png_with_metadata()).unwrap_err();
            assert_eq!(error.code().status(), 400, "{key}: {error:?}");
        }
        assert!(stores.public.keys().is_empty());
        assert!(stores.table.rows.borrow().is_empty());
    }

    #[test]
    fn a_restored_time_may_lie_up_to_a_day_ahead() {
        let stores = Stores::default();
        let now = FakeRuntime::without_tinify().now_ms();
        let day = 24 * 60 * 60 * 1000;
        let key = |n: u8| format!("2025-01-02/{n}f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png");
        assert!(stores
            .restore_at_time(&key(1), png_with_metadata(), now + day)
            .is_ok());
        let ahead = stores
            .restore_at_time(&key(2), png_with_metadata(), now + day + 1)
            .unwrap_err();
        assert_eq!(ahead.code().status(), 400, "{ahead:?}");
    }

    /// Another import takes the key between the lookup and the insert:
    /// its row is the answer only if its bytes are these.
    #[test]
    fn a_key_taken_while_importing_is_a_conflict_for_other_bytes() {
        let stores = Stores::default();
        *stores.table.racing_row.borrow_mut() = Some(NewImage {
            stored_sha256: "someone else's".into(),
            ..NewImage::for_tests(KEY, "someone else's")
        });
        let conflict = stores.restore_at(KEY, png_with_metadata()).unwrap_err();
        assert_eq!(conflict.code().status(), 409, "{conflict:?}");
        assert!(!stores.public.has(KEY), "nothing written under its key");
    }

    #[test]
    fn limits_are_inclusive_the_thumbnails_bytes_and_the_pixels() {
        let stores = Stores::default();
        let mut exact = png_with_metadata_sized(480, 360);
        exact.resize(thumbnail::MAX_BYTES as usize, 0);
        assert!(stores
            .upload_with_thumbnail(png_with_metadata(), exact.clone())
            .is_ok());
        exact.push(0);
        let over = stores
            .upload_with_thumbnail(png_with_metadata_sized(4, 4), exact)
            .unwrap_err();
        assert_eq!(over.code().status(), 400, "{over:?}");

        let side = 10_000;
        assert_eq!(u64::from(side) * u64::from(side), POLICY.max_pixels);
        assert!(stores.upload(png_with_metadata_sized(side, side)).is_ok());
        let over = stores
            .upload(png_with_metadata_sized(side, side + 1))
            .unwrap_err();
        assert_eq!(over.code().status(), 413, "{over:?}");
    }

    #[test]
    fn a_full_storage_names_the_image_and_its_thumbnail_together() {
        let stores = Stores::default();
        let full = STORAGE_FULL;
        let thumbnail = png_with_metadata_sized(480, 360);
        let image = png_with_metadata_sized(4000, 3000);
        let error = stores
            .upload_as(&stores.runtime, &full, file(image, Some(thumbnail), None))
            .unwrap_err();
        // Both 63 bytes once their text chunk is stripped.
        assert!(error.message().contains("this upload (126 B)"), "{error:?}");
    }

    #[test]
    fn stores_the_stripped_image_with_its_row() {
        let stores = Stores::default();
        let input = png_with_metadata();
        let uploaded = stores.upload(input.clone()).unwrap();
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
        let stored = stores.public.get_now(&image.object_key);
        assert!(stored.len() < input.len());
        assert!(
            !stored.windows(7).any(|w| w == b"SN-4242"),
            "the serial is gone"
        );
        assert_eq!(image.size, stored.len() as u64);
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(image.stored_sha256, Some(hex(&stored)));
        assert_eq!(image.sha256, Some(hex(&input)));
        assert_eq!(uploaded.compression.stored_size, image.size);
        assert_eq!(uploaded.compression.original_size, input.len() as u64);
    }

    #[test]
    fn the_same_bytes_again_are_the_same_image() {
        let stores = Stores::default();
        let first = stores.upload(png_with_metadata()).unwrap();
        let again = stores.upload(png_with_metadata()).unwrap();
        assert!(again.duplicate);
        assert_eq!(again.image.id, first.image.id);
        assert_eq!(again.compression.status, CompressionStatus::Duplicate);
        assert_eq!(stores.public.keys().len(), 1);
        assert_eq!(stores.table.rows.borrow().len(), 1);
    }

    /// Uploading bytes that are in the trash is a restore: with the right
    /// to restore it comes back under its URL; without, 403 and the trash
    /// stays as it was.
    #[test]
    fn trashed_bytes_come_back_only_for_a_caller_who_may_restore() {
        let stores = Stores::default();
        let first = stores.upload(png_with_metadata()).unwrap();
        stores.delete(first.image.id);
        let upload_only = UploadPolicy {
            may_restore: false,
            ..POLICY
        };
        let refused = stores
            .upload_as(
                &stores.runtime,
                &upload_only,
                file(png_with_metadata(), None, None),
            )
            .unwrap_err();
        assert_eq!(refused.code().status(), 403, "{refused:?}");
        assert!(refused.message().contains("`delete`"), "{refused:?}");
        assert!(stores.public.keys().is_empty());
        assert!(stores.table.rows.borrow()[&first.image.id.0]
            .deleted_at
            .is_some());

        let back = stores.upload(png_with_metadata()).unwrap();
        assert!(back.duplicate);
        assert_eq!(back.image.id, first.image.id);
        assert_eq!(back.image.deleted_at, None);
        assert_eq!(stores.public.keys(), [first.image.object_key]);
        assert!(stores.trash.keys().is_empty());
    }

    /// A delete that died half-way leaves a live row whose bytes may be in
    /// the trash already: uploading its bytes makes it whole, never a URL
    /// that answers 404.
    /// Another request restores the image first (so ours has nothing to
    /// restore), and a third trashes it again before ours reads it back:
    /// the answer is never the trashed row, the upload brings it back.
    #[test]
    fn an_upload_never_answers_with_an_image_trashed_while_it_ran() {
        let stores = Stores::default();
        let first = stores.upload(png_with_metadata()).unwrap();
        stores.delete(first.image.id);
        stores.table.restored_then_trashed.set(true);
        let back = stores.upload(png_with_metadata()).unwrap();
        assert!(back.duplicate);
        assert_eq!(back.image.deleted_at, None);
        assert_eq!(
            stores.table.rows.borrow()[&first.image.id.0].deleted_at,
            None
        );
        assert!(stores.public.has(&first.image.object_key));
    }

    #[test]
    fn an_upload_finishes_a_move_left_half_done() {
        let stores = Stores::default();
        let first = stores.upload(png_with_metadata()).unwrap();
        let runtime = &stores.runtime;
        let now = runtime.now_ms();
        run(stores
            .table
            .claim(first.image.id, trash::Claim::Delete, now, i64::MIN))
        .unwrap()
        .unwrap();
        let key = first.image.object_key.clone();
        stores.trash.insert(&key, &stores.public.get_now(&key));
        stores.public.remove(&key);
        runtime.clock.advance(trash::CLAIM_LEASE_MS + 1);
        let again = stores.upload(png_with_metadata()).unwrap();
        assert!(again.duplicate);
        assert!(stores.public.has(&key), "the URL works again");
        assert!(stores.table.pending(first.image.id).is_none());
    }

    #[test]
    fn with_tinify_duplicates_are_found_before_compressing() {
        let stores = Stores::default();
        let runtime = FakeRuntime {
            compresses: true,
            result: Some(png_with_metadata()[..60].to_vec()),
            ..FakeRuntime::without_tinify()
        };
        let upload = || stores.upload_as(&runtime, &POLICY, file(png_with_metadata(), None, None));
        let first = upload().unwrap();
        assert_eq!(first.compression.by, CompressionBy::Tinify);
        assert_eq!(first.image.size, 60);
        assert_eq!(stores.table.compression_count.get(), Some(7));
        let again = upload().unwrap();
        assert!(again.duplicate);
        assert_eq!(runtime.compress_calls.get(), 1);
    }

    #[test]
    fn refused_files_store_nothing() {
        let stores = Stores::default();
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>".to_vec();
        for (bytes, status) in [
            (Vec::new(), 400),
            (b"just some text".to_vec(), 415),
            (svg.clone(), 415),
            (png_with_metadata_sized(20_000, 6_000), 413),
        ] {
            let error = stores.upload(bytes).unwrap_err();
            assert_eq!(error.code().status(), status, "{error:?}");
        }
        assert!(stores.public.keys().is_empty());
        assert!(stores.table.rows.borrow().is_empty());
        let allowing = UploadPolicy {
            allow_svg: true,
            ..POLICY
        };
        let runtime = FakeRuntime::without_tinify();
        assert!(stores
            .upload_as(&runtime, &allowing, file(svg, None, None))
            .is_ok());
    }

    #[test]
    fn a_full_quota_is_507_or_429_and_stores_nothing() {
        let stores = Stores::default();
        let full = STORAGE_FULL;
        let runtime = FakeRuntime::without_tinify();
        let error = stores
            .upload_as(&runtime, &full, file(png_with_metadata(), None, None))
            .unwrap_err();
        assert_eq!(error.code().status(), 507, "{error:?}");
        let daily = UploadPolicy {
            limits: Limits {
                max_storage_bytes: 1 << 30,
                max_uploads_per_day: Some(0),
            },
            ..POLICY
        };
        let error = stores
            .upload_as(&runtime, &daily, file(png_with_metadata(), None, None))
            .unwrap_err();
        assert_eq!(error.code().status(), 429, "{error:?}");
        assert!(stores.public.keys().is_empty());
        assert!(stores.table.rows.borrow().is_empty());
    }

    #[test]
    fn storage_failures_are_internal_and_leave_nothing() {
        let stores = Stores::default();
        stores.table.fail_insert.set(true);
        let error = stores.upload(png_with_metadata()).unwrap_err();
        assert!(matches!(error, ApiError::Internal(_)), "{error:?}");
        assert!(stores.public.keys().is_empty());
    }
}
