//! `GET /stats`: totals read from the counters the triggers keep, and the
//! quotas an upload is checked against (in its insert: see `Limits`).

use crate::context::AppContext;
use crate::error::{ApiError, ApiResult};
use crate::http::json;
use crate::images::domain::Limits;
use crate::images::queries;
use imghost_shared::api::{StatsResponse, Usage};
use imghost_shared::units::format_bytes;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{Date, Request, Response};

const DAY_MS: i64 = 86_400_000;

#[derive(Deserialize)]
struct Counters {
    image_count: u64,
    bytes_stored: u64,
    bytes_original: u64,
    compression_count: Option<u64>,
    trash_count: u64,
    trash_bytes: u64,
    thumbnail_bytes: u64,
    width_bytes: u64,
    uploads_today: u64,
}

/// Use of both quotas: what is stored, and what was uploaded today.
pub struct Quotas {
    pub storage: Usage,
    pub uploads_today: Usage,
}

/// 507 for an upload of `size` bytes that storage has no room for: the
/// server cannot store it, and retrying will not help until space is freed.
pub fn storage_full(size: u64, used: u64, limit: u64) -> ApiError {
    ApiError::StorageQuotaExceeded(format!(
        "Storage is full: this upload ({}) does not fit, {} of {} are used (the trash, \
         thumbnails and widths included). Empty the trash, delete images, or raise MAX_STORAGE_BYTES",
        format_bytes(size),
        format_bytes(used),
        format_bytes(limit),
    ))
}

/// 429 with `Retry-After` until 00:00 UTC, when the daily limit resets.
pub fn daily_limit_reached(limit: u64, now_ms: i64) -> ApiError {
    let retry_after_seconds = ((DAY_MS - now_ms.rem_euclid(DAY_MS)) / 1000) as u32 + 1;
    ApiError::DailyLimitReached {
        message: format!(
            "The daily limit of {limit} uploads is reached; it resets at 00:00 UTC (or raise \
             MAX_UPLOADS_PER_DAY)"
        ),
        retry_after_seconds,
    }
}

impl Quotas {
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

/// The UTC day of a time, as `daily_uploads` counts days: days since 1970.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

async fn counters(app: &AppContext, now_ms: i64) -> ApiResult<Counters> {
    app.db
        .prepare(queries::STATS)
        .bind(&[JsValue::from_f64(day_of(now_ms) as f64)])?
        .first::<Counters>(None)
        .await?
        .ok_or_else(|| ApiError::Internal("image_stats has no row: run the migrations".into()))
}

impl Quotas {
    /// Use against the limits: storage counts images, thumbnails and
    /// widths, the trash included.
    fn of(counters: &Counters, limits: &Limits) -> Self {
        Self {
            storage: Usage {
                used: counters.bytes_stored + counters.thumbnail_bytes + counters.width_bytes,
                limit: Some(limits.max_storage_bytes),
            },
            uploads_today: Usage {
                used: counters.uploads_today,
                limit: limits.max_uploads_per_day,
            },
        }
    }
}

/// What `/stats` says of moves left half-done, if there are any.
pub fn stale_moves_warning(stale: u64) -> Option<String> {
    (stale > 0).then(|| {
        format!(
            "{stale} images are half-way between the image bucket and the trash (a request \
             stopped, or they were trashed before the trash had its own bucket): the daily \
             clean-up finishes them, or now `imghost reconcile --repair`"
        )
    })
}

/// The quotas an upload's insert is checked against; 503 while one is set
/// to something that is not a whole number (nothing is guessed).
pub fn upload_limits(app: &AppContext) -> ApiResult<Limits> {
    if let Some(name) = app
        .config
        .unreadable
        .iter()
        .find(|name| crate::config::QUOTA_VARS.contains(name))
    {
        return Err(ApiError::NotConfigured(crate::context::unreadable_warning(
            name,
        )));
    }
    Ok(configured_limits(app))
}

/// The quotas as configured (an unreadable one at its default).
fn configured_limits(app: &AppContext) -> Limits {
    Limits {
        max_storage_bytes: app.config.max_storage_bytes,
        max_uploads_per_day: app.config.max_uploads_per_day,
    }
}

pub async fn handle_stats(req: Request, app: &AppContext) -> ApiResult<Response> {
    app.authorize(&req).await?;
    let counters = counters(app, Date::now().as_millis() as i64).await?;
    let quotas = Quotas::of(&counters, &configured_limits(app));
    let mut warnings = app.warnings();
    warnings.extend(quotas.warnings());
    warnings.extend(stale_moves_warning(
        crate::trash::stale_move_count(&app.db).await?,
    ));
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
        let error = storage_full(101, 900, 1_000);
        assert_eq!(error.code().status(), 507);
        assert!(error.message().contains("Empty the trash"));
        assert!(error.message().contains("this upload (101 B)"));
    }

    #[test]
    fn the_daily_limit_is_429_until_midnight_utc() {
        let one_hour_before_midnight = 5 * DAY_MS - 3_600_000;
        match daily_limit_reached(3, one_hour_before_midnight) {
            ApiError::DailyLimitReached {
                retry_after_seconds,
                message,
            } => {
                assert_eq!(retry_after_seconds, 3_601);
                assert!(message.contains("3 uploads"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn storage_counts_images_thumbnails_and_widths_against_the_limits() {
        let counters = Counters {
            image_count: 3,
            bytes_stored: 1_000,
            bytes_original: 1_500,
            compression_count: None,
            trash_count: 1,
            trash_bytes: 100,
            thumbnail_bytes: 40,
            width_bytes: 60,
            uploads_today: 2,
        };
        let limits = Limits {
            max_storage_bytes: 2_000,
            max_uploads_per_day: Some(5),
        };
        let quotas = Quotas::of(&counters, &limits);
        assert_eq!(
            (quotas.storage.used, quotas.storage.limit),
            (1_100, Some(2_000))
        );
        assert_eq!(
            (quotas.uploads_today.used, quotas.uploads_today.limit),
            (2, Some(5))
        );
    }

    #[test]
    fn days_are_utc_days_since_1970() {
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(DAY_MS - 1), 0);
        assert_eq!(day_of(5 * DAY_MS), 5);
        assert_eq!(day_of(-1), -1);
    }

    #[test]
    fn half_done_moves_are_named_only_when_there_are_some() {
        assert_eq!(stale_moves_warning(0), None);
        assert!(stale_moves_warning(1)
            .unwrap()
            .starts_with("1 images are half-way"));
    }

    #[test]
    fn warnings_start_at_eighty_percent() {
        assert!(quotas(799, 0, Some(10)).warnings().is_empty());
        assert_eq!(quotas(800, 8, Some(10)).warnings().len(), 2);
        assert!(quotas(800, 0, None).warnings()[0].contains("80 %"));
    }
}
