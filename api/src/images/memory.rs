//! In-memory R2 and D1 for the native tests of the use cases: they never
//! wait, and each call can be made to fail, including after it took effect.

use super::domain::{ImageTable, NewImage, ObjectStore, StoreError};
use crate::trash::domain::TrashTable;
use imghost_shared::api::trash::{original_key, trash_key};
use imghost_shared::api::{ImageId, ImageRecord};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The in-memory stores never wait, so one poll finishes any call.
pub fn run<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("in-memory stores never wait"),
    }
}

#[derive(Default)]
pub struct MemoryObjects {
    pub objects: RefCell<BTreeMap<String, Vec<u8>>>,
    pub fail_put: Cell<bool>,
    /// Puts of keys ending so fail.
    pub fail_put_ending: RefCell<Option<&'static str>>,
    pub fail_delete: Cell<bool>,
    /// The delete fails but the object is gone anyway (lost answer).
    pub fail_delete_after_deleting: Cell<bool>,
    pub fail_exists: Cell<bool>,
}

impl ObjectStore for MemoryObjects {
    async fn put(&self, key: &str, bytes: &[u8], _: &str) -> Result<(), StoreError> {
        if self.fail_put.get() {
            return Err(StoreError("put failed".into()));
        }
        if self
            .fail_put_ending
            .borrow()
            .is_some_and(|end| key.ends_with(end))
        {
            return Err(StoreError("put failed".into()));
        }
        self.objects.borrow_mut().insert(key.into(), bytes.to_vec());
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        if self.fail_delete_after_deleting.get() {
            self.objects.borrow_mut().remove(key);
            return Err(StoreError("delete answer lost".into()));
        }
        if self.fail_delete.get() {
            return Err(StoreError("delete failed".into()));
        }
        self.objects.borrow_mut().remove(key);
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.objects.borrow().get(key).cloned())
    }
    async fn copy(&self, from: &str, to: &str) -> Result<bool, StoreError> {
        let Some(bytes) = self.objects.borrow().get(from).cloned() else {
            return Ok(false);
        };
        self.put(to, &bytes, "").await?;
        Ok(true)
    }
    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        if self.fail_exists.get() {
            return Err(StoreError("head failed".into()));
        }
        Ok(self.objects.borrow().contains_key(key))
    }
}

#[derive(Default)]
pub struct MemoryTable {
    pub rows: RefCell<BTreeMap<i64, ImageRecord>>,
    pub next_id: Cell<i64>,
    pub fail_find: Cell<bool>,
    pub fail_insert: Cell<bool>,
    /// The insert is committed but its answer is lost.
    pub fail_insert_after_commit: Cell<bool>,
    pub fail_find_by_key: Cell<bool>,
    pub fail_delete: Cell<bool>,
    pub fail_untrash: Cell<bool>,
    /// Another upload of the same bytes lands just before ours.
    pub racing_row: RefCell<Option<NewImage>>,
    pub compression_count: Cell<Option<u64>>,
    /// Another request records this thumbnail just before ours (once).
    pub racing_thumbnail: RefCell<Option<String>>,
    /// The image is deleted just before its thumbnail is recorded (once).
    pub deleted_before_set_thumbnail: Cell<bool>,
    /// The image holding the looked-up bytes is deleted just before the
    /// next lookup by SHA-256 (once).
    pub deleted_before_lookup: Cell<bool>,
    /// ... or just after it answered (once).
    pub deleted_after_lookup: Cell<bool>,
}

impl MemoryTable {
    pub fn add(&self, image: &NewImage) -> ImageRecord {
        self.next_id.set(self.next_id.get() + 1);
        let record = ImageRecord {
            id: ImageId(self.next_id.get()),
            object_key: image.object_key.clone(),
            original_name: image.original_name.clone(),
            image_url: image.image_url.clone(),
            content_type: Some(image.content_type.clone()),
            size: image.size,
            created_at: image.created_at,
            width: image.width,
            height: image.height,
            sha256: Some(image.sha256.clone()),
            original_size: Some(image.original_size),
            compressed_by: Some(image.compressed_by.clone()),
            animated: Some(image.animated),
            thumbnail_key: image.thumbnail_key.clone(),
            thumbnail_url: None,
            deleted_at: None,
        };
        self.rows.borrow_mut().insert(record.id.0, record.clone());
        record
    }
}

