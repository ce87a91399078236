//! Moving an image between the public bucket and the private trash bucket,
//! so that a trashed image is never served, a restored one is back under
//! the same URL, and no crash at any step loses its bytes.
//!
//! A move is claimed on the row first (`move_to` and the claim's time), so
//! only one request moves a row at a time; every step is safe to run again,
//! and a move whose request died is finished by the next request that
//! touches the row once its claim is older than `CLAIM_LEASE_MS`. The order
//! of the steps keeps one promise whatever fails: while the row says
//! trashed, the public bucket has none of its objects.
//! - to the trash: copy into the trash, delete the public copies, then
//!   mark the row trashed;
//! - back: mark the row live, copy into the public bucket, then delete the
//!   trashed copies;
//! - purge: delete every copy, then the row (its key is retired with it).

use crate::images::domain::{ObjectStore, StoreError};
use imghost_shared::api::trash::legacy_trash_key;
use imghost_shared::api::{ImageId, ImageRecord};
use imghost_shared::widths;

/// How long a claim holds before another request may take the move over.
/// Each step renews it, so only a request that died (or stalled this long
/// inside one R2 call) loses it.
pub const CLAIM_LEASE_MS: i64 = 10_000;
/// How often a request waiting for another's move looks again.
const WAIT_STEP_MS: u32 = 250;

/// Where a row's objects are going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Trash,
    Live,
    Gone,
}

impl Direction {
    /// As the `move_to` column holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trash => "trash",
            Self::Live => "live",
            Self::Gone => "gone",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Trash, Self::Live, Self::Gone]
            .into_iter()
            .find(|direction| direction.as_str() == text)
    }
}

/// A move under way (or left by a request that died).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub to: Direction,
    pub claimed_at: i64,
}

impl Pending {
    pub fn is_stale(&self, now_ms: i64) -> bool {
        self.claimed_at < now_ms - CLAIM_LEASE_MS
    }
}

/// What a claim asks for; each is refused unless the row is in the state
/// it starts from and no other request's move is fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// A live image into the trash.
    Delete,
    /// A trashed image back (recorded as a restore), or a live one whose
    /// move died half-way made whole again.
    Restore,
    /// A trashed image deleted for good.
    Purge,
    /// A move left by a request that died, finished in its own direction.
    Resume(Direction),
}

pub trait TrashTable {
    /// The row and the move under way on it, if any.
    async fn find_move(
        &self,
        id: ImageId,
    ) -> Result<Option<(ImageRecord, Option<Pending>)>, StoreError>;
    /// Claims the row for a move at `now_ms`, taking over moves claimed
    /// before `stale_before`; the row as claimed, or `None`.
    async fn claim(
        &self,
        id: ImageId,
        claim: Claim,
        now_ms: i64,
        stale_before: i64,
    ) -> Result<Option<ImageRecord>, StoreError>;
    /// Moves the claim to `now_ms` and the move to `to`; false if another
    /// request took the move over.
    async fn renew(
        &self,
        id: ImageId,
        claimed_at: i64,
        now_ms: i64,
        to: Direction,
    ) -> Result<bool, StoreError>;
    /// Ends the move: `Trash` marks the row trashed, `Live` live, `Gone`
    /// deletes it and retires its key. `lost`: what of its thumbnail and
    /// widths was nowhere, so the row forgets it. `None` if the claim was
    /// taken over.
    async fn finish(
        &self,
        id: ImageId,
        to: Direction,
        claimed_at: i64,
        now_ms: i64,
        lost: Lost,
    ) -> Result<Option<ImageRecord>, StoreError>;
    /// Lets the next request take a failed move over at once.
    async fn abandon(&self, id: ImageId, claimed_at: i64) -> Result<(), StoreError>;
}

/// What a move found missing of an image's extras: the row forgets it
/// rather than name an object that is not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lost {
    pub thumbnail: bool,
    /// Any of its widths: a srcset missing one would show readers nothing
    /// at that width, so all of them are forgotten together.
    pub widths: bool,
}

