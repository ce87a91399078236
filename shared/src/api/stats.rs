use serde::{Deserialize, Serialize};

/// Answer of `GET /stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsResponse {
    pub success: bool,
    /// Images in the library, not counting the trash.
    pub image_count: u64,
    /// Bytes held in R2, the trash included.
    pub bytes_stored: u64,
    /// Bytes the uploads would have taken without stripping and compression.
    pub bytes_saved: u64,
    /// Tinify's `Compression-Count` header from the last compression, i.e.
    /// compressions used this month; `None` until Tinify has been called.
    pub compression_count: Option<u64>,
    /// What the operator should fix (a weak admin token, failed logins not
    /// limited, a quota nearly used up), in words.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// This isolate's WebAssembly memory in bytes. It only ever grows, so
    /// it is the isolate's peak: what the memory benchmark reads.
    #[serde(default)]
    pub wasm_memory_bytes: Option<u64>,
    #[serde(default)]
    pub trash_count: u64,
    #[serde(default)]
    pub trash_bytes: u64,
    /// Bytes stored (trash included) against `MAX_STORAGE_BYTES`.
    #[serde(default)]
    pub storage: Option<Usage>,
    /// Uploads since midnight UTC against `MAX_UPLOADS_PER_DAY`
    /// (`limit` is `None` when there is no daily limit).
    #[serde(default)]
    pub uploads_today: Option<Usage>,
}

/// Use of one quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub used: u64,
    #[serde(default)]
    pub limit: Option<u64>,
}

/// From this share of a quota on, stats and the UI warn.
pub const WARN_AT_PERCENT: u64 = 80;

impl Usage {
    /// Whole percent used, rounded down; `None` without a limit.
    pub fn percent(&self) -> Option<u64> {
        let limit = self.limit?;
        Some(if limit == 0 {
            100
        } else {
            (u128::from(self.used) * 100 / u128::from(limit)) as u64
        })
    }

    pub fn needs_warning(&self) -> bool {
        self.percent().is_some_and(|p| p >= WARN_AT_PERCENT)
    }

    /// Whether `more` fits under the limit.
    pub fn allows(&self, more: u64) -> bool {
        self.limit
            .is_none_or(|limit| self.used.saturating_add(more) <= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_warns_from_eighty_percent_and_refuses_past_the_limit() {
        let usage = |used, limit| Usage { used, limit };
        assert_eq!(usage(79, Some(100)).percent(), Some(79));
        assert!(!usage(79, Some(100)).needs_warning());
        assert!(usage(80, Some(100)).needs_warning());
        assert!(!usage(10, None).needs_warning());
        assert!(usage(90, Some(100)).allows(10));
        assert!(!usage(90, Some(100)).allows(11));
        assert!(usage(u64::MAX, None).allows(1));
        assert!(!usage(0, Some(0)).allows(1));
        assert_eq!(usage(0, Some(0)).percent(), Some(100));
    }
}
