//! `GET /stats`: totals read from the counters the triggers keep.

use crate::error::{ApiError, ApiResult};
use crate::images::queries;
use crate::{json, AppContext};
use imghost_shared::api::StatsResponse;
use serde::Deserialize;
use worker::{Request, Response, RouteContext};

#[derive(Deserialize)]
struct Counters {
    image_count: u64,
    bytes_stored: u64,
    bytes_original: u64,
    compression_count: Option<u64>,
}

pub async fn handle_stats(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    app.authorize(&req).await?;
    let counters = app
        .db
        .prepare(queries::STATS)
        .first::<Counters>(None)
        .await?
        .ok_or_else(|| ApiError::Internal("image_stats has no row: run the migrations".into()))?;
    json(&StatsResponse {
        success: true,
        image_count: counters.image_count,
        bytes_stored: counters.bytes_stored,
        bytes_saved: counters
            .bytes_original
            .saturating_sub(counters.bytes_stored),
        compression_count: counters.compression_count,
        warnings: app.warnings(),
        wasm_memory_bytes: wasm_memory_bytes(),
    })
}

fn wasm_memory_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    return Some(core::arch::wasm32::memory_size(0) as u64 * 65_536);
    #[cfg(not(target_arch = "wasm32"))]
    None
}
