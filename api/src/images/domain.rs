//! Storing images so that R2 and D1 never disagree, whatever fails
//! half-way, and so that a key, once it names an image, never names other
//! bytes. Written against two small traits so the failure orders are tested
//! natively with in-memory stores.

use crate::trash::domain::{Direction, Lost, Pending, TrashTable};
use imghost_shared::api::{ImageId, ImageRecord};
use imghost_shared::image::ImageFormat;
use imghost_shared::{thumbnail, widths};

/// A failure of R2 or D1; the text is for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

pub trait ObjectStore {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    async fn delete_many(&self, keys: &[String]) -> Result<(), StoreError>;
    async fn exists(&self, key: &str) -> Result<bool, StoreError>;
    /// The object's bytes, or `None` if there is no such object.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Copies an object with its type into `target` (this store or
    /// another) under `target_key`; `false` if there is no such object.
    async fn copy_to(&self, key: &str, target: &Self, target_key: &str)
        -> Result<bool, StoreError>;
}

/// The quotas an insert is checked against, in the same statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of images and thumbnails in R2, the trash included.
    pub max_storage_bytes: u64,
    pub max_uploads_per_day: Option<u64>,
}

/// What the quotas are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Images and thumbnails, the trash included.
    pub stored_bytes: u64,
    pub uploads_today: u64,
}

/// Why a row was not inserted (or a thumbnail not recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A row holds the same uploaded bytes (and a move may be under way on it).
    SameBytes(ImageRecord, Option<Pending>),
    /// A row has the key.
    KeyTaken(ImageRecord),
    /// The key belonged to a purged image with other (or unknown) bytes.
    KeyRetired,
    StorageFull {
        used: u64,
    },
    DailyLimit {
        used: u64,
    },
    /// The row that stood in the way went before it could be read: try again.
    Unexplained,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    Row(ImageRecord),
    Refused(Refusal),
}

pub trait ImageTable {
    /// The row holding these uploaded bytes, and any move under way on it.
    async fn find_by_sha256(
        &self,
        sha256: &str,
    ) -> Result<Option<(ImageRecord, Option<Pending>)>, StoreError>;
    /// Inserts the row unless a quota, its key or its uploaded bytes stand
    /// in the way, decided in the same statement (so racing uploads can
    /// neither pass a quota together nor store the same bytes twice); when
    /// refused, says why.
    async fn insert(&self, image: &NewImage, limits: &Limits) -> Result<Inserted, StoreError>;
    async fn find_by_key(&self, key: &str) -> Result<Option<ImageRecord>, StoreError>;
    async fn find_by_id(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
    /// Records the thumbnail or widths of the live image `id` (stored
    /// under `image_key`) when it has none and no move is under way, if
    /// storage has room for them; the updated row, or why not.
    async fn set_extra(
        &self,
        id: ImageId,
        image_key: &str,
        extra: Extra<'_>,
        limits: &Limits,
    ) -> Result<Result<ImageRecord, Refusal>, StoreError>;
    /// Records Tinify's monthly usage, shown in stats.
    async fn set_compression_count(&self, count: u64) -> Result<(), StoreError>;
}

/// Why an insert changed nothing, from what stood in its way: the row with
/// the same uploaded bytes, the row with the key, the key's retirement (the
/// stored SHA-256 it had) and the quotas' use.
pub fn refusal(
    image: &NewImage,
    same_bytes: Option<(ImageRecord, Option<Pending>)>,
    at_key: Option<ImageRecord>,
    retired: Option<Option<String>>,
    usage: Usage,
    limits: &Limits,
) -> Refusal {
    if let Some((row, pending)) = same_bytes.filter(|_| !image.shares_bytes) {
        return Refusal::SameBytes(row, pending);
    }
    if let Some(row) = at_key {
        return Refusal::KeyTaken(row);
    }
    if let Some(retired_sha256) = retired {
        if retired_sha256.as_deref() != Some(image.stored_sha256.as_str()) {
            return Refusal::KeyRetired;
        }
    }
    if usage.stored_bytes + image.stored_size() > limits.max_storage_bytes {
        return Refusal::StorageFull {
            used: usage.stored_bytes,
        };
    }
    if limits
        .max_uploads_per_day
        .is_some_and(|limit| usage.uploads_today >= limit)
    {
        return Refusal::DailyLimit {
            used: usage.uploads_today,
        };
    }
    Refusal::Unexplained
}

/// Why a thumbnail or widths were not recorded, from the row as it is now.
pub fn extra_refusal(
    row: Option<(ImageRecord, Option<Pending>)>,
    has: impl Fn(&ImageRecord) -> bool,
    size: u64,
    usage: Usage,
    limits: &Limits,
) -> Refusal {
    match row {
        Some((row, None)) if row.deleted_at.is_none() && has(&row) => Refusal::KeyTaken(row),
        Some((row, None)) if row.deleted_at.is_none() => {
            if usage.stored_bytes + size > limits.max_storage_bytes {
                Refusal::StorageFull {
                    used: usage.stored_bytes,
                }
            } else {
                Refusal::Unexplained
            }
        }
        _ => Refusal::Unexplained,
    }
}

/// A row about to be inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImage {
    pub object_key: String,
    pub original_name: String,
    pub image_url: String,
    pub content_type: String,
    pub size: u64,
    pub created_at: i64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Of the bytes as uploaded: the same file again is the same image.
    pub sha256: String,
    /// Of the bytes stored in R2.
    pub stored_sha256: String,
    pub original_size: u64,
    pub compressed_by: String,
    pub animated: bool,
    /// Where the thumbnail sent with the image goes (`store_image` writes
    /// it there), if one was, and its size.
    pub thumbnail_key: Option<String>,
    pub thumbnail_size: Option<u64>,
    /// The widths sent with the image (`store_image` writes them beside it)
    /// and their bytes together.
    pub widths: Vec<u32>,
    pub widths_size: Option<u64>,
    /// An image restored under its old key: inserted before its objects are
    /// written (so no two requests ever write under one key), as a move
    /// into the public bucket claimed at this time; and it may share its
    /// bytes with another key (two exported images can), so its uploaded
    /// bytes are not looked up.
    pub claimed_at: Option<i64>,
    pub shares_bytes: bool,
}