impl ImageTable for MemoryTable {
    async fn find_by_sha256(&self, sha256: &str) -> Result<Option<ImageRecord>, StoreError> {
        if self.fail_find.get() {
            return Err(StoreError("lookup failed".into()));
        }
        let found = self
            .rows
            .borrow()
            .values()
            .find(|r| r.sha256.as_deref() == Some(sha256))
            .cloned();
        if let Some(found) = &found {
            if self.deleted_before_lookup.replace(false) {
                self.rows.borrow_mut().remove(&found.id.0);
                return Ok(None);
            }
            if self.deleted_after_lookup.replace(false) {
                self.rows.borrow_mut().remove(&found.id.0);
            }
        }
        Ok(found)
    }
    async fn insert(&self, image: &NewImage) -> Result<Option<ImageRecord>, StoreError> {
        if let Some(racing) = self.racing_row.borrow_mut().take() {
            self.add(&racing);
        }
        if self.fail_insert.get() {
            return Err(StoreError("insert failed".into()));
        }
        if self.fail_insert_after_commit.get() {
            self.add(image);
            return Err(StoreError("insert answer lost".into()));
        }
        let exists = self
            .rows
            .borrow()
            .values()
            .any(|r| r.sha256.as_deref() == Some(&image.sha256));
        if exists {
            return Ok(None);
        }
        Ok(Some(self.add(image)))
    }
    async fn find_by_key(&self, key: &str) -> Result<Option<ImageRecord>, StoreError> {
        if self.fail_find_by_key.get() {
            return Err(StoreError("lookup by key failed".into()));
        }
        Ok(self
            .rows
            .borrow()
            .values()
            .find(|r| r.object_key == key)
            .cloned())
    }
    async fn find_by_id(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        Ok(self.rows.borrow().get(&id.0).cloned())
    }
    async fn set_thumbnail(
        &self,
        id: ImageId,
        thumbnail_key: &str,
    ) -> Result<Option<ImageRecord>, StoreError> {
        if let Some(racing) = self.racing_thumbnail.borrow_mut().take() {
            if let Some(row) = self.rows.borrow_mut().get_mut(&id.0) {
                row.thumbnail_key = Some(racing);
            }
        }
        if self.deleted_before_set_thumbnail.replace(false) {
            self.rows.borrow_mut().remove(&id.0);
        }
        let mut rows = self.rows.borrow_mut();
        match rows.get_mut(&id.0) {
            Some(row) if row.thumbnail_key.is_none() => {
                row.thumbnail_key = Some(thumbnail_key.into());
                Ok(Some(row.clone()))
            }
            _ => Ok(None),
        }
    }
    async fn delete(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        if self.fail_delete.get() {
            return Err(StoreError("row delete failed".into()));
        }
        let mut rows = self.rows.borrow_mut();
        // Like the SQL: only a trashed row is ever deleted for good.
        if rows.get(&id.0).is_some_and(|row| row.deleted_at.is_some()) {
            Ok(rows.remove(&id.0))
        } else {
            Ok(None)
        }
    }
    async fn restore(&self, image: &ImageRecord) -> Result<(), StoreError> {
        self.rows.borrow_mut().insert(image.id.0, image.clone());
        Ok(())
    }
    async fn set_compression_count(&self, count: u64) -> Result<(), StoreError> {
        self.compression_count.set(Some(count));
        Ok(())
    }
}

impl TrashTable for MemoryTable {
    async fn find(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        Ok(self.rows.borrow().get(&id.0).cloned())
    }
    async fn trash(&self, id: ImageId, now_ms: i64) -> Result<Option<ImageRecord>, StoreError> {
        let mut rows = self.rows.borrow_mut();
        match rows.get_mut(&id.0) {
            Some(row) if row.deleted_at.is_none() => {
                row.deleted_at = Some(now_ms);
                row.object_key = trash_key(&row.object_key);
                row.thumbnail_key = row.thumbnail_key.as_deref().map(trash_key);
                Ok(Some(row.clone()))
            }
            _ => Ok(None),
        }
    }
    async fn untrash(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        if self.fail_untrash.get() {
            return Err(StoreError("untrash failed".into()));
        }
        let mut rows = self.rows.borrow_mut();
        let Some(row) = rows.get(&id.0).filter(|row| row.deleted_at.is_some()) else {
            return Ok(None);
        };
        let key = original_key(&row.object_key).to_string();
        if rows.values().any(|other| other.object_key == key) {
            return Err(StoreError(
                "UNIQUE constraint failed: images.object_key".into(),
            ));
        }
        let row = rows.get_mut(&id.0).expect("checked above");
        row.deleted_at = None;
        row.object_key = key;
        row.thumbnail_key = row
            .thumbnail_key
            .as_deref()
            .map(|key| original_key(key).to_string());
        Ok(Some(row.clone()))
    }
}
