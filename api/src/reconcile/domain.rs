//! Comparing one window of R2 keys with the D1 rows for the same keys.

use imghost_shared::api::ImageRecord;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    pub key: String,
    pub uploaded_ms: i64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Differences {
    /// Keys of objects no row refers to (and old enough to be sure).
    pub orphan_objects: Vec<String>,
    /// Rows whose object is not in the bucket.
    pub missing_objects: Vec<ImageRecord>,
}

/// Both lists must cover the same window of keys. Nothing younger than
/// `grace_ms` is called a difference: an upload writes its object a moment
/// before its row, and one that lands between the listing of the bucket and
/// the reading of the rows has a row whose object was not listed.
pub fn compare(
    objects: &[ListedObject],
    rows: &[ImageRecord],
    now_ms: i64,
    grace_ms: i64,
) -> Differences {
    let row_keys: HashSet<&str> = rows.iter().map(|row| row.object_key.as_str()).collect();
    let object_keys: HashSet<&str> = objects.iter().map(|object| object.key.as_str()).collect();
    Differences {
        orphan_objects: objects
            .iter()
            .filter(|object| !row_keys.contains(object.key.as_str()))
            .filter(|object| now_ms - object.uploaded_ms >= grace_ms)
            .map(|object| object.key.clone())
            .collect(),
        missing_objects: rows
            .iter()
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
            original_size: None,
            compressed_by: None,
        }
    }

    fn object(key: &str, uploaded_ms: i64) -> ListedObject {
        ListedObject {
            key: key.into(),
            uploaded_ms,
        }
    }

    const GRACE: i64 = 600_000;

    #[test]
    fn finds_both_kinds_of_difference() {
        let now = 100 * GRACE;
        let objects = [object("a", 0), object("b", 0), object("orphan", 0)];
        let rows = [row(1, "a"), row(2, "b"), row(3, "gone")];
        let differences = compare(&objects, &rows, now, GRACE);
        assert_eq!(differences.orphan_objects, vec!["orphan".to_string()]);
        assert_eq!(differences.missing_objects, vec![row(3, "gone")]);
    }

    #[test]
    fn recent_objects_without_rows_may_be_uploads_in_flight() {
        let now = 100 * GRACE;
        let objects = [object("fresh", now - 1000), object("old", now - GRACE)];
        assert_eq!(
            compare(&objects, &[], now, GRACE).orphan_objects,
            vec!["old".to_string()]
        );
    }

    #[test]
    fn a_row_written_while_reconciling_is_not_missing_its_object() {
        let now = 100 * GRACE;
        let mut fresh = row(1, "fresh");
        fresh.created_at = now - 1000;
        let mut old = row(2, "old");
        old.created_at = now - GRACE;
        let missing = compare(&[], &[fresh, old.clone()], now, GRACE).missing_objects;
        assert_eq!(missing, vec![old]);
    }

    #[test]
    fn consistent_window_has_no_differences() {
        let objects = [object("a", 0)];
        assert_eq!(
            compare(&objects, &[row(1, "a")], 0, GRACE),
            Differences::default()
        );
    }
}