impl NewImage {
    /// Bytes the row counts against the storage quota: the image, its
    /// thumbnail and its widths.
    pub fn stored_size(&self) -> u64 {
        self.size + self.thumbnail_size.unwrap_or(0) + self.widths_size.unwrap_or(0)
    }
}

/// A checked width, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Width {
    pub width: u32,
    pub bytes: Vec<u8>,
}

/// What a client made of an image besides it, checked: stored beside it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    pub thumbnail: Option<&'a Thumbnail>,
    pub widths: &'a [Width],
}

/// A checked thumbnail, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub bytes: Vec<u8>,
    pub format: ImageFormat,
}

impl Thumbnail {
    /// Its key beside the image stored under `image_key`.
    pub fn key_for(&self, image_key: &str) -> String {
        thumbnail::key_for(image_key, self.format)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    New(ImageRecord),
    /// Another row stands where this one would go (the same uploaded bytes,
    /// or the key): nothing of this upload was kept.
    Existing(ImageRecord, Option<Pending>),
    /// A quota or the key's past refused it: nothing was kept.
    Refused(Refusal),
}

/// How often an upload tries again when what stood in its way went before
/// it could be read.
const STORE_ATTEMPTS: usize = 3;

/// Stores a new image under a new key: the objects, then the row (with
/// the quotas and the duplicate check in the insert itself, so the common
/// case is one object write and one D1 round trip). Whatever refuses the
/// row, or a failed insert, removes the objects again — unless the insert
/// was committed and only its answer lost.
pub async fn store_image(
    objects: &impl ObjectStore,
    table: &impl ImageTable,
    image: &NewImage,
    bytes: &[u8],
    extras: Extras<'_>,
    limits: &Limits,
) -> Result<Stored, StoreError> {
    debug_assert_eq!(image.thumbnail_key.is_some(), extras.thumbnail.is_some());
    for _ in 0..STORE_ATTEMPTS {
        put_objects(objects, image, bytes, extras).await?;
        let refusal = match table.insert(image, limits).await {
            Ok(Inserted::Row(row)) => return Ok(Stored::New(row)),
            Ok(Inserted::Refused(refusal)) => refusal,
            Err(error) => {
                // The insert may have been committed and only its answer
                // lost: the objects may only go if the row is surely not there.
                return match table.find_by_key(&image.object_key).await {
                    Ok(Some(row)) => Ok(Stored::New(row)),
                    Ok(None) => Err(remove_objects(objects, image, error).await),
                    Err(_) => Err(error),
                };
            }
        };
        let _ = remove_objects(objects, image, StoreError(String::new())).await;
        match refusal {
            Refusal::SameBytes(row, pending) => return Ok(Stored::Existing(row, pending)),
            Refusal::Unexplained => continue,
            other => return Ok(Stored::Refused(other)),
        }
    }
    Err(StoreError(
        "what stood in the way of this upload went before it could be read, every time".into(),
    ))
}

/// Stores an image under a key that some row may hold (an import's, or a
/// `KEY_TEMPLATE`'s): the row first, as a move into the public bucket,
/// then the objects, then the move is finished. So no request ever writes under a key that another row has,
/// had, or is getting; if the objects cannot be written, the row goes and
/// its key stays retired with these bytes only.
pub async fn store_at_key<T: ImageTable + TrashTable>(
    objects: &impl ObjectStore,
    table: &T,
    image: &NewImage,
    bytes: &[u8],
    extras: Extras<'_>,
    limits: &Limits,
) -> Result<Stored, StoreError> {
    let claimed_at = image.claimed_at.expect("a keyed image is inserted claimed");
    for _ in 0..STORE_ATTEMPTS {
        let row = match table.insert(image, limits).await? {
            Inserted::Row(row) => row,
            Inserted::Refused(Refusal::KeyTaken(row)) => return Ok(Stored::Existing(row, None)),
            // Only a new upload under a template's key checks its bytes.
            Inserted::Refused(Refusal::SameBytes(row, pending)) => {
                return Ok(Stored::Existing(row, pending))
            }
            Inserted::Refused(Refusal::Unexplained) => continue,
            Inserted::Refused(refusal) => return Ok(Stored::Refused(refusal)),
        };
        if let Err(error) = put_objects(objects, image, bytes, extras).await {
            // The row goes again, under the same claim.
            if table
                .renew(row.id, claimed_at, claimed_at, Direction::Gone)
                .await?
            {
                table
                    .finish(
                        row.id,
                        Direction::Gone,
                        claimed_at,
                        claimed_at,
                        Lost::NOTHING,
                    )
                    .await?;
            }
            return Err(error);
        }
        return match table
            .finish(
                row.id,
                Direction::Live,
                claimed_at,
                claimed_at,
                Lost::NOTHING,
            )
            .await?
        {
            Some(row) => Ok(Stored::New(row)),
            None => Err(StoreError(
                "another request took this import over while it was stored".into(),
            )),
        };
    }
    Err(StoreError(
        "what stood in the way of this import went before it could be read, every time".into(),
    ))
}

async fn put_objects(
    objects: &impl ObjectStore,
    image: &NewImage,
    bytes: &[u8],
    extras: Extras<'_>,
) -> Result<(), StoreError> {
    objects
        .put(&image.object_key, bytes, &image.content_type)
        .await?;
    let thumbnail = image.thumbnail_key.as_ref().zip(extras.thumbnail);
    let thumbnail = thumbnail.map(|(key, t)| (key.clone(), t.bytes.as_slice(), t.format));
    let widths = extras.widths.iter().map(|width| {
        let key = widths::key_for(&image.object_key, width.width);
        (key, width.bytes.as_slice(), ImageFormat::Webp)
    });
    let mut written = Vec::new();
    for (key, bytes, format) in thumbnail.into_iter().chain(widths) {
        if let Err(error) = objects.put(&key, bytes, format.mime_type()).await {
            written.push(image.object_key.clone());
            let _ = objects.delete_many(&written).await;
            return Err(error);
        }
        written.push(key);
    }
    Ok(())
}

/// Removes the objects of a row that was not written; the error to report.
async fn remove_objects(
    objects: &impl ObjectStore,
    image: &NewImage,
    error: StoreError,
) -> StoreError {
    // Extras left behind are found by reconcile, like any orphan.
    if let Some(key) = &image.thumbnail_key {
        let _ = objects.delete(key).await;
    }
    if !image.widths.is_empty() {
        let widths = widths::keys_for(&image.object_key, &image.widths);
        let _ = objects.delete_many(&widths).await;
    }
    match objects.delete(&image.object_key).await {
        Ok(()) => error,
        Err(StoreError(cleanup)) => StoreError(format!(
            "{}; and object {} could not be removed ({cleanup}): reconcile will list it",
            error.0, image.object_key
        )),
    }
}

/// What became of a thumbnail (or widths) sent for a stored image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attached {
    /// The image, now with it.
    Done(ImageRecord),
    /// The image has one already (possibly from a racing request).
    HasOne(ImageRecord),
    /// There is no live image with that id (none, trashed, or moving).
    NoImage,
    /// Storage has no room for it.
    StorageFull { used: u64 },
}