impl Lost {
    pub const NOTHING: Self = Self {
        thumbnail: false,
        widths: false,
    };
}

/// Time, and waiting for another request's move.
pub trait Clock {
    fn now_ms(&self) -> i64;
    async fn pause(&self, ms: u32);
}

/// The two buckets: the public one (served by a custom domain) and the
/// private trash.
pub struct Buckets<'a, O> {
    pub public: &'a O,
    pub trash: &'a O,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveError {
    Store(StoreError),
    /// Another request kept the row busy for longer than a claim lasts.
    Busy,
}

impl From<StoreError> for MoveError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// The outcome of a move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moved {
    /// The row as the move left it.
    Done(Box<ImageRecord>),
    /// The image's bytes were nowhere, so the row was purged instead.
    BytesLost(Box<ImageRecord>),
    /// The row is not in a state this move starts from (no such image, not
    /// in the trash, already in it).
    NotApplicable,
    /// A trashed row whose key an import took while it was in the trash
    /// (before the private trash): its URL shows another image now.
    UrlTaken(String),
}

pub async fn move_to_trash<O: ObjectStore>(
    buckets: &Buckets<'_, O>,
    table: &impl TrashTable,
    clock: &impl Clock,
    id: ImageId,
) -> Result<Moved, MoveError> {
    run(buckets, table, clock, id, Claim::Delete).await
}

pub async fn restore<O: ObjectStore>(
    buckets: &Buckets<'_, O>,
    table: &impl TrashTable,
    clock: &impl Clock,
    id: ImageId,
) -> Result<Moved, MoveError> {
    if let Some((row, _)) = table.find_move(id).await? {
        if imghost_shared::api::trash::is_trash_key(&row.object_key) {
            return Ok(Moved::UrlTaken(
                imghost_shared::api::trash::original_key(&row.object_key).into(),
            ));
        }
    }
    run(buckets, table, clock, id, Claim::Restore).await
}

pub async fn purge<O: ObjectStore>(
    buckets: &Buckets<'_, O>,
    table: &impl TrashTable,
    clock: &impl Clock,
    id: ImageId,
) -> Result<Moved, MoveError> {
    run(buckets, table, clock, id, Claim::Purge).await
}

/// Finishes a move a request left behind, in its own direction.
pub async fn resume<O: ObjectStore>(
    buckets: &Buckets<'_, O>,
    table: &impl TrashTable,
    clock: &impl Clock,
    id: ImageId,
    to: Direction,
) -> Result<Moved, MoveError> {
    run(buckets, table, clock, id, Claim::Resume(to)).await
}

async fn run<O: ObjectStore>(
    buckets: &Buckets<'_, O>,
    table: &impl TrashTable,
    clock: &impl Clock,
    id: ImageId,
    claim: Claim,
) -> Result<Moved, MoveError> {
    let Some((row, claimed_at)) = claim_or_wait(table, clock, id, claim).await? else {
        return Ok(Moved::NotApplicable);
    };
    let to = match claim {
        Claim::Delete => Direction::Trash,
        Claim::Restore => Direction::Live,
        Claim::Purge => Direction::Gone,
        Claim::Resume(to) => to,
    };
    let outcome = carry_out(buckets, table, clock, &row, claimed_at, to).await;
    if let Err(MoveError::Store(_)) = &outcome {
        // Whatever was done stays safe to do again: let the next request
        // (a retry, the daily clean-up, reconcile) take over at once.
        let _ = table.abandon(id, claimed_at).await;
    }
    outcome
}

