//! The trash: a deleted image keeps its row and its key, and its bytes move
//! into a private bucket that no public domain serves, until it is restored
//! under the same URL or purged.

use super::images::{ImageId, ImageRecord};
use super::query_string::{decode_pairs, encode_pairs, first_value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Where trashed objects were kept before the trash had a bucket of its
/// own: `.trash/<key>` in the image bucket. Such objects are moved into the
/// private bucket; the prefix is never served under `/i/`, never taken as
/// an upload's key and never adopted by reconcile.
pub const TRASH_PREFIX: &str = ".trash/";

/// Days an image stays in the trash before the Cron Trigger purges it.
pub const DEFAULT_TRASH_DAYS: u32 = 7;

/// Where an object of `key` was kept in the image bucket while trashed,
/// before the private trash bucket.
pub fn legacy_trash_key(key: &str) -> String {
    format!("{TRASH_PREFIX}{}", original_key(key))
}

pub fn is_trash_key(key: &str) -> bool {
    key.starts_with(TRASH_PREFIX)
}

/// The key (and so the URL) an object had before it was trashed, for the
/// few rows that still name a `.trash/` key (their own was taken meanwhile).
pub fn original_key(key: &str) -> &str {
    key.strip_prefix(TRASH_PREFIX).unwrap_or(key)
}

/// `POST /trash/restore?id=N` and `DELETE /trash?id=N` (purge one);
/// `DELETE /trash` without an id empties the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrashQuery {
    pub id: Option<ImageId>,
}

impl TrashQuery {
    pub fn to_query_string(&self) -> String {
        match self.id {
            Some(id) => encode_pairs([("id", Cow::Owned(id.to_string()))]),
            None => String::new(),
        }
    }

    pub fn from_query_string(query: &str) -> Result<Self, String> {
        let pairs = decode_pairs(query);
        match first_value(&pairs, "id") {
            None => Ok(Self { id: None }),
            Some(text) => ImageId::parse(text)
                .map(|id| Self { id: Some(id) })
                .ok_or_else(|| "Invalid id: pass ?id= with a positive integer".to_string()),
        }
    }
}

/// Answer of `POST /trash/restore`: the image, back at its URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreResponse {
    pub success: bool,
    pub image: ImageRecord,
}

/// Answer of `DELETE /trash`: how many were purged, and how many are left
/// (a request purges at most `PURGE_BATCH`; clients call again while
/// `remaining` is above 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeResponse {
    pub success: bool,
    pub purged: u64,
    pub remaining: u64,
}

/// Images purged by one request or one run of the Cron Trigger: bounded,
/// so one call stays within a Worker's limits however full the trash is.
pub const PURGE_BATCH: u32 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trash_keys_map_back_to_the_same_url() {
        let key = "2026-11-28/a.png";
        assert_eq!(legacy_trash_key(key), ".trash/2026-11-28/a.png");
        assert_eq!(
            legacy_trash_key(&legacy_trash_key(key)),
            ".trash/2026-11-28/a.png"
        );
        assert!(is_trash_key(&legacy_trash_key(key)));
        assert!(!is_trash_key(key));
        assert_eq!(original_key(&legacy_trash_key(key)), key);
        assert_eq!(original_key(key), key);
    }

    #[test]
    fn queries_round_trip() {
        for query in [
            TrashQuery { id: None },
            TrashQuery {
                id: Some(ImageId(9)),
            },
        ] {
            assert_eq!(
                TrashQuery::from_query_string(&query.to_query_string()),
                Ok(query)
            );
        }
        for junk in ["id=", "id=0", "id=x"] {
            assert!(TrashQuery::from_query_string(junk).is_err(), "{junk}");
        }
    }
}
