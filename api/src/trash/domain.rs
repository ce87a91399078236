//! Moving images into the trash and out again, so that a trashed image's
//! URL answers 404 at once and a restored one is back under the same URL,
//! with its bytes never lost on the way.

use crate::images::domain::{ObjectStore, StoreError};
use imghost_shared::api::trash::{original_key, trash_key};
use imghost_shared::api::{ImageId, ImageRecord};

pub trait TrashTable {
    async fn find(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
    /// Marks a live row trashed, its keys under `.trash/`; `None` if there
    /// is no live row.
    async fn trash(&self, id: ImageId, now_ms: i64) -> Result<Option<ImageRecord>, StoreError>;
    /// Marks a trashed row live again under its own keys; `None` if it is
    /// not in the trash. Fails if another row has its key.
    async fn untrash(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
}

/// The object keys of a row: the image, then its thumbnail.
fn keys(row: &ImageRecord) -> Vec<&str> {
    std::iter::once(row.object_key.as_str())
        .chain(row.thumbnail_key.as_deref())
        .collect()
}

/// Copies every key to its counterpart; on a failure the copies made so
/// far are removed again. A key with no object (a row whose object was
/// already gone) has nothing to copy: the row moves without it, as it was.
/// Whether the first key (the image) had an object.
async fn copy_all(
    objects: &impl ObjectStore,
    pairs: &[(String, String)],
) -> Result<bool, StoreError> {
    let mut image_copied = false;
    for (done, (from, to)) in pairs.iter().enumerate() {
        match objects.copy(from, to).await {
            Ok(copied) => image_copied |= done == 0 && copied,
            Err(error) => {
                for (_, made) in &pairs[..done] {
                    let _ = objects.delete(made).await;
                }
                return Err(error);
            }
        }
    }
    Ok(image_copied)
}

async fn delete_all(objects: &impl ObjectStore, keys: &[String]) -> Result<(), StoreError> {
    for key in keys {
        objects.delete(key).await?;
    }
    Ok(())
}

/// An image in the trash.
#[derive(Debug, PartialEq, Eq)]
pub struct Trashed {
    pub image: ImageRecord,
    /// False for a row whose image object was already gone: there is
    /// nothing to restore, so the caller purges it at once.
    pub has_bytes: bool,
}

/// Copies the objects under `.trash/`, marks the row, then deletes the
/// originals. `None` if there is no live image with that id.
pub async fn move_to_trash(
    objects: &impl ObjectStore,
    table: &impl TrashTable,
    id: ImageId,
    now_ms: i64,
) -> Result<Option<Trashed>, StoreError> {
    let Some(row) = table.find(id).await?.filter(|row| row.deleted_at.is_none()) else {
        return Ok(None);
    };
    let pairs: Vec<(String, String)> = keys(&row)
        .into_iter()
        .map(|key| (key.to_string(), trash_key(key)))
        .collect();
    let has_bytes = copy_all(objects, &pairs).await?;
    let copies: Vec<String> = pairs.iter().map(|(_, to)| to.clone()).collect();
    let trashed = match table.trash(id, now_ms).await {
        Ok(Some(trashed)) => trashed,
        outcome => {
            // Another request trashed it meanwhile: those copies are its
            // bytes now. Otherwise they are nobody's.
            let now = table.find(id).await.ok().flatten();
            if now.is_none_or(|row| row.deleted_at.is_none()) {
                let _ = delete_all(objects, &copies).await;
            }
            return outcome.map(|_| None);
        }
    };
    let originals: Vec<String> = pairs.into_iter().map(|(from, _)| from).collect();
    if delete_all(objects, &originals).await.is_err() {
        // Once more; if the original still stands, reconcile finds it (an
        // object no row names) and removes it.
        delete_all(objects, &originals).await?;
    }
    Ok(Some(Trashed {
        image: trashed,
        has_bytes,
    }))
}

/// What became of a restore.
#[derive(Debug, PartialEq, Eq)]
pub enum Restored {
    Done(Box<ImageRecord>),
    NotInTrash,
    /// Something else is stored under the image's URL now.
    UrlTaken(String),
}

/// Copies the objects back, marks the row live, then deletes the trashed
/// copies. Nothing already under the image's own key is ever overwritten.
pub async fn restore(
    objects: &impl ObjectStore,
    table: &impl TrashTable,
    id: ImageId,
) -> Result<Restored, StoreError> {
    let Some(row) = table.find(id).await?.filter(|row| row.deleted_at.is_some()) else {
        return Ok(Restored::NotInTrash);
    };
    let pairs: Vec<(String, String)> = keys(&row)
        .into_iter()
        .map(|key| (key.to_string(), original_key(key).to_string()))
        .collect();
    for (_, to) in &pairs {
        if objects.exists(to).await? {
            return Ok(Restored::UrlTaken(to.clone()));
        }
    }
    copy_all(objects, &pairs).await?;
    let restored_copies: Vec<String> = pairs.iter().map(|(_, to)| to.clone()).collect();
    let restored = match table.untrash(id).await {
        Ok(Some(restored)) => restored,
        outcome => {
            // Another request restored it meanwhile: the copies are its.
            let now = table.find(id).await.ok().flatten();
            if let Some(live) = now.filter(|row| row.deleted_at.is_none()) {
                return Ok(Restored::Done(Box::new(live)));
            }
            let _ = delete_all(objects, &restored_copies).await;
            return match outcome {
                Err(error) if error.0.contains("UNIQUE") => {
                    Ok(Restored::UrlTaken(original_key(&row.object_key).into()))
                }
                Err(error) => Err(error),
                Ok(_) => Ok(Restored::NotInTrash),
            };
        }
    };
    let trashed: Vec<String> = pairs.into_iter().map(|(from, _)| from).collect();
    // A trashed copy left behind is an orphan that reconcile removes.
    let _ = delete_all(objects, &trashed).await;
    Ok(Restored::Done(Box::new(restored)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::domain::NewImage;
    use crate::images::memory::{run, MemoryObjects, MemoryTable};

    fn library() -> (MemoryObjects, MemoryTable, ImageId) {
        let objects = MemoryObjects::default();
        let table = MemoryTable::default();
        let image = NewImage {
            object_key: "2026-11-28/a.png".into(),
            thumbnail_key: Some("2026-11-28/a.png.thumb.webp".into()),
            ..NewImage::for_tests("2026-11-28/a.png", "aa")
        };
        let record = table.add(&image);
        objects
            .objects
            .borrow_mut()
            .insert("2026-11-28/a.png".into(), b"image".to_vec());
        objects
            .objects
            .borrow_mut()
            .insert("2026-11-28/a.png.thumb.webp".into(), b"thumb".to_vec());
        (objects, table, record.id)
    }

    fn keys(objects: &MemoryObjects) -> Vec<String> {
        objects.objects.borrow().keys().cloned().collect()
    }

    #[test]
    fn trash_and_restore_move_the_bytes_and_keep_the_url() {
        let (objects, table, id) = library();
        let trashed = run(move_to_trash(&objects, &table, id, 5))
            .unwrap()
            .unwrap();
        assert_eq!(trashed.image.deleted_at, Some(5));
        assert!(trashed.has_bytes);
        assert_eq!(
            keys(&objects),
            [
                ".trash/2026-11-28/a.png",
                ".trash/2026-11-28/a.png.thumb.webp"
            ]
        );
        assert_eq!(run(move_to_trash(&objects, &table, id, 6)).unwrap(), None);
        let Restored::Done(back) = run(restore(&objects, &table, id)).unwrap() else {
            panic!("not restored")
        };
        assert_eq!(back.object_key, "2026-11-28/a.png");
        assert_eq!(back.deleted_at, None);
        assert_eq!(
            keys(&objects),
            ["2026-11-28/a.png", "2026-11-28/a.png.thumb.webp"]
        );
        assert_eq!(objects.objects.borrow()["2026-11-28/a.png"], b"image");
        assert_eq!(
            run(restore(&objects, &table, id)).unwrap(),
            Restored::NotInTrash
        );
    }

    #[test]
    fn a_row_whose_object_is_gone_moves_as_it_is_and_says_so() {
        let (objects, table, id) = library();
        objects.objects.borrow_mut().remove("2026-11-28/a.png");
        let trashed = run(move_to_trash(&objects, &table, id, 5))
            .unwrap()
            .unwrap();
        assert_eq!(trashed.image.object_key, ".trash/2026-11-28/a.png");
        assert!(!trashed.has_bytes);
        assert_eq!(keys(&objects), [".trash/2026-11-28/a.png.thumb.webp"]);
        assert!(matches!(
            run(restore(&objects, &table, id)).unwrap(),
            Restored::Done(_)
        ));
        assert_eq!(keys(&objects), ["2026-11-28/a.png.thumb.webp"]);
    }

    #[test]
    fn a_failed_copy_leaves_the_image_where_it_was() {
        let (objects, table, id) = library();
        *objects.fail_put_ending.borrow_mut() = Some(".thumb.webp");
        assert!(run(move_to_trash(&objects, &table, id, 5)).is_err());
        assert_eq!(
            keys(&objects),
            ["2026-11-28/a.png", "2026-11-28/a.png.thumb.webp"]
        );
        assert_eq!(table.rows.borrow()[&id.0].deleted_at, None);
    }

    #[test]
    fn a_restore_never_overwrites_what_took_the_url() {
        let (objects, table, id) = library();
        run(move_to_trash(&objects, &table, id, 5)).unwrap();
        objects
            .objects
            .borrow_mut()
            .insert("2026-11-28/a.png".into(), b"someone else".to_vec());
        assert_eq!(
            run(restore(&objects, &table, id)).unwrap(),
            Restored::UrlTaken("2026-11-28/a.png".into())
        );
        assert_eq!(
            objects.objects.borrow()["2026-11-28/a.png"],
            b"someone else"
        );
        assert!(objects
            .objects
            .borrow()
            .contains_key(".trash/2026-11-28/a.png"));
    }

    #[test]
    fn a_failed_untrash_removes_the_copies_and_keeps_the_trash() {
        let (objects, table, id) = library();
        run(move_to_trash(&objects, &table, id, 5)).unwrap();
        table.fail_untrash.set(true);
        assert!(run(restore(&objects, &table, id)).is_err());
        assert_eq!(
            keys(&objects),
            [
                ".trash/2026-11-28/a.png",
                ".trash/2026-11-28/a.png.thumb.webp"
            ]
        );
        assert!(table.rows.borrow()[&id.0].deleted_at.is_some());
    }
}