/// Claims the row, waiting while another request's fresh move holds it;
/// `None` if the row is not in a state this claim starts from.
async fn claim_or_wait(
    table: &impl TrashTable,
    clock: &impl Clock,
    id: ImageId,
    claim: Claim,
) -> Result<Option<(ImageRecord, i64)>, MoveError> {
    let give_up_at = clock.now_ms() + CLAIM_LEASE_MS + i64::from(WAIT_STEP_MS);
    loop {
        let now = clock.now_ms();
        if let Some(row) = table.claim(id, claim, now, now - CLAIM_LEASE_MS).await? {
            return Ok(Some((row, now)));
        }
        match table.find_move(id).await? {
            Some((_, Some(pending))) if !pending.is_stale(clock.now_ms()) => {}
            // Gone, or in a state this claim does not start from.
            _ => return Ok(None),
        }
        if clock.now_ms() >= give_up_at {
            return Err(MoveError::Busy);
        }
        clock.pause(WAIT_STEP_MS).await;
    }
}

/// The row's object keys: its widths and thumbnail first, then the image,
/// so that a move that stops half-way has moved the picture last.
fn keys(row: &ImageRecord) -> Vec<String> {
    widths::keys_for(&row.object_key, &row.widths)
        .into_iter()
        .chain(row.thumbnail_key.clone())
        .chain(std::iter::once(row.object_key.clone()))
        .collect()
}

async fn carry_out<O: ObjectStore>(
    buckets: &Buckets<'_, O>,
    table: &impl TrashTable,
    clock: &impl Clock,
    row: &ImageRecord,
    claimed_at: i64,
    to: Direction,
) -> Result<Moved, MoveError> {
    let owned = keys(row);
    let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
    let mut claimed_at = claimed_at;
    let mut to = to;
    let found = match to {
        Direction::Gone => vec![true; keys.len()],
        _ => gather(buckets, &keys, to).await?,
    };
    let image_found = *found.last().expect("a row has an image key");
    if !image_found && to != Direction::Gone {
        // Nothing of the picture is left to keep or bring back: the row
        // goes, rather than stay a row without its bytes.
        to = Direction::Gone;
    }
    let now = clock.now_ms();
    if !table.renew(row.id, claimed_at, now, to).await? {
        return Err(MoveError::Busy);
    }
    claimed_at = now;
    clear_sources(buckets, &keys, to).await?;
    let width_count = row.widths.len();
    let lost = Lost {
        thumbnail: row.thumbnail_key.is_some() && !found[width_count],
        widths: found[..width_count].iter().any(|here| !here),
    };
    if lost.widths && to != Direction::Gone {
        // The widths that were found go with the ones that were not.
        let kept = if to == Direction::Live {
            buckets.public
        } else {
            buckets.trash
        };
        kept.delete_many(&owned[..width_count]).await?;
    }
    match table
        .finish(row.id, to, claimed_at, clock.now_ms(), lost)
        .await?
    {
        Some(done) if image_found || to != Direction::Gone => Ok(Moved::Done(Box::new(done))),
        Some(done) => Ok(Moved::BytesLost(Box::new(done))),
        None => Err(MoveError::Busy),
    }
}

/// Copies each key's object to where `to` keeps it, from wherever it is
/// now; which keys were found anywhere.
async fn gather<O: ObjectStore>(
    buckets: &Buckets<'_, O>,
    keys: &[&str],
    to: Direction,
) -> Result<Vec<bool>, StoreError> {
    let Buckets { public, trash } = buckets;
    let mut found = Vec::with_capacity(keys.len());
    for key in keys {
        let legacy = legacy_trash_key(key);
        let here = match to {
            Direction::Trash => {
                // The public copy wins: it is the one that must go.
                public.copy_to(key, trash, key).await?
                    || trash.exists(key).await?
                    || public.copy_to(&legacy, trash, key).await?
            }
            _ => {
                public.exists(key).await?
                    || trash.copy_to(key, public, key).await?
                    || public.copy_to(&legacy, public, key).await?
            }
        };
        found.push(here);
    }
    Ok(found)
}

