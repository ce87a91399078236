//! `GET /stats`: totals read from the counters the triggers keep, and the
//! quotas an upload is checked against.

use crate::error::{ApiError, ApiResult};
use crate::images::queries;
use crate::{json, AppContext};
use imghost_shared::api::{StatsResponse, Usage};
use imghost_shared::units::format_bytes;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{Date, Request, Response, RouteContext};

const DAY_MS: i64 = 86_400_000;

#[derive(Deserialize)]
struct Counters {
    image_count: u64,
    bytes_stored: u64,
    bytes_original: u64,
    compression_count: Option<u64>,
    trash_count: u64,
    trash_bytes: u64,
    uploads_today: u64,
}

/// Use of both quotas: what is stored, and what was uploaded today.
pub struct Quotas {
    pub storage: Usage,
    pub uploads_today: Usage,
}

impl Quotas {
    /// Refuses an upload of `size` bytes that either quota has no room
    /// for, with the status that says which: 507 for storage (the server
    /// cannot store it, and retrying will not help until space is freed),
    /// 429 with `Retry-After` for the daily limit (it will pass).
    pub fn admit(&self, size: u64, now_ms: i64) -> ApiResult<()> {
        if !self.storage.allows(size) {
            return Err(ApiError::StorageQuotaExceeded(format!(
                "Storage is full: this upload ({}) does not fit, {} of {} are used (the trash \
                 included). Empty the trash, delete images, or raise MAX_STORAGE_BYTES",
                format_bytes(size),
                format_bytes(self.storage.used),
                format_bytes(self.storage.limit.unwrap_or_default()),
            )));
        }
        if !self.uploads_today.allows(1) {
            let retry_after_seconds = ((DAY_MS - now_ms.rem_euclid(DAY_MS)) / 1000) as u32 + 1;
            return Err(ApiError::DailyLimitReached {
                message: format!(
                    "The daily limit of {} uploads is reached; it resets at 00:00 UTC (or raise \
                     MAX_UPLOADS_PER_DAY)",
                    self.uploads_today.limit.unwrap_or_default()
                ),
                retry_after_seconds,
            });
        }
        Ok(())
    }

    /// A warning for each quota used 80 % or more.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.storage.needs_warning() {
            warnings.push(format!(
                "Storage is {} % used ({} of MAX_STORAGE_BYTES {}): empty the trash or delete images",
                self.storage.percent().unwrap_or_default(),
                format_bytes(self.storage.used),
                format_bytes(self.storage.limit.unwrap_or_default()),
            ));
        }
        if self.uploads_today.needs_warning() {
            warnings.push(format!(
                "Uploads today are {} % of MAX_UPLOADS_PER_DAY ({} of {})",
                self.uploads_today.percent().unwrap_or_default(),
                self.uploads_today.used,
                self.uploads_today.limit.unwrap_or_default(),
            ));
        }
        warnings
    }
}

async fn counters(app: &AppContext, now_ms: i64) -> ApiResult<Counters> {
    app.db
        .prepare(queries::STATS)
        .bind(&[JsValue::from_f64((now_ms / DAY_MS) as f64)])?
        .first::<Counters>(None)
        .await?
        .ok_or_else(|| ApiError::Internal("image_stats has no row: run the migrations".into()))
}

fn quotas(app: &AppContext, counters: &Counters) -> Quotas {
    Quotas {
        storage: Usage {
            used: counters.bytes_stored,
            limit: Some(app.config.max_storage_bytes),
        },
        uploads_today: Usage {
            used: counters.uploads_today,
            limit: app.config.max_uploads_per_day,
        },
    }
}

/// One read of the counters before anything of an upload is stored.
pub async fn check_quota(app: &AppContext, size: u64) -> ApiResult<()> {
    if let Some(name) = app
        .config
        .unreadable
        .iter()
        .find(|name| crate::config::QUOTA_VARS.contains(name))
    {
        return Err(ApiError::NotConfigured(crate::unreadable_warning(name)));
    }
    let now = Date::now().as_millis() as i64;
    let counters = counters(app, now).await?;
    quotas(app, &counters).admit(size, now)
}

pub async fn handle_stats(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    app.authorize(&req).await?;
    let counters = counters(app, Date::now().as_millis() as i64).await?;
    let quotas = quotas(app, &counters);
    let mut warnings = app.warnings();
    warnings.extend(quotas.warnings());
    json(&StatsResponse {
        success: true,
        image_count: counters.image_count.saturating_sub(counters.trash_count),
        bytes_stored: counters.bytes_stored,
        bytes_saved: counters
            .bytes_original
            .saturating_sub(counters.bytes_stored),
        compression_count: counters.compression_count,
        warnings,
        wasm_memory_bytes: wasm_memory_bytes(),
        trash_count: counters.trash_count,
        trash_bytes: counters.trash_bytes,
        storage: Some(quotas.storage),
        uploads_today: Some(quotas.uploads_today),
    })
}

fn wasm_memory_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    return Some(core::arch::wasm32::memory_size(0) as u64 * 65_536);
    #[cfg(not(target_arch = "wasm32"))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotas(stored: u64, uploads: u64, daily: Option<u64>) -> Quotas {
        Quotas {
            storage: Usage {
                used: stored,
                limit: Some(1_000),
            },
            uploads_today: Usage {
                used: uploads,
                limit: daily,
            },
        }
    }

    #[test]
    fn storage_over_the_limit_is_507_and_says_what_to_do() {
        assert!(quotas(900, 0, None).admit(100, 0).is_ok());
        match quotas(900, 0, None).admit(101, 0) {
            Err(error @ ApiError::StorageQuotaExceeded(_)) => {
                assert_eq!(error.code().status(), 507);
                assert!(error.message().contains("Empty the trash"));
                assert!(error.message().contains("this upload (101 B)"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_daily_limit_is_429_until_midnight_utc() {
        assert!(quotas(0, 2, Some(3)).admit(1, 0).is_ok());
        assert!(quotas(0, 1_000, None).admit(1, 0).is_ok());
        let one_hour_before_midnight = 5 * DAY_MS - 3_600_000;
        match quotas(0, 3, Some(3)).admit(1, one_hour_before_midnight) {
            Err(ApiError::DailyLimitReached {
                retry_after_seconds,
                message,
            }) => {
                assert_eq!(retry_after_seconds, 3_601);
                assert!(message.contains("3 uploads"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn warnings_start_at_eighty_percent() {
        assert!(quotas(799, 0, Some(10)).warnings().is_empty());
        assert_eq!(quotas(800, 8, Some(10)).warnings().len(), 2);
        assert!(quotas(800, 0, None).warnings()[0].contains("80 %"));
    }
}