/// What is attached to a stored image after the fact.
#[derive(Debug, Clone, Copy)]
pub enum Extra<'a> {
    Thumbnail(&'a Thumbnail),
    Widths(&'a [Width]),
}

impl Extra<'_> {
    /// Whether the row has one already.
    pub fn is_on(&self, row: &ImageRecord) -> bool {
        match self {
            Self::Thumbnail(_) => row.thumbnail_key.is_some(),
            Self::Widths(_) => !row.widths.is_empty(),
        }
    }

    /// Its objects beside the image under `image_key`: key, bytes, type.
    fn objects(&self, image_key: &str) -> Vec<(String, &[u8], &'static str)> {
        match self {
            Self::Thumbnail(thumbnail) => vec![(
                thumbnail.key_for(image_key),
                &thumbnail.bytes,
                thumbnail.format.mime_type(),
            )],
            Self::Widths(sent) => sent
                .iter()
                .map(|width| {
                    let key = widths::key_for(image_key, width.width);
                    (key, width.bytes.as_slice(), ImageFormat::Webp.mime_type())
                })
                .collect(),
        }
    }

    /// Its bytes, all objects together.
    pub fn size(&self) -> u64 {
        match self {
            Self::Thumbnail(thumbnail) => thumbnail.bytes.len() as u64,
            Self::Widths(sent) => sent.iter().map(|width| width.bytes.len() as u64).sum(),
        }
    }

    /// Whether the row names exactly these objects.
    fn is_named_by(&self, row: &ImageRecord) -> bool {
        match self {
            Self::Thumbnail(thumbnail) => {
                row.thumbnail_key.as_deref() == Some(thumbnail.key_for(&row.object_key).as_str())
            }
            Self::Widths(sent) => row.widths.iter().eq(sent.iter().map(|width| &width.width)),
        }
    }
}