/// Deletes the copies the move leaves behind: every one but those `to`
/// keeps (for `Gone`, every one).
async fn clear_sources<O: ObjectStore>(
    buckets: &Buckets<'_, O>,
    keys: &[&str],
    to: Direction,
) -> Result<(), StoreError> {
    let Buckets { public, trash } = buckets;
    let legacy: Vec<String> = keys.iter().map(|key| legacy_trash_key(key)).collect();
    let own: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
    if to != Direction::Live {
        public.delete_many(&own).await?;
    }
    public.delete_many(&legacy).await?;
    if to != Direction::Trash {
        trash.delete_many(&own).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::domain::NewImage;
    use crate::images::memory::{
        die_after, run as block_on, MemoryClock, MemoryObjects, MemoryTable,
    };

    struct Library {
        public: MemoryObjects,
        trash: MemoryObjects,
        table: MemoryTable,
        clock: MemoryClock,
        id: ImageId,
    }

    const IMAGE: &str = "2026-11-28/a.png";
    const THUMB: &str = "2026-11-28/a.png.thumb.webp";

    impl Library {
        fn new() -> Self {
            let public = MemoryObjects::default();
            let table = MemoryTable::default();
            let record = table.add(&NewImage {
                thumbnail_key: Some(THUMB.into()),
                ..NewImage::for_tests(IMAGE, "aa")
            });
            public.insert(IMAGE, b"image");
            public.insert(THUMB, b"thumb");
            Self {
                public,
                trash: MemoryObjects::default(),
                table,
                clock: MemoryClock::default(),
                id: record.id,
            }
        }

        fn buckets(&self) -> Buckets<'_, MemoryObjects> {
            Buckets {
                public: &self.public,
                trash: &self.trash,
            }
        }

        fn delete(&self) -> Result<Moved, MoveError> {
            block_on(move_to_trash(
                &self.buckets(),
                &self.table,
                &self.clock,
                self.id,
            ))
        }

        fn restore(&self) -> Result<Moved, MoveError> {
            block_on(restore(&self.buckets(), &self.table, &self.clock, self.id))
        }

        fn purge(&self) -> Result<Moved, MoveError> {
            block_on(purge(&self.buckets(), &self.table, &self.clock, self.id))
        }

        /// Another request claims a delete of the image now (and does no
        /// more of it).
        fn claim_delete_now(&self) {
            block_on(
                self.table
                    .claim(self.id, Claim::Delete, self.clock.now_ms(), i64::MIN),
            )
            .unwrap()
            .unwrap();
        }

        fn row(&self) -> Option<ImageRecord> {
            self.table.rows.borrow().get(&self.id.0).cloned()
        }

        /// Whatever happened, a row that says trashed has nothing public.
        fn assert_trash_is_private(&self) {
            if let Some(row) = self.row().filter(|row| row.deleted_at.is_some()) {
                for key in keys(&row) {
                    assert!(!self.public.has(&key), "{key} is public while trashed");
                }
            }
        }
    }

    #[test]
    fn trash_and_restore_move_the_bytes_between_buckets_and_keep_the_url() {
        let library = Library::new();
        let Moved::Done(trashed) = library.delete().unwrap() else {
            panic!("not trashed")
        };
        assert!(trashed.deleted_at.is_some());
        assert_eq!(trashed.object_key, IMAGE);
        assert!(library.public.keys().is_empty());
        assert_eq!(library.trash.keys(), [IMAGE, THUMB]);
        assert_eq!(library.delete().unwrap(), Moved::NotApplicable);

        let Moved::Done(back) = library.restore().unwrap() else {
            panic!("not restored")
        };
        assert_eq!((back.object_key.as_str(), back.deleted_at), (IMAGE, None));
        assert_eq!(library.public.keys(), [IMAGE, THUMB]);
        assert_eq!(library.public.get_now(IMAGE), b"image");
        assert!(library.trash.keys().is_empty());
        assert_eq!(library.restore().unwrap(), Moved::NotApplicable);
        assert!(library.table.pending(library.id).is_none());
    }

    #[test]
    fn a_failed_public_delete_leaves_the_image_live_and_the_next_try_finishes() {
        let library = Library::new();
        library.public.fail_delete.set(true);
        assert!(library.delete().is_err());
        let row = library.row().unwrap();
        assert_eq!(row.deleted_at, None, "not trashed while still public");
        library.assert_trash_is_private();
        // The failed request gave its claim up: a retry at once finishes.
        library.public.fail_delete.set(false);
        assert!(matches!(library.delete().unwrap(), Moved::Done(_)));
        library.assert_trash_is_private();
        assert!(matches!(library.restore().unwrap(), Moved::Done(_)));
        assert_eq!(library.public.get_now(IMAGE), b"image");
    }

    #[test]
    fn a_failed_copy_leaves_the_image_where_it_was() {
        let library = Library::new();
        *library.trash.fail_put_ending.borrow_mut() = Some(".thumb.webp");
        assert!(library.delete().is_err());
        assert_eq!(library.public.keys(), [IMAGE, THUMB]);
        assert_eq!(library.row().unwrap().deleted_at, None);
    }

    /// A request that dies after each step of each move leaves a state the
    /// next request finishes, with the bytes kept and nothing trashed public.
    #[test]
    fn a_move_killed_after_any_step_is_finished_by_the_next_request() {
        for move_kind in ["delete", "restore", "purge"] {
            for steps in 0.. {
                let library = Library::new();
                if move_kind != "delete" {
                    library.delete().unwrap();
                }
                die_after(Some(steps));
                let outcome = match move_kind {
                    "delete" => library.delete(),
                    "restore" => library.restore(),
                    _ => library.purge(),
                };
                die_after(None);
                library.assert_trash_is_private();
                if outcome.is_ok() {
                    break;
                }
                // The next request comes after the dead one's claim ran out.
                library.clock.advance(CLAIM_LEASE_MS + 1);
                let retried = match move_kind {
                    "delete" => library.delete(),
                    "restore" => library.restore(),
                    _ => library.purge(),
                };
                assert!(
                    matches!(retried, Ok(Moved::Done(_))),
                    "{move_kind} killed after {steps} steps, then retried: {retried:?}"
                );
                library.assert_trash_is_private();
                match move_kind {
                    "purge" => {
                        assert!(library.row().is_none());
                        assert!(
                            library.public.keys().is_empty() && library.trash.keys().is_empty()
                        );
                    }
                    "restore" => {
                        assert_eq!(library.public.get_now(IMAGE), b"image");
                        assert_eq!(library.public.get_now(THUMB), b"thumb");
                    }
                    _ => {
                        assert_eq!(library.trash.get_now(IMAGE), b"image");
                        assert_eq!(library.trash.get_now(THUMB), b"thumb");
                        assert!(library.public.keys().is_empty());
                    }
                }
                assert!(library.table.pending(library.id).is_none());
            }
        }
    }

    #[test]
    fn a_request_waits_for_a_fresh_move_and_takes_over_a_dead_one() {
        let library = Library::new();
        // Another request claimed a delete a moment ago and died.
        library.claim_delete_now();
        let started = library.clock.now_ms();
        assert!(matches!(library.restore().unwrap(), Moved::Done(_)));
        assert!(library.clock.now_ms() - started > CLAIM_LEASE_MS);
        assert_eq!(library.public.keys(), [IMAGE, THUMB]);
        assert_eq!(library.row().unwrap().deleted_at, None);
    }

    #[test]
    fn a_request_gives_up_on_a_row_another_keeps_busy() {
        let library = Library::new();
        library.claim_delete_now();
        library.table.kept_busy.set(true);
        let started = library.clock.now_ms();
        assert_eq!(library.restore(), Err(MoveError::Busy));
        let waited = library.clock.now_ms() - started;
        assert!(
            (CLAIM_LEASE_MS..=CLAIM_LEASE_MS + 2 * i64::from(WAIT_STEP_MS)).contains(&waited),
            "waited {waited} ms"
        );
        assert_eq!(library.public.keys(), [IMAGE, THUMB], "nothing moved");
    }

    #[test]
    fn the_move_column_holds_the_words_the_sql_writes() {
        for (direction, word) in [
            (Direction::Trash, "trash"),
            (Direction::Live, "live"),
            (Direction::Gone, "gone"),
        ] {
            assert_eq!(direction.as_str(), word);
            assert_eq!(Direction::parse(word), Some(direction));
        }
        assert_eq!(Direction::parse("elsewhere"), None);
        use crate::images::queries::{CLAIM_DELETE, CLAIM_PURGE, CLAIM_RESTORE};
        assert!(CLAIM_DELETE.contains("move_to = 'trash'"));
        assert!(CLAIM_RESTORE.contains("move_to = 'live'"));
        assert!(CLAIM_PURGE.contains("move_to = 'gone'"));
    }

    #[test]
    fn a_row_whose_bytes_are_gone_is_purged_instead_of_moved() {
        let library = Library::new();
        library.public.remove(IMAGE);
        let moved = library.delete().unwrap();
        assert!(matches!(moved, Moved::BytesLost(_)), "{moved:?}");
        assert!(library.row().is_none());
        assert!(library.public.keys().is_empty() && library.trash.keys().is_empty());
        assert_eq!(library.table.retired(IMAGE), Some(Some("aa".into())));
    }

    #[test]
    fn a_lost_thumbnail_is_forgotten_and_the_image_still_moves() {
        let library = Library::new();
        library.public.remove(THUMB);
        let Moved::Done(trashed) = library.delete().unwrap() else {
            panic!()
        };
        assert_eq!(trashed.thumbnail_key, None);
        assert_eq!(library.trash.keys(), [IMAGE]);
    }

    #[test]
    fn objects_trashed_under_the_old_prefix_are_moved_into_the_private_bucket() {
        let library = Library::new();
        // As migration 0007 leaves a row trashed before it: keys restored,
        // bytes still under `.trash/` in the public bucket, a stale move.
        library.public.remove(IMAGE);
        library.public.remove(THUMB);
        library.public.insert(&legacy_trash_key(IMAGE), b"image");
        library.public.insert(&legacy_trash_key(THUMB), b"thumb");
        library.table.set_legacy_trash(library.id);
        // Already trashed: a delete has nothing to do, and says so at once
        // (the old move has run out, so nobody is waited for).
        let before = library.clock.now_ms();
        assert_eq!(library.delete().unwrap(), Moved::NotApplicable);
        assert_eq!(library.clock.now_ms(), before);
        let moved = block_on(resume(
            &library.buckets(),
            &library.table,
            &library.clock,
            library.id,
            Direction::Trash,
        ))
        .unwrap();
        assert!(matches!(moved, Moved::Done(_)), "{moved:?}");
        assert!(library.public.keys().is_empty());
        assert_eq!(library.trash.keys(), [IMAGE, THUMB]);
        assert!(library.row().unwrap().deleted_at.is_some());
        assert!(matches!(library.restore().unwrap(), Moved::Done(_)));
        assert_eq!(library.public.keys(), [IMAGE, THUMB]);
    }

    #[test]
    fn purging_retires_the_key_with_the_stored_bytes_hash() {
        let library = Library::new();
        library.delete().unwrap();
        assert!(matches!(library.purge().unwrap(), Moved::Done(_)));
        assert!(library.row().is_none());
        assert!(library.trash.keys().is_empty());
        assert_eq!(library.table.retired(IMAGE), Some(Some("aa".into())));
        assert_eq!(library.purge().unwrap(), Moved::NotApplicable);
    }
}
