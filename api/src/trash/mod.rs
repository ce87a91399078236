//! The trash over HTTP: list, restore, purge; and the scheduled clean-up.
//! The moves themselves are in `domain`.

pub mod domain;

use crate::audit::Actor;
use crate::context::AppContext;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_string};
use crate::images::queries;
use crate::images::service::{D1Images, R2Objects, WorkerRuntime};
use domain::{Buckets, Direction, Moved};
use imghost_shared::api::trash::PURGE_BATCH;
use imghost_shared::api::{
    ImageId, ImageRecord, ListQuery, ListResponse, PageRequest, PurgeResponse, RestoreResponse,
    TrashQuery,
};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Date, Request, Response};

fn now_ms() -> i64 {
    Date::now().as_millis() as i64
}

/// What a move needs: the image bucket and the private trash (503 without
/// it), the table recording changes as the caller's, and the clock.
struct Mover<'a> {
    public: R2Objects<'a>,
    trash: R2Objects<'a>,
    table: D1Images<'a>,
    clock: WorkerRuntime<'a>,
}

impl<'a> Mover<'a> {
    fn new(app: &'a AppContext, actor: &'a Actor) -> ApiResult<Self> {
        Ok(Self {
            public: R2Objects(&app.bucket),
            trash: R2Objects(app.trash_bucket()?),
            table: D1Images::audited(&app.db, actor),
            clock: WorkerRuntime(None),
        })
    }

    fn buckets(&self) -> Buckets<'_, R2Objects<'a>> {
        Buckets {
            public: &self.public,
            trash: &self.trash,
        }
    }
}

/// Moves an image to the trash for `DELETE /delete`; `None` if there is no
/// live image with that id. An image whose bytes were already gone is
/// purged instead: there is nothing to restore.
pub async fn move_to_trash(
    app: &AppContext,
    actor: &Actor,
    id: ImageId,
) -> ApiResult<Option<ImageRecord>> {
    let mover = Mover::new(app, actor)?;
    let moved = domain::move_to_trash(&mover.buckets(), &mover.table, &mover.clock, id).await?;
    Ok(match moved {
        Moved::Done(image) | Moved::BytesLost(image) => Some(*image),
        Moved::NotApplicable | Moved::UrlTaken(_) => None,
    })
}

/// Takes an image out of the trash: 404 if it is not there.
pub async fn restore(app: &AppContext, actor: &Actor, id: ImageId) -> ApiResult<ImageRecord> {
    let mover = Mover::new(app, actor)?;
    match domain::restore(&mover.buckets(), &mover.table, &mover.clock, id).await? {
        Moved::Done(image) => Ok(*image),
        Moved::NotApplicable => Err(ApiError::NotFound(format!(
            "Image {id} is not in the trash"
        ))),
        Moved::BytesLost(_) => Err(ApiError::NotFound(format!(
            "Image {id} cannot come back: its bytes were gone, so it was purged"
        ))),
        Moved::UrlTaken(key) => Err(crate::images::upload::url_taken(id, &key)),
    }
}

/// `GET /trash?pageSize=&cursor=`: the shape of `GET /query`.
pub async fn handle_list(req: Request, app: &AppContext) -> ApiResult<Response> {
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
pub async fn handle_restore(req: Request, app: &AppContext) -> ApiResult<Response> {
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
pub async fn handle_purge(req: Request, app: &AppContext) -> ApiResult<Response> {
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

/// Deletes trashed images for good: every copy, then the row (its key
/// retired with it); whether any was in the trash.
async fn purge(app: &AppContext, actor: &Actor, ids: &[ImageId]) -> ApiResult<bool> {
    let mover = Mover::new(app, actor)?;
    let mut any = false;
    for id in ids {
        let purged = domain::purge(&mover.buckets(), &mover.table, &mover.clock, *id).await?;
        any |= matches!(purged, Moved::Done(_));
    }
    Ok(any)
}

/// Moves left half-done by requests that died (and rows trashed before the
/// private trash, whose bytes still sit under `.trash/` in the image
/// bucket), finished in their own direction, `PURGE_BATCH` at a time;
/// how many were finished.
pub async fn finish_stale_moves(app: &AppContext, actor: &Actor) -> ApiResult<u64> {
    #[derive(Deserialize)]
    struct Stale {
        id: ImageId,
        move_to: String,
    }
    let mover = Mover::new(app, actor)?;
    let mut finished = 0;
    loop {
        let stale: Vec<Stale> = app
            .db
            .prepare(queries::STALE_MOVES)
            .bind(&[
                JsValue::from_f64((now_ms() - domain::CLAIM_LEASE_MS) as f64),
                JsValue::from_f64(f64::from(PURGE_BATCH)),
            ])?
            .all()
            .await?
            .results()?;
        for row in &stale {
            let Some(to) = Direction::parse(&row.move_to) else {
                continue;
            };
            let moved =
                domain::resume(&mover.buckets(), &mover.table, &mover.clock, row.id, to).await?;
            finished += u64::from(!matches!(moved, Moved::NotApplicable));
        }
        if stale.len() < PURGE_BATCH as usize {
            return Ok(finished);
        }
    }
}

/// How many moves ran out without being finished (shown in `/stats`).
pub async fn stale_move_count(db: &D1Database) -> ApiResult<u64> {
    #[derive(Deserialize)]
    struct Count {
        stale: u64,
    }
    Ok(db
        .prepare(queries::STALE_MOVE_COUNT)
        .bind(&[JsValue::from_f64(
            (now_ms() - domain::CLAIM_LEASE_MS) as f64,
        )])?
        .first::<Count>(None)
        .await?
        .map_or(0, |count| count.stale))
}

/// The Cron Trigger's work: moves left half-done, the trash past
/// `TRASH_DAYS`, the audit log past `AUDIT_RETENTION_DAYS`, and daily
/// upload counts past yesterday.
pub async fn clean_up(app: &AppContext) -> ApiResult<()> {
    let now = now_ms();
    let readable = |name| !app.config.unreadable.contains(&name);
    for name in &app.config.unreadable {
        worker::console_error!("{}", crate::context::unreadable_warning(name));
    }
    let actor = Actor::cron();
    finish_stale_moves(app, &actor).await?;
    if readable("TRASH_DAYS") {
        let cutoff = now - (app.config.trash_days as i64) * 86_400_000;
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
