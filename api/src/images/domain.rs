//! Storing and deleting images so that R2 and D1 never disagree, whatever
//! fails half-way. Written against two small traits so the failure orders
//! are tested natively with in-memory stores.

use imghost_shared::api::{ImageId, ImageRecord};
use imghost_shared::image::ImageFormat;
use imghost_shared::thumbnail;

/// A failure of R2 or D1; the text is for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

pub trait ObjectStore {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    async fn exists(&self, key: &str) -> Result<bool, StoreError>;
    /// The object's bytes, or `None` if there is no such object.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Copies an object with its type; `false` if there is no such object.
    async fn copy(&self, from: &str, to: &str) -> Result<bool, StoreError>;
}

pub trait ImageTable {
    async fn find_by_sha256(&self, sha256: &str) -> Result<Option<ImageRecord>, StoreError>;
    /// Inserts the row, or returns `None` if a row with the same SHA-256
    /// already exists (the unique index decides, so racing uploads of the
    /// same bytes end with one row).
    async fn insert(&self, image: &NewImage) -> Result<Option<ImageRecord>, StoreError>;
    async fn find_by_key(&self, key: &str) -> Result<Option<ImageRecord>, StoreError>;
    async fn find_by_id(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
    /// Records the thumbnail of an image that has none; the updated row, or
    /// `None` if there is no such row or it has a thumbnail already.
    async fn set_thumbnail(
        &self,
        id: ImageId,
        thumbnail_key: &str,
    ) -> Result<Option<ImageRecord>, StoreError>;
    /// Deletes the row; the row as it was, or `None` if there was none.
    async fn delete(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
    /// Puts a deleted row back exactly as it was.
    async fn restore(&self, image: &ImageRecord) -> Result<(), StoreError>;
    /// Records Tinify's monthly usage, shown in stats.
    async fn set_compression_count(&self, count: u64) -> Result<(), StoreError>;
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
    pub sha256: String,
    pub original_size: u64,
    pub compressed_by: String,
    pub animated: bool,
    /// Where the thumbnail sent with the image goes (`store_image` writes
    /// it there), if one was.
    pub thumbnail_key: Option<String>,
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
    /// The same bytes were stored before (possibly by a racing upload).
    Duplicate(ImageRecord),
}

/// How often an upload stores anew when the image holding the same bytes is
/// deleted while it runs.
const STORE_ATTEMPTS: usize = 3;

/// Writes the object, then the row. If the row cannot be written the object
/// is removed again. If the same bytes are already stored (the unique index
/// on the SHA-256 says so, whether they came earlier or in a racing
/// upload), that image is the answer and this object is removed — unless
/// that image is deleted meanwhile: a duplicate answer always names an
/// image whose row was there after everything else this upload did, and
/// otherwise the upload stores anew.
///
/// Letting the insert find duplicates keeps a new image, the common case,
/// at one object write and one row insert. (When Tinify is on, the caller
/// looks for duplicates first, so as not to spend a compression on them.)
pub async fn store_image(
    objects: &impl ObjectStore,
    table: &impl ImageTable,
    image: &NewImage,
    bytes: &[u8],
    thumbnail: Option<&Thumbnail>,
) -> Result<Stored, StoreError> {
    debug_assert_eq!(image.thumbnail_key.is_some(), thumbnail.is_some());
    for _ in 0..STORE_ATTEMPTS {
        if let Some(stored) = store_once(objects, table, image, bytes, thumbnail).await? {
            return Ok(stored);
        }
    }
    Err(StoreError(
        "the image holding the same bytes was deleted during every attempt to store this one"
            .into(),
    ))
}

/// One attempt; `None` when the image holding the same bytes was deleted
/// before this upload could answer with it.
async fn store_once(
    objects: &impl ObjectStore,
    table: &impl ImageTable,
    image: &NewImage,
    bytes: &[u8],
    thumbnail: Option<&Thumbnail>,
) -> Result<Option<Stored>, StoreError> {
    objects
        .put(&image.object_key, bytes, &image.content_type)
        .await?;
    if let (Some(key), Some(thumbnail)) = (&image.thumbnail_key, thumbnail) {
        let put = objects
            .put(key, &thumbnail.bytes, thumbnail.format.mime_type())
            .await;
        if let Err(error) = put {
            let _ = objects.delete(&image.object_key).await;
            return Err(error);
        }
    }
    let outcome = insert_row(table, image).await;
    if let Ok(Some(Stored::New(_))) = outcome {
        return outcome;
    }
    if outcome.is_err() {
        // The insert may have been committed and only its answer lost: the
        // object may only go if its row is surely not there.
        match table.find_by_key(&image.object_key).await {
            Ok(Some(record)) => return Ok(Some(Stored::New(record))),
            Ok(None) => {}
            Err(_) => return outcome,
        }
    }
    // This upload's objects have no row: remove them.
    if let Some(key) = &image.thumbnail_key {
        // A thumbnail left behind is found by reconcile, like any orphan.
        let _ = objects.delete(key).await;
    }
    let outcome = match (outcome, objects.delete(&image.object_key).await) {
        (Err(StoreError(error)), Err(StoreError(cleanup))) => Err(StoreError(format!(
            "{error}; and object {} could not be removed ({cleanup}): reconcile will list it",
            image.object_key
        ))),
        (outcome, _) => outcome,
    };
    // Rows go before objects when an image is deleted, so a row read now
    // proves the duplicate is still there.
    match outcome? {
        Some(Stored::Duplicate(duplicate)) => Ok(table
            .find_by_key(&duplicate.object_key)
            .await?
            .map(Stored::Duplicate)),
        other => Ok(other),
    }
}

/// The new row, the row that holds the same bytes, or `None` if that row
/// was deleted between the two statements.
async fn insert_row(
    table: &impl ImageTable,
    image: &NewImage,
) -> Result<Option<Stored>, StoreError> {
    if let Some(record) = table.insert(image).await? {
        return Ok(Some(Stored::New(record)));
    }
    // Another upload of the same bytes won the race: its row is the answer.
    Ok(table
        .find_by_sha256(&image.sha256)
        .await?
        .map(Stored::Duplicate))
}

/// Deletes the row, then the object. If the object cannot be deleted and is
/// still there, the row is put back, so no row ever points at a missing
/// object. Returns `None` if there is no such image.
pub async fn delete_image(
    objects: &impl ObjectStore,
    table: &impl ImageTable,
    id: ImageId,
) -> Result<Option<ImageRecord>, StoreError> {
    let Some(record) = table.delete(id).await? else {
        return Ok(None);
    };
    let Err(error) = objects.delete(&record.object_key).await else {
        if let Some(key) = &record.thumbnail_key {
            // The image is gone; a thumbnail left behind is an orphan that
            // reconcile finds and removes.
            let _ = objects.delete(key).await;
        }
        return Ok(Some(record));
    };
    match objects.exists(&record.object_key).await {
        Ok(false) => Ok(Some(record)),
        Ok(true) => {
            table.restore(&record).await?;
            Err(error)
        }
        // Unknown: leave the row deleted. At worst the object is orphaned,
        // which reconcile finds; a row without its object is never left.
        Err(_) => Err(error),
    }
}

/// What became of a thumbnail sent for a stored image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attached {
    /// The image, now with this thumbnail.
    Done(ImageRecord),
    /// The image has a thumbnail already (possibly from a racing request).
    HasOne(ImageRecord),
    /// There is no such image (possibly deleted meanwhile).
    NoImage,
}

/// Stores a thumbnail for an image that has none: the object first, then
/// the row. If the row cannot take it (the image was deleted, or got
/// another thumbnail meanwhile), the object goes again, unless it is the
/// one the row now names.
pub async fn attach_thumbnail(
    objects: &impl ObjectStore,
    table: &impl ImageTable,
    id: ImageId,
    thumbnail: &Thumbnail,
) -> Result<Attached, StoreError> {
    // A trashed image gets no thumbnail: to clients it is gone.
    let Some(image) = table
        .find_by_id(id)
        .await?
        .filter(|row| row.deleted_at.is_none())
    else {
        return Ok(Attached::NoImage);
    };
    if image.thumbnail_key.is_some() {
        return Ok(Attached::HasOne(image));
    }
    let key = thumbnail.key_for(&image.object_key);
    objects
        .put(&key, &thumbnail.bytes, thumbnail.format.mime_type())
        .await?;
    let updated = match table.set_thumbnail(id, &key).await {
        Ok(updated) => updated,
        Err(error) => {
            // The update may have been committed and only its answer lost.
            if let Ok(Some(row)) = table.find_by_id(id).await {
                if row.thumbnail_key.as_deref() == Some(key.as_str()) {
                    return Ok(Attached::Done(row));
                }
            }
            let _ = objects.delete(&key).await;
            return Err(error);
        }
    };
    if let Some(image) = updated {
        return Ok(Attached::Done(image));
    }
    let now = table.find_by_id(id).await?;
    if now.as_ref().and_then(|row| row.thumbnail_key.as_deref()) != Some(key.as_str()) {
        objects.delete(&key).await?;
    }
    Ok(match now {
        Some(row) => Attached::HasOne(row),
        None => Attached::NoImage,
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
            original_size: 3,
            compressed_by: "none".into(),
            animated: false,
            thumbnail_key: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::memory::{run, MemoryObjects, MemoryTable};
    use super::*;

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
            None,
        ))
    }