/// Stores a thumbnail (or widths) for a live image that has none: the
/// objects first, then the row, which takes them only if the image is still
/// live, settled and without one. Otherwise the objects go again — unless
/// the row is live and names them (a racing request stored the same keys) —
/// so nothing of a trashed image is left public.
pub async fn attach(
    objects: &impl ObjectStore,
    table: &impl ImageTable,
    id: ImageId,
    extra: Extra<'_>,
    limits: &Limits,
) -> Result<Attached, StoreError> {
    let Some(image) = table
        .find_by_id(id)
        .await?
        .filter(|row| row.deleted_at.is_none())
    else {
        return Ok(Attached::NoImage);
    };
    if extra.is_on(&image) {
        return Ok(Attached::HasOne(image));
    }
    let to_put = extra.objects(&image.object_key);
    let keys: Vec<String> = to_put.iter().map(|(key, ..)| key.clone()).collect();
    for (written, (key, bytes, content_type)) in to_put.iter().enumerate() {
        if let Err(error) = objects.put(key, bytes, content_type).await {
            let _ = objects.delete_many(&keys[..=written]).await;
            return Err(error);
        }
    }
    let outcome = table.set_extra(id, &image.object_key, extra, limits).await;
    if let Ok(Ok(row)) = outcome {
        return Ok(Attached::Done(row));
    }
    // The update may have been committed and only its answer lost.
    let now = table.find_by_id(id).await;
    let named = |row: &ImageRecord| row.deleted_at.is_none() && extra.is_named_by(row);
    if let (Err(_), Ok(Some(row))) = (&outcome, &now) {
        if named(row) {
            return Ok(Attached::Done(row.clone()));
        }
    }
    if !matches!(&now, Ok(Some(row)) if named(row)) {
        objects.delete_many(&keys).await?;
    }
    Ok(match outcome? {
        Ok(row) => Attached::Done(row),
        Err(Refusal::StorageFull { used }) => Attached::StorageFull { used },
        Err(Refusal::KeyTaken(row)) => Attached::HasOne(row),
        // Trashed, moving or gone: no image that can take it.
        Err(_) => Attached::NoImage,
    })
}

