//! The audit log: one row per change, written in the same D1 batch as the
//! change itself.

use super::listing::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use super::query_string::{decode_pairs, encode_pairs, first_value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Upload,
    /// Moved to the trash.
    Delete,
    /// Taken out of the trash.
    Restore,
    /// Deleted for good from the trash.
    Purge,
    /// A thumbnail stored for an image that had none (`PUT /thumbnail`).
    Thumbnail,
    /// Responsive widths stored for an image that had none (`PUT /widths`).
    Widths,
    TokenCreate,
    TokenRevoke,
    AlbumCreate,
    /// Renamed, moved, its cover changed, shared or no longer shared.
    AlbumUpdate,
    /// Deleted; its images stay.
    AlbumDelete,
    /// Images added to or removed from an album.
    AlbumImages,
    /// Tags added to or removed from images.
    Tags,
    TagDelete,
    /// Reconcile removed an orphan object or a row without its object, or
    /// adopted an object.
    ReconcileRepair,
    #[serde(other)]
    Unknown,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Delete => "delete",
            Self::Restore => "restore",
            Self::Purge => "purge",
            Self::Thumbnail => "thumbnail",
            Self::Widths => "widths",
            Self::TokenCreate => "token_create",
            Self::TokenRevoke => "token_revoke",
            Self::AlbumCreate => "album_create",
            Self::AlbumUpdate => "album_update",
            Self::AlbumDelete => "album_delete",
            Self::AlbumImages => "album_images",
            Self::Tags => "tags",
            Self::TagDelete => "tag_delete",
            Self::ReconcileRepair => "reconcile_repair",
            Self::Unknown => "unknown",
        }
    }
}

/// Who made the change, as the log names it: a token's name, `admin` for
/// `ADMIN_TOKEN`, `cron` for the scheduled clean-up.
pub const ADMIN_ACTOR: &str = "admin";
pub const CRON_ACTOR: &str = "cron";
pub const ANONYMOUS_ACTOR: &str = "anonymous";

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub token: String,
    /// The named token's id: a revoked token's rows stay apart from those
    /// of a later token with the same name. `None` for `admin` and `cron`.
    #[serde(default)]
    pub token_id: Option<i64>,
    pub action: AuditAction,
    /// The image (or token) changed: an id, key or name.
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// `GET /audit?limit=&cursor=`: newest first; `cursor` is the
/// `next_cursor` of the page before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditQuery {
    pub before: Option<i64>,
    pub limit: u32,
}

impl AuditQuery {
    pub fn first_page() -> Self {
        Self {
            before: None,
            limit: DEFAULT_PAGE_SIZE,
        }
    }

    pub fn to_query_string(&self) -> String {
        let mut pairs = vec![("limit", Cow::Owned(self.limit.to_string()))];
        if let Some(before) = self.before {
            pairs.push(("cursor", Cow::Owned(before.to_string())));
        }
        encode_pairs(pairs)
    }

    pub fn from_query_string(query: &str) -> Result<Self, String> {
        let pairs = decode_pairs(query);
        let before = match first_value(&pairs, "cursor") {
            None | Some("") => None,
            Some(text) => Some(
                text.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .ok_or("Invalid cursor: pass back the `next_cursor` of the page before")?,
            ),
        };
        let limit = first_value(&pairs, "limit")
            .and_then(|text| text.parse::<u32>().ok())
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        Ok(Self { before, limit })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditResponse {
    pub success: bool,
    pub results: Vec<AuditEntry>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_round_trip_and_clamp() {
        let query = AuditQuery {
            before: Some(42),
            limit: 10,
        };
        assert_eq!(
            AuditQuery::from_query_string(&query.to_query_string()),
            Ok(query)
        );
        assert_eq!(
            AuditQuery::from_query_string("limit=5000").unwrap().limit,
            MAX_PAGE_SIZE
        );
        assert_eq!(
            AuditQuery::from_query_string(""),
            Ok(AuditQuery::first_page())
        );
        for junk in ["cursor=x", "cursor=-1", "cursor=0"] {
            assert!(AuditQuery::from_query_string(junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn actions_read_back_and_unknown_ones_do_not_fail() {
        for action in [
            AuditAction::Upload,
            AuditAction::TokenCreate,
            AuditAction::ReconcileRepair,
        ] {
            let text = serde_json::to_string(&action).unwrap();
            assert_eq!(text, format!("\"{}\"", action.as_str()));
        }
        assert_eq!(
            serde_json::from_str::<AuditAction>("\"later\"").unwrap(),
            AuditAction::Unknown
        );
    }
}
