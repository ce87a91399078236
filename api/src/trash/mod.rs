//! The trash over HTTP: list, restore, purge; and the scheduled clean-up.

pub mod domain;

use crate::audit::Actor;
use crate::error::{ApiError, ApiResult};
use crate::images::domain::delete_image;
use crate::images::queries;
use crate::images::service::{D1Images, R2Objects};
use crate::{json, query_string, AppContext};
use domain::Restored;
use imghost_shared::api::trash::PURGE_BATCH;
use imghost_shared::api::{
    ImageId, ImageRecord, ListQuery, ListResponse, PageRequest, PurgeResponse, RestoreResponse,
    TrashQuery,
};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Date, Request, Response, RouteContext};

fn now_ms() -> i64 {
    Date::now().as_millis() as i64
}

/// Moves an image to the trash for `DELETE /delete`; `None` if there is no
/// live image with that id.
pub async fn move_to_trash(
    app: &AppContext,
    actor: &Actor,
    id: ImageId,
) -> ApiResult<Option<ImageRecord>> {
    let table = D1Images::audited(&app.db, actor);
    let objects = R2Objects(&app.bucket);
    let Some(trashed) = domain::move_to_trash(&objects, &table, id, now_ms()).await? else {
        return Ok(None);
    };
    if !trashed.has_bytes {
        // Its bytes were already gone: nothing to restore, so no trash.
        purge(app, actor, &[id]).await?;
    }
    Ok(Some(trashed.image))
}

/// Takes an image out of the trash: 404 if it is not there, 409 if its
/// URL is taken.
pub async fn restore(app: &AppContext, actor: &Actor, id: ImageId) -> ApiResult<ImageRecord> {
    let table = D1Images::audited(&app.db, actor);
    match domain::restore(&R2Objects(&app.bucket), &table, id).await? {
        Restored::Done(image) => Ok(*image),
        Restored::NotInTrash => Err(ApiError::NotFound(format!(
            "Image {id} is not in the trash"
        ))),
        Restored::UrlTaken(key) => Err(ApiError::Conflict(format!(
            "Something else is stored at {key} now, so image {id} cannot come back there"
        ))),
    }
}

/// `GET /trash?pageSize=&cursor=`: the shape of `GET /query`.
pub async fn handle_list(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    app.authorize(&req).await?;
    let query = ListQuery::from_query_string(&query_string(&req)?)?;
    let below = match query.page {
        PageRequest::After(last) => last.0,
        PageRequest::Number(_) => i64::MAX,
    };
    let images: Vec<ImageRecord> = app
        .db
        .prepare(queries::TRASH_PAGE)
        .bind(&[
            JsValue::from_f64(below as f64),
            JsValue::from_f64(f64::from(query.page_size)),
        ])?
        .all()
        .await?
        .results()?;
    let next_cursor = (images.len() == query.page_size as usize)
        .then(|| {
            images
                .last()
                .map(|last| imghost_shared::api::encode_cursor(last.id))
        })
        .flatten();
    let base_url = app.image_base_url(&req)?;
    json(&ListResponse {
        success: true,
        results: images
            .into_iter()
            .map(|image| image.served_from(&base_url))
            .collect(),
        total: trash_count(&app.db).await?,
        next_cursor,
    })
}

async fn trash_count(db: &D1Database) -> ApiResult<u64> {
    #[derive(Deserialize)]
    struct Count {
        trash_count: u64,
    }
    Ok(db
        .prepare(queries::TRASH_COUNT)
        .first::<Count>(None)
        .await?
        .map_or(0, |count| count.trash_count))
}

/// `POST /trash/restore?id=N`
pub async fn handle_restore(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    let caller = app.authorize(&req).await?;
    let id = TrashQuery::from_query_string(&query_string(&req)?)
        .map_err(ApiError::BadRequest)?
        .id
        .ok_or_else(|| ApiError::BadRequest("Pass the image: ?id=N".into()))?;
    let image = restore(app, &Actor::of(&caller, &req)?, id).await?;
    json(&RestoreResponse {
        success: true,
        image: image.served_from(&app.image_base_url(&req)?),
    })
}

/// `DELETE /trash?id=N` purges one image; `DELETE /trash` empties the
/// trash, `PURGE_BATCH` images per call.
pub async fn handle_purge(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    let caller = app.authorize(&req).await?;
    let actor = Actor::of(&caller, &req)?;
    let query =
        TrashQuery::from_query_string(&query_string(&req)?).map_err(ApiError::BadRequest)?;
    let purged = match query.id {
        Some(id) => {
            if !purge(app, &actor, &[id]).await? {
                return Err(ApiError::NotFound(format!(
                    "Image {id} is not in the trash"
                )));
            }
            1
        }
        None => {
            let ids = trashed_before(&app.db, i64::MAX).await?;
            purge(app, &actor, &ids).await?;
            ids.len() as u64
        }
    };
    json(&PurgeResponse {
        success: true,
        purged,
        remaining: trash_count(&app.db).await?,
    })
}

/// Up to `PURGE_BATCH` trashed images deleted at or before `cutoff_ms`.
async fn trashed_before(db: &D1Database, cutoff_ms: i64) -> ApiResult<Vec<ImageId>> {
    #[derive(Deserialize)]
    struct Row {
        id: ImageId,
    }
    let rows: Vec<Row> = db
        .prepare(queries::TRASHED_BEFORE)
        .bind(&[
            JsValue::from_f64(cutoff_ms as f64),
            JsValue::from_f64(f64::from(PURGE_BATCH)),
        ])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// Deletes trashed images for good, row (with its audit row) before
/// objects; whether any was in the trash.
async fn purge(app: &AppContext, actor: &Actor, ids: &[ImageId]) -> ApiResult<bool> {
    let objects = R2Objects(&app.bucket);
    let table = D1Images::audited(&app.db, actor);
    let mut any = false;
    for id in ids {
        any |= delete_image(&objects, &table, *id).await?.is_some();
    }
    Ok(any)
}

/// The Cron Trigger's work: the trash past `TRASH_DAYS`, the audit log
/// past `AUDIT_RETENTION_DAYS`, and daily upload counts past yesterday.
pub async fn clean_up(app: &AppContext) -> ApiResult<()> {
    let now = now_ms();
    let readable = |name| !app.config.unreadable.contains(&name);
    for name in &app.config.unreadable {
        worker::console_error!("{}", crate::unreadable_warning(name));
    }
    if readable("TRASH_DAYS") {
        let cutoff = now - (app.config.trash_days as i64) * 86_400_000;
        let actor = Actor::cron();
        loop {
            let ids = trashed_before(&app.db, cutoff).await?;
            purge(app, &actor, &ids).await?;
            if ids.len() < PURGE_BATCH as usize {
                break;
            }
        }
    }
    if readable("AUDIT_RETENTION_DAYS") {
        crate::audit::prune(&app.db, app.config.audit_retention_days, now).await?;
    }
    app.db
        .prepare(queries::PRUNE_DAILY_UPLOADS)
        .bind(&[JsValue::from_f64((now / 86_400_000 - 1) as f64)])?
        .run()
        .await?;
    Ok(())
}