#[cfg(test)]
impl NewImage {
    pub fn for_tests(key: &str, sha256: &str) -> Self {
        Self {
            object_key: key.into(),
            original_name: "cat.png".into(),
            image_url: format!("https://img.example/{key}"),
            content_type: "image/png".into(),
            size: 3,
            created_at: 0,
            width: Some(1),
            height: Some(1),
            sha256: sha256.into(),
            stored_sha256: sha256.into(),
            original_size: 3,
            compressed_by: "none".into(),
            animated: false,
            thumbnail_key: None,
            thumbnail_size: None,
            widths: Vec::new(),
            widths_size: None,
            claimed_at: None,
            shares_bytes: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::memory::{run, MemoryObjects, MemoryTable};
    use super::*;

    const ROOMY: Limits = Limits {
        max_storage_bytes: 1_000_000,
        max_uploads_per_day: None,
    };

    fn new_image(key: &str, sha256: &str) -> NewImage {
        NewImage::for_tests(key, sha256)
    }

    fn store(
        objects: &MemoryObjects,
        table: &MemoryTable,
        key: &str,
        sha256: &str,
    ) -> Result<Stored, StoreError> {
        run(store_image(
            objects,
            table,
            &new_image(key, sha256),
            b"png",
            Extras::default(),
            &ROOMY,
        ))
    }

    fn thumbnail() -> Thumbnail {
        Thumbnail {
            bytes: b"webp".to_vec(),
            format: ImageFormat::Webp,
        }
    }

    fn with_thumbnail(key: &str, sha256: &str) -> NewImage {
        NewImage {
            thumbnail_key: Some(thumbnail().key_for(key)),
            thumbnail_size: Some(4),
            ..new_image(key, sha256)
        }
    }

    fn store_with_thumbnail(
        objects: &MemoryObjects,
        table: &MemoryTable,
        key: &str,
        sha256: &str,
    ) -> Result<Stored, StoreError> {
        run(store_image(
            objects,
            table,
            &with_thumbnail(key, sha256),
            b"png",
            Extras {
                thumbnail: Some(&thumbnail()),
                widths: &[],
            },
            &ROOMY,
        ))
    }

    fn attach(
        objects: &MemoryObjects,
        table: &MemoryTable,
        id: ImageId,
        thumbnail: &Thumbnail,
    ) -> Attached {
        run(super::attach(
            objects,
            table,
            id,
            Extra::Thumbnail(thumbnail),
            &ROOMY,
        ))
        .unwrap()
    }

    fn stored_new(stored: Result<Stored, StoreError>) -> ImageRecord {
        match stored {
            Ok(Stored::New(row)) => row,
            other => panic!("not stored anew: {other:?}"),
        }
    }

    #[test]
    fn a_thumbnail_is_stored_beside_its_image() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let record = stored_new(store_with_thumbnail(&objects, &table, "a.png", "aa"));
        assert_eq!(record.thumbnail_key.as_deref(), Some("a.png.thumb.webp"));
        assert_eq!(objects.get_now("a.png.thumb.webp"), b"webp");
        assert_eq!(table.usage().stored_bytes, 3 + 4);
    }

    #[test]
    fn nothing_is_left_when_the_thumbnail_or_the_row_cannot_be_stored() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        *objects.fail_put_ending.borrow_mut() = Some(".webp");
        assert!(store_with_thumbnail(&objects, &table, "a.png", "aa").is_err());
        assert!(objects.keys().is_empty());
        assert!(table.rows.borrow().is_empty());

        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        table.fail_insert.set(true);
        assert!(store_with_thumbnail(&objects, &table, "a.png", "aa").is_err());
        assert!(objects.keys().is_empty());
    }

