use super::query_string::{decode_pairs, encode_pairs, first_value};
use super::ImageRecord;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// `GET` or `POST /reconcile?cursor=&adopt=true`: which window of keys to
/// check, and whether a `POST` adopts objects without rows as images
/// instead of deleting imghost's own orphans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileQuery {
    /// The previous answer's `next_cursor`; `None` starts at the first key.
    pub cursor: Option<String>,
    pub adopt: bool,
}

impl ReconcileQuery {
    pub fn to_query_string(&self) -> String {
        let cursor = self.cursor.as_deref().map(|c| ("cursor", Cow::Borrowed(c)));
        let adopt = self.adopt.then_some(("adopt", Cow::Borrowed("true")));
        encode_pairs(cursor.into_iter().chain(adopt))
    }

    pub fn from_query_string(query: &str) -> Self {
        let pairs = decode_pairs(query);
        Self {
            cursor: first_value(&pairs, "cursor")
                .filter(|cursor| !cursor.is_empty())
                .map(str::to_string),
            adopt: first_value(&pairs, "adopt") == Some("true"),
        }
    }
}

/// Answer of `GET /reconcile` (report only) and `POST /reconcile` (repair):
/// R2 objects without a row, and rows whose object is missing. A repair only
/// ever deletes objects whose keys have the shape imghost writes.
///
/// One call covers one window of object keys (about a thousand); pass
/// `next_cursor` back as `cursor` until it is absent to cover everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileReport {
    pub success: bool,
    pub objects_checked: u64,
    pub rows_checked: u64,
    /// Keys of imghost's own R2 objects that no row refers to; a repair
    /// deletes them.
    pub orphan_objects: Vec<String>,
    /// Objects without a row whose keys imghost never writes (another
    /// program's files in a shared bucket): reported, never deleted.
    #[serde(default)]
    pub foreign_objects: Vec<String>,
    /// Rows whose R2 object does not exist.
    pub missing_objects: Vec<ImageRecord>,
    /// True when this call removed the orphans and the dangling rows.
    pub repaired: bool,
    /// With `adopt`: the objects that became images in this call (their
    /// bytes read, metadata stripped, a row written).
    #[serde(default)]
    pub adopted: Vec<ImageRecord>,
    /// With `adopt`: objects that could not be adopted, as `key: reason`.
    #[serde(default)]
    pub not_adopted: Vec<String>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconcile_queries_round_trip() {
        for query in [
            ReconcileQuery::default(),
            ReconcileQuery {
                cursor: Some("2026-11-28/a b+c.png".into()),
                adopt: false,
            },
            ReconcileQuery {
                cursor: None,
                adopt: true,
            },
        ] {
            let text = query.to_query_string();
            assert_eq!(ReconcileQuery::from_query_string(&text), query, "{text}");
        }
        assert_eq!(
            ReconcileQuery::from_query_string("cursor="),
            ReconcileQuery::default()
        );
    }
}
