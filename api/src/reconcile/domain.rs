//! Comparing one window of R2 keys with the D1 rows for the same keys.

use imghost_shared::api::trash::original_key;
use imghost_shared::api::ImageRecord;
use imghost_shared::key_template::KeyTemplate;
use imghost_shared::keys::is_own_key;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    pub key: String,
    pub uploaded_ms: i64,
    pub size: u64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Differences {
    /// Keys of imghost's own objects that no row refers to (and old enough
    /// to be sure): the ones a repair deletes.
    pub orphan_objects: Vec<String>,
    /// Objects without a row whose keys imghost never writes: another
    /// program's files in a shared bucket, reported and never deleted.
    pub foreign_objects: Vec<String>,
    /// Rows whose object is not in the bucket.
    pub missing_objects: Vec<ImageRecord>,
}

/// Both lists must cover the same window of keys; `extras` are the
/// listed keys that some live row (in or outside the window) names as its
/// thumbnail or one of its widths: part of their image, not orphans. Only live rows own objects
/// in the image bucket: a trashed image's bytes are in the private trash,
/// so a public object under its key is an orphan (a repair removes it,
/// and the trashed image stays private). Nothing younger than
/// `grace_ms` is called a difference: an upload writes its object a moment
/// before its row, and one that lands between the listing of the bucket and
/// the reading of the rows has a row whose object was not listed.
pub fn compare(
    objects: &[ListedObject],
    rows: &[ImageRecord],
    extras: &[String],
    template: Option<&KeyTemplate>,
    now_ms: i64,
    grace_ms: i64,
) -> Differences {
    let live = || rows.iter().filter(|row| row.deleted_at.is_none());
    let row_keys: HashSet<&str> = live()
        .map(|row| row.object_key.as_str())
        .chain(extras.iter().map(String::as_str))
        .collect();
    let object_keys: HashSet<&str> = objects.iter().map(|object| object.key.as_str()).collect();
    let (orphan_objects, foreign_objects) = objects
        .iter()
        .filter(|object| !row_keys.contains(object.key.as_str()))
        .filter(|object| now_ms - object.uploaded_ms >= grace_ms)
        .map(|object| object.key.clone())
        // A trashed copy of one of imghost's own objects is its own too.
        .partition(|key| is_own_key(original_key(key), template));
    Differences {
        orphan_objects,
        foreign_objects,
        missing_objects: live()
            .filter(|row| !object_keys.contains(row.object_key.as_str()))
            .filter(|row| now_ms - row.created_at >= grace_ms)
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imghost_shared::api::ImageId;

    fn row(id: i64, key: &str) -> ImageRecord {
        ImageRecord {
            id: ImageId(id),
            object_key: key.into(),
            original_name: "x.png".into(),
            image_url: format!("https://img.example/{key}"),
            content_type: Some("image/png".into()),
            size: 1,
            created_at: 0,
            width: None,
            height: None,
            sha256: None,
            stored_sha256: None,
            original_size: None,
            compressed_by: None,
            animated: None,
            thumbnail_key: None,
            thumbnail_url: None,
            widths: Vec::new(),
            deleted_at: None,
            albums: vec![],
            tags: vec![],
        }
    }

    fn object(key: &str, uploaded_ms: i64) -> ListedObject {
        ListedObject {
            key: key.into(),
            uploaded_ms,
            size: 1,
        }
    }

    const GRACE: i64 = 600_000;

    /// A key of the shape imghost writes.
    fn own(name: char) -> String {
        format!(
            "2026-11-29/{}-0000-4000-8000-000000000000.png",
            name.to_string().repeat(8)
        )
    }

    #[test]
    fn thumbnails_named_by_a_row_are_part_of_their_image() {
        let now = 100 * GRACE;
        let image = own('a');
        let kept = format!("{image}.thumb.webp");
        let lost = format!("{}.thumb.webp", own('b'));
        let objects = [object(&image, 0), object(&kept, 0), object(&lost, 0)];
        let differences = compare(
            &objects,
            &[row(1, &image)],
            std::slice::from_ref(&kept),
            None,
            now,
            GRACE,
        );
        assert_eq!(differences.orphan_objects, [lost]);
        assert!(differences.foreign_objects.is_empty());
        assert!(differences.missing_objects.is_empty());
    }

    #[test]
    fn finds_both_kinds_of_difference() {
        let now = 100 * GRACE;
        let objects = [object("a", 0), object("b", 0), object(&own('c'), 0)];
        let rows = [row(1, "a"), row(2, "b"), row(3, "gone")];
        let differences = compare(&objects, &rows, &[], None, now, GRACE);
        assert_eq!(differences.orphan_objects, vec![own('c')]);
        assert_eq!(differences.foreign_objects, Vec::<String>::new());
        assert_eq!(differences.missing_objects, vec![row(3, "gone")]);
    }

    #[test]
    fn other_programs_objects_are_never_orphans() {
        let objects = [
            object(&own('a'), 0),
            object("backups/db.sqlite", 0),
            object("2020-01-01/orphan.png", 0),
        ];
        let differences = compare(&objects, &[], &[], None, 100 * GRACE, GRACE);
        assert_eq!(differences.orphan_objects, vec![own('a')]);
        assert_eq!(
            differences.foreign_objects,
            vec![
                "backups/db.sqlite".to_string(),
                "2020-01-01/orphan.png".to_string()
            ]
        );
    }

    #[test]
    fn recent_objects_without_rows_may_be_uploads_in_flight() {
        let now = 100 * GRACE;
        let objects = [
            object(&own('f'), now - 1000),
            object(&own('0'), now - GRACE),
        ];
        assert_eq!(
            compare(&objects, &[], &[], None, now, GRACE).orphan_objects,
            vec![own('0')]
        );
    }

    #[test]
    fn a_row_written_while_reconciling_is_not_missing_its_object() {
        let now = 100 * GRACE;
        let mut fresh = row(1, "fresh");
        fresh.created_at = now - 1000;
        let mut old = row(2, "old");
        old.created_at = now - GRACE;
        let missing = compare(&[], &[fresh, old.clone()], &[], None, now, GRACE).missing_objects;
        assert_eq!(missing, vec![old]);
    }

    #[test]
    fn a_trashed_images_key_in_the_public_bucket_is_an_orphan_not_its_bytes() {
        let now = 100 * GRACE;
        let key = own('a');
        let mut trashed = row(1, &key);
        trashed.deleted_at = Some(5);
        let differences = compare(
            &[object(&key, 0)],
            &[trashed.clone()],
            &[],
            None,
            now,
            GRACE,
        );
        assert_eq!(differences.orphan_objects, [key]);
        // And its missing public object is what the trash is for.
        assert_eq!(
            compare(&[], &[trashed], &[], None, now, GRACE),
            Differences::default()
        );
    }

    #[test]
    fn consistent_window_has_no_differences() {
        let objects = [object("a", 0)];
        assert_eq!(
            compare(&objects, &[row(1, "a")], &[], None, 0, GRACE),
            Differences::default()
        );
    }
}