    #[test]
    fn a_duplicate_leaves_no_object_of_its_own() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        store(&objects, &table, "first.png", "same").unwrap();
        let again = store_with_thumbnail(&objects, &table, "second.png", "same").unwrap();
        assert!(matches!(again, Stored::Existing(ref r, None) if r.object_key == "first.png"));
        assert_eq!(objects.keys(), ["first.png"]);
    }

    #[test]
    fn quotas_refuse_in_the_insert_and_leave_nothing() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let tight = Limits {
            max_storage_bytes: 10,
            max_uploads_per_day: Some(2),
        };
        let image = with_thumbnail("a.png", "aa");
        // 3 bytes of image and 4 of thumbnail: a second one would take 14.
        let first = run(store_image(
            &objects,
            &table,
            &image,
            b"png",
            Extras {
                thumbnail: Some(&thumbnail()),
                widths: &[],
            },
            &tight,
        ));
        stored_new(first);
        let image = with_thumbnail("b.png", "bb");
        let full = run(store_image(
            &objects,
            &table,
            &image,
            b"png",
            Extras {
                thumbnail: Some(&thumbnail()),
                widths: &[],
            },
            &tight,
        ));
        assert_eq!(full, Ok(Stored::Refused(Refusal::StorageFull { used: 7 })));
        assert_eq!(objects.keys(), ["a.png", "a.png.thumb.webp"]);
        let small = new_image("c.png", "cc");
        stored_new(run(store_image(
            &objects,
            &table,
            &small,
            b"png",
            Extras::default(),
            &tight,
        )));
        let third = new_image("d.png", "dd");
        let roomy_but_daily = Limits {
            max_storage_bytes: 1000,
            ..tight
        };
        let over = run(store_image(
            &objects,
            &table,
            &third,
            b"png",
            Extras::default(),
            &roomy_but_daily,
        ));
        assert_eq!(over, Ok(Stored::Refused(Refusal::DailyLimit { used: 2 })));
        assert!(!objects.has("d.png"));
    }

    #[test]
    fn an_upload_that_fills_storage_exactly_fits() {
        let image = new_image("a.png", "aa");
        let usage = Usage {
            stored_bytes: 7,
            uploads_today: 4,
        };
        let exact = Limits {
            max_storage_bytes: 10,
            max_uploads_per_day: Some(5),
        };
        assert_eq!(
            refusal(&image, None, None, None, usage, &exact),
            Refusal::Unexplained
        );
        let short = Limits {
            max_storage_bytes: 9,
            ..exact
        };
        assert_eq!(
            refusal(&image, None, None, None, usage, &short),
            Refusal::StorageFull { used: 7 }
        );
    }

    #[test]
    fn a_refused_thumbnail_says_why_from_the_row_as_it_is() {
        let has_thumbnail = |row: &ImageRecord| row.thumbnail_key.is_some();
        let limits = Limits {
            max_storage_bytes: 10,
            max_uploads_per_day: None,
        };
        let usage = Usage {
            stored_bytes: 6,
            uploads_today: 0,
        };
        let row = |deleted_at: Option<i64>, thumbnail: Option<&str>| ImageRecord {
            deleted_at,
            albums: vec![],
            tags: vec![],
            thumbnail_key: thumbnail.map(str::to_string),
            ..MemoryTable::default().add(&new_image("a.png", "aa"))
        };
        let with_one = row(None, Some("a.png.thumb.webp"));
        assert_eq!(
            extra_refusal(
                Some((with_one.clone(), None)),
                has_thumbnail,
                1,
                usage,
                &limits
            ),
            Refusal::KeyTaken(with_one)
        );
        assert_eq!(
            extra_refusal(
                Some((row(None, None), None)),
                has_thumbnail,
                5,
                usage,
                &limits
            ),
            Refusal::StorageFull { used: 6 }
        );
        // Exactly the room left: not full (the update lost to something else).
        assert_eq!(
            extra_refusal(
                Some((row(None, None), None)),
                has_thumbnail,
                4,
                usage,
                &limits
            ),
            Refusal::Unexplained
        );
        let moving = Pending {
            to: Direction::Trash,
            claimed_at: 1,
        };
        for (trashed_or_moving, pending) in [
            (row(Some(1), None), None),
            (row(Some(1), Some("a.png.thumb.webp")), None),
            (row(None, None), Some(moving)),
        ] {
            assert_eq!(
                extra_refusal(
                    Some((trashed_or_moving, pending)),
                    has_thumbnail,
                    5,
                    usage,
                    &limits
                ),
                Refusal::Unexplained
            );
        }
        assert_eq!(
            extra_refusal(None, has_thumbnail, 1, usage, &limits),
            Refusal::Unexplained
        );
    }

    #[test]
    fn a_thumbnail_is_attached_once() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let record = stored_new(store(&objects, &table, "a.png", "aa"));
        let Attached::Done(row) = attach(&objects, &table, record.id, &thumbnail()) else {
            panic!("not attached");
        };
        assert_eq!(row.thumbnail_key.as_deref(), Some("a.png.thumb.webp"));
        assert_eq!(objects.keys(), ["a.png", "a.png.thumb.webp"]);

        let jpeg = Thumbnail {
            format: ImageFormat::Jpeg,
            ..thumbnail()
        };
        assert!(matches!(
            attach(&objects, &table, record.id, &jpeg),
            Attached::HasOne(_)
        ));
        assert_eq!(objects.keys(), ["a.png", "a.png.thumb.webp"]);
        assert_eq!(
            attach(&objects, &table, ImageId(99), &jpeg),
            Attached::NoImage
        );
    }

    #[test]
    fn a_thumbnail_that_loses_a_race_is_removed_unless_it_won_under_the_same_key() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let record = stored_new(store(&objects, &table, "a.png", "aa"));
        objects.insert("a.png.thumb.jpg", b"jpeg");
        *table.racing_thumbnail.borrow_mut() = Some("a.png.thumb.jpg".into());
        let lost = attach(&objects, &table, record.id, &thumbnail());
        assert!(matches!(lost, Attached::HasOne(ref r)
            if r.thumbnail_key.as_deref() == Some("a.png.thumb.jpg")));
        assert_eq!(objects.keys(), ["a.png", "a.png.thumb.jpg"]);

        // The racing request wrote the same key: the object is the row's.
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let record = stored_new(store(&objects, &table, "a.png", "aa"));
        *table.racing_thumbnail.borrow_mut() = Some("a.png.thumb.webp".into());
        attach(&objects, &table, record.id, &thumbnail());
        assert_eq!(objects.keys(), ["a.png", "a.png.thumb.webp"]);
    }

    /// `PUT /thumbnail` racing a delete: the image is trashed between the
    /// lookup and the update. The update refuses a row that is trashed (or
    /// moving), and the object goes, even though the trashed row keeps its
    /// key: a trashed image has nothing public.
    #[test]
    fn a_thumbnail_for_an_image_trashed_or_moving_meanwhile_is_removed() {
        for race in ["trashed", "moving", "deleted"] {
            let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
            let record = stored_new(store(&objects, &table, "a.png", "aa"));
            table.before_set_thumbnail.replace(Some(race));
            let outcome = attach(&objects, &table, record.id, &thumbnail());
            assert_eq!(outcome, Attached::NoImage, "{race}");
            assert_eq!(objects.keys(), ["a.png"], "{race}");
            assert_eq!(
                table
                    .rows
                    .borrow()
                    .get(&record.id.0)
                    .and_then(|r| r.thumbnail_key.clone()),
                None
            );
        }
    }

    #[test]
    fn widths_for_an_image_trashed_or_moving_meanwhile_are_removed() {
        for race in ["trashed", "moving", "deleted"] {
            let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
            let record = stored_new(store(&objects, &table, "a.png", "aa"));
            table.before_set_thumbnail.replace(Some(race));
            let sent = [Width {
                width: 640,
                bytes: b"webp".to_vec(),
            }];
            let outcome = run(super::attach(
                &objects,
                &table,
                record.id,
                Extra::Widths(&sent),
                &ROOMY,
            ));
            assert_eq!(outcome, Ok(Attached::NoImage), "{race}");
            assert_eq!(objects.keys(), ["a.png"], "{race}: the width is gone again");
        }
    }

    #[test]
    fn a_thumbnail_over_the_quota_is_refused_and_removed() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let record = stored_new(store(&objects, &table, "a.png", "aa"));
        let tight = Limits {
            max_storage_bytes: 5,
            max_uploads_per_day: None,
        };
        let outcome = run(super::attach(
            &objects,
            &table,
            record.id,
            Extra::Thumbnail(&thumbnail()),
            &tight,
        ));
        assert_eq!(outcome, Ok(Attached::StorageFull { used: 3 }));
        assert_eq!(objects.keys(), ["a.png"]);
    }

    /// Every row has its object and every object its row.
    fn assert_consistent(objects: &MemoryObjects, table: &MemoryTable) {
        let mut row_keys: Vec<String> = table
            .rows
            .borrow()
            .values()
            .map(|r| r.object_key.clone())
            .collect();
        row_keys.sort();
        assert_eq!(objects.keys(), row_keys);
    }

    #[test]
    fn stores_object_and_row() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let stored = stored_new(store(&objects, &table, "a.png", "aa"));
        assert_eq!(stored.object_key, "a.png");
        assert_eq!(objects.get_now("a.png"), b"png");
        assert_consistent(&objects, &table);
    }

    #[test]
    fn failed_put_stores_nothing() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        objects.fail_put.set(true);
        assert!(store(&objects, &table, "a.png", "aa").is_err());
        assert!(table.rows.borrow().is_empty());
        assert_consistent(&objects, &table);
    }

    #[test]
    fn failed_insert_removes_the_object() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        table.fail_insert.set(true);
        let error = store(&objects, &table, "a.png", "aa").unwrap_err();
        assert_eq!(error, StoreError("insert failed".into()));
        assert_consistent(&objects, &table);
    }

    #[test]
    fn an_insert_whose_answer_was_lost_keeps_its_object() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        table.fail_insert_after_commit.set(true);
        let stored = stored_new(store(&objects, &table, "a.png", "aa"));
        assert_eq!(stored.object_key, "a.png");
        assert_consistent(&objects, &table);
    }

    #[test]
    fn when_the_row_cannot_be_checked_the_object_stays() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        table.fail_insert_after_commit.set(true);
        table.fail_find_by_key.set(true);
        assert!(store(&objects, &table, "a.png", "aa").is_err());
        // The row was written: its object must still be there.
        assert_consistent(&objects, &table);
    }

    #[test]
    fn failed_insert_and_failed_cleanup_is_reported() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        table.fail_insert.set(true);
        objects.fail_delete.set(true);
        let StoreError(message) = store(&objects, &table, "a.png", "aa").unwrap_err();
        assert!(message.contains("a.png could not be removed"), "{message}");
    }

    #[test]
    fn losing_a_race_returns_the_winner_and_leaves_one_object() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let winner = new_image("winner.png", "same");
        objects.insert("winner.png", b"png");
        *table.racing_row.borrow_mut() = Some(winner);
        let stored = store(&objects, &table, "loser.png", "same").unwrap();
        assert!(matches!(stored, Stored::Existing(ref r, _) if r.object_key == "winner.png"));
        assert_eq!(table.rows.borrow().len(), 1);
        assert_consistent(&objects, &table);
    }

    #[test]
    fn a_duplicate_deleted_before_it_could_be_read_is_no_answer() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        store(&objects, &table, "first.png", "same").unwrap();
        // The first image is purged between the insert and the lookup.
        objects.remove("first.png");
        table.purged_before_lookup.set(true);
        let stored = stored_new(store(&objects, &table, "second.png", "same"));
        assert_eq!(stored.object_key, "second.png");
        assert_consistent(&objects, &table);
    }

    #[test]
    fn keyed_images_take_their_key_before_writing_under_it() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let keyed = |key: &str, stored: &str| NewImage {
            claimed_at: Some(1),
            shares_bytes: true,
            stored_sha256: stored.into(),
            ..new_image(key, "upload")
        };
        let store_keyed = |image: &NewImage, bytes: &[u8]| {
            run(store_at_key(
                &objects,
                &table,
                image,
                bytes,
                Extras::default(),
                &ROOMY,
            ))
        };
        // Two keys with the same bytes both come back.
        stored_new(store_keyed(&keyed("k1.png", "s"), b"one"));
        let second = stored_new(store_keyed(&keyed("k2.png", "s"), b"one"));
        assert_eq!(second.sha256, None, "the upload's hash stays with k1");
        assert!(table.pending(second.id).is_none(), "the move is finished");
        // A taken key is never written to.
        let taken = store_keyed(&keyed("k1.png", "other"), b"two").unwrap();
        assert!(matches!(taken, Stored::Existing(ref r, None) if r.object_key == "k1.png"));
        assert_eq!(objects.get_now("k1.png"), b"one");
        // A retired key takes its own bytes back, and no others.
        table.retire("old.png", Some("s"));
        let other = store_keyed(&keyed("old.png", "other"), b"two").unwrap();
        assert_eq!(other, Stored::Refused(Refusal::KeyRetired));
        assert!(!objects.has("old.png"));
        stored_new(store_keyed(&keyed("old.png", "s"), b"one"));
        table.retire("unknown.png", None);
        let unknown = store_keyed(&keyed("unknown.png", "s"), b"one").unwrap();
        assert_eq!(unknown, Stored::Refused(Refusal::KeyRetired));
    }

    #[test]
    fn a_keyed_image_whose_object_cannot_be_written_leaves_no_row() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        objects.fail_put.set(true);
        let image = NewImage {
            claimed_at: Some(1),
            shares_bytes: true,
            ..new_image("k.png", "aa")
        };
        assert!(run(store_at_key(
            &objects,
            &table,
            &image,
            b"png",
            Extras::default(),
            &ROOMY
        ))
        .is_err());
        assert!(table.rows.borrow().is_empty());
        assert!(objects.keys().is_empty());
    }
}
