//! In-memory R2 and D1 for the native tests of the use cases: they never
//! wait, each call can be made to fail (including after it took effect),
//! and a request can be made to die after any number of calls.

use super::domain::{
    extra_refusal, refusal, Extra, ImageTable, Inserted, Limits, NewImage, ObjectStore, Refusal,
    StoreError, Usage,
};
use crate::trash::domain::{Claim, Clock, Direction, Lost, Pending, TrashTable};
use imghost_shared::api::trash::is_trash_key;
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

thread_local! {
    /// Calls left before the request dies: every later call of any store
    /// fails, as if the runtime had been killed.
    static CALLS_LEFT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Makes the request die after `calls` more calls to any store (`None`:
/// never).
pub fn die_after(calls: Option<usize>) {
    CALLS_LEFT.with(|left| left.set(calls));
}

fn call() -> Result<(), StoreError> {
    CALLS_LEFT.with(|left| match left.get() {
        Some(0) => Err(StoreError("the request died".into())),
        Some(n) => {
            left.set(Some(n - 1));
            Ok(())
        }
        None => Ok(()),
    })
}

#[derive(Default)]
pub struct MemoryObjects {
    objects: RefCell<BTreeMap<String, Vec<u8>>>,
    pub fail_put: Cell<bool>,
    /// Puts of keys ending so fail.
    pub fail_put_ending: RefCell<Option<&'static str>>,
    pub fail_delete: Cell<bool>,
    /// The delete fails but the object is gone anyway (lost answer).
    pub fail_delete_after_deleting: Cell<bool>,
    pub fail_exists: Cell<bool>,
}

impl MemoryObjects {
    pub fn insert(&self, key: &str, bytes: &[u8]) {
        self.objects.borrow_mut().insert(key.into(), bytes.to_vec());
    }
    pub fn remove(&self, key: &str) {
        self.objects.borrow_mut().remove(key);
    }
    pub fn has(&self, key: &str) -> bool {
        self.objects.borrow().contains_key(key)
    }
    /// The object's bytes; panics if there is none.
    pub fn get_now(&self, key: &str) -> Vec<u8> {
        self.objects.borrow()[key].clone()
    }
    pub fn keys(&self) -> Vec<String> {
        self.objects.borrow().keys().cloned().collect()
    }
}

impl ObjectStore for MemoryObjects {
    async fn put(&self, key: &str, bytes: &[u8], _: &str) -> Result<(), StoreError> {
        call()?;
        let failing_end = self
            .fail_put_ending
            .borrow()
            .is_some_and(|end| key.ends_with(end));
        if self.fail_put.get() || failing_end {
            return Err(StoreError("put failed".into()));
        }
        self.insert(key, bytes);
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        call()?;
        if self.fail_delete_after_deleting.get() {
            self.remove(key);
            return Err(StoreError("delete answer lost".into()));
        }
        if self.fail_delete.get() {
            return Err(StoreError("delete failed".into()));
        }
        self.remove(key);
        Ok(())
    }
    async fn delete_many(&self, keys: &[String]) -> Result<(), StoreError> {
        call()?;
        if self.fail_delete.get() {
            return Err(StoreError("delete failed".into()));
        }
        for key in keys {
            self.remove(key);
        }
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        call()?;
        Ok(self.objects.borrow().get(key).cloned())
    }
    async fn copy_to(
        &self,
        key: &str,
        target: &Self,
        target_key: &str,
    ) -> Result<bool, StoreError> {
        let Some(bytes) = self.get(key).await? else {
            return Ok(false);
        };
        target.put(target_key, &bytes, "").await?;
        Ok(true)
    }
    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        call()?;
        if self.fail_exists.get() {
            return Err(StoreError("head failed".into()));
        }
        Ok(self.has(key))
    }
}

/// A clock that moves only when a request waits (or a test says so).
pub struct MemoryClock(Cell<i64>);

impl Default for MemoryClock {
    fn default() -> Self {
        Self(Cell::new(1_800_000_000_000))
    }
}

impl MemoryClock {
    pub fn advance(&self, ms: i64) {
        self.0.set(self.0.get() + ms);
    }
}

impl Clock for MemoryClock {
    fn now_ms(&self) -> i64 {
        self.0.get()
    }
    async fn pause(&self, ms: u32) {
        self.advance(i64::from(ms));
    }
}

#[derive(Default)]
pub struct MemoryTable {
    pub rows: RefCell<BTreeMap<i64, ImageRecord>>,
    next_id: Cell<i64>,
    moves: RefCell<BTreeMap<i64, Pending>>,
    /// Per row: the SHA-256 of its stored bytes, and its thumbnail's size.
    stored_sha256: RefCell<BTreeMap<i64, String>>,
    thumbnail_sizes: RefCell<BTreeMap<i64, u64>>,
    widths_sizes: RefCell<BTreeMap<i64, u64>>,
    retired_keys: RefCell<BTreeMap<String, Option<String>>>,
    inserts: Cell<u64>,
    pub fail_insert: Cell<bool>,
    /// The insert is committed but its answer is lost.
    pub fail_insert_after_commit: Cell<bool>,
    pub fail_find_by_key: Cell<bool>,
    /// Another upload of the same bytes lands just before ours.
    pub racing_row: RefCell<Option<NewImage>>,
    pub compression_count: Cell<Option<u64>>,
    /// Another request records this thumbnail just before ours (once).
    pub racing_thumbnail: RefCell<Option<String>>,
    /// Just before a thumbnail or widths are recorded (once), the image is
    /// "trashed", starts "moving" to the trash, or is "deleted".
    pub before_set_thumbnail: Cell<Option<&'static str>>,
    /// The row that refused an insert is purged before it is read (once).
    pub purged_before_lookup: Cell<bool>,
    /// Another request holds the row's move and keeps renewing it.
    pub kept_busy: Cell<bool>,
    /// Another request restores the row just before our restore claims it,
    /// and a third trashes it again before we read it back (once).
    pub restored_then_trashed: Cell<bool>,
}

impl MemoryTable {
    pub fn add(&self, image: &NewImage) -> ImageRecord {
        self.next_id.set(self.next_id.get() + 1);
        let id = self.next_id.get();
        let sha256_taken = self
            .rows
            .borrow()
            .values()
            .any(|row| row.sha256.as_deref() == Some(&image.sha256));
        let record = ImageRecord {
            id: ImageId(id),
            object_key: image.object_key.clone(),
            original_name: image.original_name.clone(),
            image_url: image.image_url.clone(),
            content_type: Some(image.content_type.clone()),
            size: image.size,
            created_at: image.created_at,
            width: image.width,
            height: image.height,
            sha256: (!sha256_taken).then(|| image.sha256.clone()),
            stored_sha256: Some(image.stored_sha256.clone()),
            original_size: Some(image.original_size),
            compressed_by: Some(image.compressed_by.clone()),
            animated: Some(image.animated),
            thumbnail_key: image.thumbnail_key.clone(),
            thumbnail_url: None,
            widths: image.widths.clone(),
            deleted_at: None,
            albums: vec![],
            tags: vec![],
        };
        self.rows.borrow_mut().insert(id, record.clone());
        self.stored_sha256
            .borrow_mut()
            .insert(id, image.stored_sha256.clone());
        if let Some(size) = image.thumbnail_size {
            self.thumbnail_sizes.borrow_mut().insert(id, size);
        }
        if let Some(size) = image.widths_size {
            self.widths_sizes.borrow_mut().insert(id, size);
        }
        if let Some(claimed_at) = image.claimed_at {
            self.moves.borrow_mut().insert(
                id,
                Pending {
                    to: Direction::Live,
                    claimed_at,
                },
            );
        }
        self.inserts.set(self.inserts.get() + 1);
        record
    }

    pub fn pending(&self, id: ImageId) -> Option<Pending> {
        self.moves.borrow().get(&id.0).copied()
    }

    /// The stored SHA-256 a retired key had, if it is retired.
    pub fn retired(&self, key: &str) -> Option<Option<String>> {
        self.retired_keys.borrow().get(key).cloned()
    }

    pub fn retire(&self, key: &str, stored_sha256: Option<&str>) {
        self.retired_keys
            .borrow_mut()
            .insert(key.into(), stored_sha256.map(str::to_string));
    }

    /// As migration 0007 leaves a row trashed before it.
    pub fn set_legacy_trash(&self, id: ImageId) {
        if let Some(row) = self.rows.borrow_mut().get_mut(&id.0) {
            row.deleted_at = Some(1);
        }
        self.moves.borrow_mut().insert(
            id.0,
            Pending {
                to: Direction::Trash,
                claimed_at: 0,
            },
        );
    }

    /// What `before_set_thumbnail` says happens to the image just before a
    /// thumbnail or widths are recorded.
    fn race_before_set(&self, id: ImageId) {
        match self.before_set_thumbnail.take() {
            Some("trashed") => {
                if let Some(row) = self.rows.borrow_mut().get_mut(&id.0) {
                    row.deleted_at = Some(1);
                }
            }
            Some("moving") => {
                self.moves.borrow_mut().insert(
                    id.0,
                    Pending {
                        to: Direction::Trash,
                        claimed_at: 1,
                    },
                );
            }
            Some(_) => {
                self.rows.borrow_mut().remove(&id.0);
            }
            None => {}
        }
    }

    pub fn usage(&self) -> Usage {
        let rows = self.rows.borrow();
        let images: u64 = rows.values().map(|row| row.size).sum();
        let extras = |sizes: &RefCell<BTreeMap<i64, u64>>| -> u64 {
            sizes
                .borrow()
                .iter()
                .filter(|(id, _)| rows.contains_key(id))
                .map(|(_, size)| size)
                .sum()
        };
        Usage {
            stored_bytes: images + extras(&self.thumbnail_sizes) + extras(&self.widths_sizes),
            uploads_today: self.inserts.get(),
        }
    }

    fn with_pending(&self, row: ImageRecord) -> (ImageRecord, Option<Pending>) {
        let pending = self.pending(row.id);
        (row, pending)
    }
}

impl ImageTable for MemoryTable {
    async fn find_by_sha256(
        &self,
        sha256: &str,
    ) -> Result<Option<(ImageRecord, Option<Pending>)>, StoreError> {
        call()?;
        let found = self
            .rows
            .borrow()
            .values()
            .find(|r| r.sha256.as_deref() == Some(sha256))
            .cloned();
        Ok(found.map(|row| self.with_pending(row)))
    }

    async fn insert(&self, image: &NewImage, limits: &Limits) -> Result<Inserted, StoreError> {
        call()?;
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
        let usage = self.usage();
        let find = |matches: &dyn Fn(&ImageRecord) -> bool| {
            self.rows
                .borrow()
                .values()
                .find(|row| matches(row))
                .cloned()
        };
        let at_key = find(&|row| row.object_key == image.object_key);
        let same_bytes = find(&|row| row.sha256.as_deref() == Some(&image.sha256));
        let retired = self.retired(&image.object_key);
        let allowed = at_key.is_none()
            && retired
                .as_ref()
                .is_none_or(|sha| sha.as_deref() == Some(&image.stored_sha256))
            && (same_bytes.is_none() || image.shares_bytes)
            && usage.stored_bytes + image.stored_size() <= limits.max_storage_bytes
            && limits
                .max_uploads_per_day
                .is_none_or(|limit| usage.uploads_today < limit);
        if allowed {
            return Ok(Inserted::Row(self.add(image)));
        }
        if self.purged_before_lookup.replace(false) {
            if let Some(row) = &same_bytes {
                self.rows.borrow_mut().remove(&row.id.0);
            }
            return Ok(Inserted::Refused(Refusal::Unexplained));
        }
        Ok(Inserted::Refused(refusal(
            image,
            same_bytes.map(|row| self.with_pending(row)),
            at_key,
            retired,
            usage,
            limits,
        )))
    }

    async fn find_by_key(&self, key: &str) -> Result<Option<ImageRecord>, StoreError> {
        call()?;
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
        call()?;
        if self.restored_then_trashed.replace(false) {
            if let Some(row) = self.rows.borrow_mut().get_mut(&id.0) {
                row.deleted_at = Some(2);
            }
        }
        Ok(self.rows.borrow().get(&id.0).cloned())
    }

    async fn set_extra(
        &self,
        id: ImageId,
        image_key: &str,
        extra: Extra<'_>,
        limits: &Limits,
    ) -> Result<Result<ImageRecord, Refusal>, StoreError> {
        call()?;
        if let Some(racing) = self.racing_thumbnail.borrow_mut().take() {
            if let Some(row) = self.rows.borrow_mut().get_mut(&id.0) {
                row.thumbnail_key = Some(racing);
            }
        }
        self.race_before_set(id);
        let size = extra.size();
        let usage = self.usage();
        let row = self.rows.borrow().get(&id.0).cloned();
        let pending = self.pending(id);
        let allowed = row
            .as_ref()
            .is_some_and(|row| row.deleted_at.is_none() && !extra.is_on(row) && pending.is_none())
            && usage.stored_bytes + size <= limits.max_storage_bytes;
        if !allowed {
            return Ok(Err(extra_refusal(
                row.map(|row| (row, pending)),
                |row| extra.is_on(row),
                size,
                usage,
                limits,
            )));
        }
        let mut rows = self.rows.borrow_mut();
        let row = rows.get_mut(&id.0).expect("checked above");
        match extra {
            Extra::Thumbnail(thumbnail) => {
                self.thumbnail_sizes.borrow_mut().insert(id.0, size);
                row.thumbnail_key = Some(thumbnail.key_for(image_key));
            }
            Extra::Widths(sent) => {
                self.widths_sizes.borrow_mut().insert(id.0, size);
                row.widths = sent.iter().map(|width| width.width).collect();
            }
        }
        Ok(Ok(row.clone()))
    }

    async fn set_compression_count(&self, count: u64) -> Result<(), StoreError> {
        call()?;
        self.compression_count.set(Some(count));
        Ok(())
    }
}

impl TrashTable for MemoryTable {
    async fn find_move(
        &self,
        id: ImageId,
    ) -> Result<Option<(ImageRecord, Option<Pending>)>, StoreError> {
        call()?;
        if self.kept_busy.get() {
            if let Some(pending) = self.moves.borrow_mut().get_mut(&id.0) {
                pending.claimed_at = i64::MAX / 2;
            }
        }
        let row = self.rows.borrow().get(&id.0).cloned();
        Ok(row.map(|row| self.with_pending(row)))
    }

    async fn claim(
        &self,
        id: ImageId,
        claim: Claim,
        now_ms: i64,
        stale_before: i64,
    ) -> Result<Option<ImageRecord>, StoreError> {
        call()?;
        let mut rows = self.rows.borrow_mut();
        let Some(row) = rows.get_mut(&id.0) else {
            return Ok(None);
        };
        if claim == Claim::Restore && self.restored_then_trashed.get() {
            row.deleted_at = None;
        }
        let pending = self.pending(id);
        let free = pending.is_none_or(|pending| pending.claimed_at < stale_before);
        let trashed = row.deleted_at.is_some();
        let to = match claim {
            Claim::Delete if !trashed && free => Direction::Trash,
            Claim::Restore
                if free && (trashed || pending.is_some()) && !is_trash_key(&row.object_key) =>
            {
                row.deleted_at = None;
                Direction::Live
            }
            Claim::Purge if trashed && free => Direction::Gone,
            Claim::Resume(to) if pending.is_some_and(|pending| pending.to == to) && free => to,
            _ => return Ok(None),
        };
        self.moves.borrow_mut().insert(
            id.0,
            Pending {
                to,
                claimed_at: now_ms,
            },
        );
        Ok(Some(row.clone()))
    }

    async fn renew(
        &self,
        id: ImageId,
        claimed_at: i64,
        now_ms: i64,
        to: Direction,
    ) -> Result<bool, StoreError> {
        call()?;
        let mut moves = self.moves.borrow_mut();
        match moves.get_mut(&id.0) {
            Some(pending) if pending.claimed_at == claimed_at => {
                *pending = Pending {
                    to,
                    claimed_at: now_ms,
                };
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn finish(
        &self,
        id: ImageId,
        to: Direction,
        claimed_at: i64,
        now_ms: i64,
        lost: Lost,
    ) -> Result<Option<ImageRecord>, StoreError> {
        call()?;
        if self.pending(id) != Some(Pending { to, claimed_at }) {
            return Ok(None);
        }
        self.moves.borrow_mut().remove(&id.0);
        let mut rows = self.rows.borrow_mut();
        if to == Direction::Gone {
            let row = rows.remove(&id.0);
            if let Some(row) = &row {
                let stored = self.stored_sha256.borrow().get(&id.0).cloned();
                self.retired_keys
                    .borrow_mut()
                    .insert(row.object_key.clone(), stored);
            }
            return Ok(row);
        }
        let Some(row) = rows.get_mut(&id.0) else {
            return Ok(None);
        };
        if to == Direction::Trash {
            row.deleted_at = row.deleted_at.or(Some(now_ms));
        }
        if lost.thumbnail {
            row.thumbnail_key = None;
            self.thumbnail_sizes.borrow_mut().remove(&id.0);
        }
        if lost.widths {
            row.widths = Vec::new();
            self.widths_sizes.borrow_mut().remove(&id.0);
        }
        Ok(Some(row.clone()))
    }

    async fn abandon(&self, id: ImageId, claimed_at: i64) -> Result<(), StoreError> {
        call()?;
        if let Some(pending) = self.moves.borrow_mut().get_mut(&id.0) {
            if pending.claimed_at == claimed_at {
                pending.claimed_at = 0;
            }
        }
        Ok(())
    }
}
