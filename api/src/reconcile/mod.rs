//! `GET /reconcile` reports R2 objects without rows and rows without
//! objects; `POST /reconcile` removes them. One window of keys per call.

mod domain;

pub use domain::ListedObject;

use crate::error::ApiResult;
use crate::images::service::{D1Images, R2Objects};
use crate::{json, query_string, AppContext};
use imghost_shared::api::{ReconcileQuery, ReconcileReport};
use worker::{Date, Method, Request, Response, RouteContext};

/// R2 lists at most this many keys per call; the window follows it.
const WINDOW: u32 = 1000;

pub async fn handle_reconcile(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    app.authorize(&req).await?;
    let after = ReconcileQuery::from_query_string(&query_string(&req)?).cursor;
    let repair = req.method() == Method::Post;
    let base_url = app.image_base_url(&req)?;
    let objects = R2Objects(&app.bucket);
    let table = D1Images(&app.db);

    let listed = objects.list_after(after.as_deref(), WINDOW).await?;
    // The window ends at the last listed key, unless the bucket has no more.
    let mut window_end = listed
        .truncated
        .then(|| listed.objects.last().map(|o| o.key.clone()))
        .flatten();
    let rows = table
        .rows_in_key_window(after.as_deref(), window_end.as_deref(), WINDOW)
        .await?;
    let mut listed_objects = listed.objects;
    if rows.len() as u32 == WINDOW {
        // More rows than objects in this window: shrink it to the rows read.
        let last_row_key = rows.last().map(|row| row.object_key.clone());
        listed_objects.retain(|object| Some(&object.key) <= last_row_key.as_ref());
        window_end = last_row_key;
    }
    let grace_ms = app.config.orphan_grace_seconds as i64 * 1000;
    let now_ms = Date::now().as_millis() as i64;
    let differences = domain::compare(&listed_objects, &rows, now_ms, grace_ms);
    if repair {
        objects.delete_many(&differences.orphan_objects).await?;
        table.delete_rows(&differences.missing_objects).await?;
    }
    json(&ReconcileReport {
        success: true,
        objects_checked: listed_objects.len() as u64,
        rows_checked: rows.len() as u64,
        orphan_objects: differences.orphan_objects,
        foreign_objects: differences.foreign_objects,
        missing_objects: differences
            .missing_objects
            .into_iter()
            .map(|image| image.served_from(&base_url))
            .collect(),
        repaired: repair,
        next_cursor: window_end,
    })
}