    fn thumbnail() -> Thumbnail {
        Thumbnail {
            bytes: b"webp".to_vec(),
            format: ImageFormat::Webp,
        }
    }

    fn store_with_thumbnail(
        objects: &MemoryObjects,
        table: &MemoryTable,
        key: &str,
        sha256: &str,
    ) -> Result<Stored, StoreError> {
        let thumbnail = thumbnail();
        let image = NewImage {
            thumbnail_key: Some(thumbnail.key_for(key)),
            ..new_image(key, sha256)
        };
        run(store_image(
            objects,
            table,
            &image,
            b"png",
            Some(&thumbnail),
        ))
    }

    fn keys(objects: &MemoryObjects) -> Vec<String> {
        objects.objects.borrow().keys().cloned().collect()
    }

    #[test]
    fn a_thumbnail_is_stored_beside_its_image_and_deleted_with_it() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let Stored::New(record) = store_with_thumbnail(&objects, &table, "a.png", "aa").unwrap()
        else {
            panic!("stored anew");
        };
        assert_eq!(record.thumbnail_key.as_deref(), Some("a.png.thumb.webp"));
        assert_eq!(objects.objects.borrow()["a.png.thumb.webp"], b"webp");
        table
            .rows
            .borrow_mut()
            .get_mut(&record.id.0)
            .unwrap()
            .deleted_at = Some(1);
        run(delete_image(&objects, &table, record.id)).unwrap();
        assert!(keys(&objects).is_empty());
    }

    #[test]
    fn nothing_is_left_when_the_thumbnail_or_the_row_cannot_be_stored() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        *objects.fail_put_ending.borrow_mut() = Some(".webp");
        assert!(store_with_thumbnail(&objects, &table, "a.png", "aa").is_err());
        assert!(keys(&objects).is_empty());
        assert!(table.rows.borrow().is_empty());

        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        table.fail_insert.set(true);
        assert!(store_with_thumbnail(&objects, &table, "a.png", "aa").is_err());
        assert!(keys(&objects).is_empty());
    }

    #[test]
    fn a_duplicate_leaves_no_thumbnail_of_its_own() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        store(&objects, &table, "first.png", "same").unwrap();
        let again = store_with_thumbnail(&objects, &table, "second.png", "same").unwrap();
        assert!(matches!(again, Stored::Duplicate(ref r) if r.object_key == "first.png"));
        assert_eq!(keys(&objects), ["first.png"]);
    }

    #[test]
    fn a_thumbnail_is_attached_once() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let Stored::New(record) = store(&objects, &table, "a.png", "aa").unwrap() else {
            panic!("stored anew");
        };
        let attached = run(attach_thumbnail(&objects, &table, record.id, &thumbnail())).unwrap();
        let Attached::Done(row) = attached else {
            panic!("attached: {attached:?}");
        };
        assert_eq!(row.thumbnail_key.as_deref(), Some("a.png.thumb.webp"));
        assert_eq!(keys(&objects), ["a.png", "a.png.thumb.webp"]);

        let jpeg = Thumbnail {
            format: ImageFormat::Jpeg,
            ..thumbnail()
        };
        let again = run(attach_thumbnail(&objects, &table, record.id, &jpeg)).unwrap();
        assert!(matches!(again, Attached::HasOne(_)));
        assert_eq!(keys(&objects), ["a.png", "a.png.thumb.webp"]);
        assert_eq!(
            run(attach_thumbnail(&objects, &table, ImageId(99), &jpeg)).unwrap(),
            Attached::NoImage
        );
    }

    #[test]
    fn a_thumbnail_that_loses_a_race_is_removed_unless_it_won_under_the_same_key() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let Stored::New(record) = store(&objects, &table, "a.png", "aa").unwrap() else {
            panic!("stored anew");
        };
        objects
            .objects
            .borrow_mut()
            .insert("a.png.thumb.jpg".into(), b"jpeg".to_vec());
        *table.racing_thumbnail.borrow_mut() = Some("a.png.thumb.jpg".into());
        let lost = run(attach_thumbnail(&objects, &table, record.id, &thumbnail())).unwrap();
        assert!(matches!(lost, Attached::HasOne(ref r)
            if r.thumbnail_key.as_deref() == Some("a.png.thumb.jpg")));
        assert_eq!(keys(&objects), ["a.png", "a.png.thumb.jpg"]);

        // The racing request wrote the same key: the object is the row's.
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let Stored::New(record) = store(&objects, &table, "a.png", "aa").unwrap() else {
            panic!("stored anew");
        };
        *table.racing_thumbnail.borrow_mut() = Some("a.png.thumb.webp".into());
        run(attach_thumbnail(&objects, &table, record.id, &thumbnail())).unwrap();
        assert_eq!(keys(&objects), ["a.png", "a.png.thumb.webp"]);
    }

    #[test]
    fn a_thumbnail_for_an_image_deleted_meanwhile_is_removed() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let Stored::New(record) = store(&objects, &table, "a.png", "aa").unwrap() else {
            panic!("stored anew");
        };
        table.deleted_before_set_thumbnail.set(true);
        let outcome = run(attach_thumbnail(&objects, &table, record.id, &thumbnail())).unwrap();
        assert_eq!(outcome, Attached::NoImage);
        assert_eq!(keys(&objects), ["a.png"]);
    }

    /// Every row has its object and every object its row.
    fn assert_consistent(objects: &MemoryObjects, table: &MemoryTable) {
        let keys: Vec<String> = objects.objects.borrow().keys().cloned().collect();
        let mut row_keys: Vec<String> = table
            .rows
            .borrow()
            .values()
            .map(|r| r.object_key.clone())
            .collect();
        row_keys.sort();
        assert_eq!(keys, row_keys);
    }

    #[test]
    fn stores_object_and_row() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let stored = store(&objects, &table, "a.png", "aa").unwrap();
        assert!(matches!(stored, Stored::New(ref r) if r.object_key == "a.png"));
        assert_eq!(objects.objects.borrow()["a.png"], b"png");
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
        assert!(objects.objects.borrow().is_empty());
        assert_consistent(&objects, &table);
    }

    #[test]
    fn an_insert_whose_answer_was_lost_keeps_its_object() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        table.fail_insert_after_commit.set(true);
        let stored = store(&objects, &table, "a.png", "aa").unwrap();
        assert!(matches!(stored, Stored::New(ref r) if r.object_key == "a.png"));
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
        run(objects.put("winner.png", b"png", "image/png")).unwrap();
        *table.racing_row.borrow_mut() = Some(winner);
        let stored = store(&objects, &table, "loser.png", "same").unwrap();
        assert!(matches!(stored, Stored::Duplicate(ref r) if r.object_key == "winner.png"));
        assert_eq!(table.rows.borrow().len(), 1);
        assert_consistent(&objects, &table);
    }

    #[test]
    fn same_bytes_again_leave_only_the_first_image() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        store(&objects, &table, "first.png", "same").unwrap();
        let again = store(&objects, &table, "second.png", "same").unwrap();
        assert!(matches!(again, Stored::Duplicate(ref r) if r.object_key == "first.png"));
        assert_eq!(table.rows.borrow().len(), 1);
        assert_consistent(&objects, &table);
    }

    #[test]
    fn a_duplicate_deleted_meanwhile_is_no_answer() {
        for deleted_after_lookup in [false, true] {
            let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
            store(&objects, &table, "first.png", "same").unwrap();
            // The first image's row goes; its object would follow.
            objects.objects.borrow_mut().remove("first.png");
            table.deleted_before_lookup.set(!deleted_after_lookup);
            table.deleted_after_lookup.set(deleted_after_lookup);
            let stored = store(&objects, &table, "second.png", "same").unwrap();
            assert!(
                matches!(stored, Stored::New(ref r) if r.object_key == "second.png"),
                "{stored:?}"
            );
            assert_consistent(&objects, &table);
        }
    }

    #[test]
    fn failed_duplicate_lookup_removes_the_object() {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        store(&objects, &table, "first.png", "same").unwrap();
        table.fail_find.set(true);
        let error = store(&objects, &table, "second.png", "same").unwrap_err();
        assert_eq!(error, StoreError("lookup failed".into()));
        assert_consistent(&objects, &table);
    }

    fn with_one_image() -> (MemoryObjects, MemoryTable, ImageId) {
        let (objects, table) = (MemoryObjects::default(), MemoryTable::default());
        let Stored::New(record) = store(&objects, &table, "a.png", "aa").unwrap() else {
            unreachable!()
        };
        // Only a trashed image is ever deleted for good.
        table
            .rows
            .borrow_mut()
            .get_mut(&record.id.0)
            .unwrap()
            .deleted_at = Some(1);
        (objects, table, record.id)
    }

    #[test]
    fn deletes_row_and_object() {
        let (objects, table, id) = with_one_image();
        let deleted = run(delete_image(&objects, &table, id)).unwrap().unwrap();
        assert_eq!(deleted.object_key, "a.png");
        assert!(objects.objects.borrow().is_empty());
        assert_consistent(&objects, &table);
        assert_eq!(run(delete_image(&objects, &table, id)).unwrap(), None);
    }

    #[test]
    fn failed_row_delete_keeps_both() {
        let (objects, table, id) = with_one_image();
        table.fail_delete.set(true);
        assert!(run(delete_image(&objects, &table, id)).is_err());
        assert_eq!(table.rows.borrow().len(), 1);
        assert_consistent(&objects, &table);
    }

    #[test]
    fn failed_object_delete_puts_the_row_back() {
        let (objects, table, id) = with_one_image();
        objects.fail_delete.set(true);
        assert!(run(delete_image(&objects, &table, id)).is_err());
        assert!(table.rows.borrow().contains_key(&id.0));
        assert_consistent(&objects, &table);
    }

    #[test]
    fn object_delete_with_a_lost_answer_still_counts_as_deleted() {
        let (objects, table, id) = with_one_image();
        objects.fail_delete_after_deleting.set(true);
        assert!(run(delete_image(&objects, &table, id)).unwrap().is_some());
        assert_consistent(&objects, &table);
    }

    #[test]
    fn unknown_object_state_never_leaves_a_row_without_object() {
        let (objects, table, id) = with_one_image();
        objects.fail_delete.set(true);
        objects.fail_exists.set(true);
        assert!(run(delete_image(&objects, &table, id)).is_err());
        // The row is gone; the object may be orphaned (reconcile lists it),
        // but no row points at a missing object.
        assert!(table.rows.borrow().is_empty());
    }
}
