//! `GET /reconcile` reports R2 objects without rows and rows without
//! objects; `POST /reconcile` removes them, or with `adopt=true` makes the
//! objects without rows into images instead. One window of keys per call.

mod adopt;
mod domain;

pub use domain::ListedObject;

use crate::audit::Actor;
use imghost_shared::api::trash::is_trash_key;
use imghost_shared::api::AuditAction;

use crate::context::AppContext;
use crate::error::ApiResult;
use crate::http::{json, query_string};
use crate::images::domain::ObjectStore;
use crate::images::service::{D1Images, R2Objects, WorkerRuntime};
use imghost_shared::api::{ReconcileQuery, ReconcileReport};
use imghost_shared::{thumbnail, widths};
use worker::{Date, Method, Request, Response};

/// R2 lists at most this many keys per call; the window follows it.
const WINDOW: u32 = 1000;
/// Objects read and adopted per call at most: each is read whole, and a
/// call must stay within a Worker's limits.
const ADOPT_PER_CALL: usize = 20;

/// Whether an object without a row may become an image: not a thumbnail
/// or width of one, nor anything under the trash's prefix.
fn is_adoptable(key: &str) -> bool {
    thumbnail::image_key_of(key).is_none()
        && widths::image_key_of(key).is_none()
        && !is_trash_key(key)
}

pub async fn handle_reconcile(req: Request, app: &AppContext) -> ApiResult<Response> {
    let caller = app.authorize(&req).await?;
    let actor = Actor::of(&caller, &req)?;
    let query = ReconcileQuery::from_query_string(&query_string(&req)?);
    let after = query.cursor;
    let adopting = query.adopt && req.method() == Method::Post;
    let repair = req.method() == Method::Post && !adopting;
    if repair && after.is_none() {
        // Moves that requests left half-done (and trash from before the
        // private bucket) are finished first, so what is compared is settled.
        crate::trash::finish_stale_moves(app, &actor).await?;
    }
    let base_url = app.image_base_url(&req)?;
    let objects = R2Objects(&app.bucket);
    let table = D1Images::audited(&app.db, &actor).adopting();

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
    // A refused template names no keys: only today's shape counts as ours.
    let template = app
        .config
        .key_template
        .as_ref()
        .ok()
        .and_then(Option::as_ref);
    let now_ms = Date::now().as_millis() as i64;
    // Thumbnails without a row of their own: their image's row may lie
    // outside this window, so ask which of them some row names.
    let thumbnail_keys: Vec<&str> = listed_objects
        .iter()
        .map(|object| object.key.as_str())
        .filter(|key| thumbnail::image_key_of(key).is_some())
        .filter(|key| !rows.iter().any(|row| row.object_key == *key))
        .collect();
    let mut extras = table.thumbnails_among(&thumbnail_keys).await?;
    // Widths likewise, named by their image's live row.
    let width_keys: Vec<&str> = listed_objects
        .iter()
        .map(|object| object.key.as_str())
        .filter(|key| widths::image_key_of(key).is_some())
        .collect();
    extras.extend(table.widths_among(&width_keys).await?);
    let mut differences =
        domain::compare(&listed_objects, &rows, &extras, template, now_ms, grace_ms);
    let (mut adopted, mut not_adopted) = (Vec::new(), Vec::new());
    if adopting {
        // A thumbnail or width without its image is an orphan, never a new
        // image.
        let mut candidates: Vec<&String> = differences
            .orphan_objects
            .iter()
            .chain(&differences.foreign_objects)
            .filter(|key| is_adoptable(key))
            .collect();
        candidates.sort();
        if candidates.len() > ADOPT_PER_CALL {
            // The rest of this window waits for the next call.
            let last = candidates[ADOPT_PER_CALL - 1].clone();
            listed_objects.retain(|object| object.key <= last);
            let rows: Vec<_> = rows
                .iter()
                .filter(|row| row.object_key <= last)
                .cloned()
                .collect();
            differences =
                domain::compare(&listed_objects, &rows, &extras, template, now_ms, grace_ms);
            window_end = Some(last);
        }
        let rules = adopt::AdoptRules {
            max_bytes: app.config.max_upload_bytes,
            max_pixels: app.config.max_image_pixels,
            allow_svg: app.config.allow_svg,
            stored_url_base: app.config.stored_url_base(),
        };
        let runtime = WorkerRuntime(None);
        for object in &listed_objects {
            let unrowed = differences.orphan_objects.contains(&object.key)
                || differences.foreign_objects.contains(&object.key);
            let unrowed = unrowed && is_adoptable(&object.key);
            if !unrowed {
                continue;
            }
            let candidate = adopt::Candidate {
                key: &object.key,
                uploaded_ms: object.uploaded_ms,
                size: object.size,
            };
            match adopt::adopt(&objects, &table, &runtime, &rules, &candidate).await {
                Ok(image) => adopted.push(image.served_from(&base_url)),
                Err(why) => not_adopted.push(format!("{}: {why}", object.key)),
            }
        }
    }
    // What was adopted is no longer without a row.
    let is_adopted = |key: &String| adopted.iter().any(|image| &image.object_key == key);
    differences.orphan_objects.retain(|key| !is_adopted(key));
    differences.foreign_objects.retain(|key| !is_adopted(key));
    if repair {
        // Each removal is recorded first: a removal never goes unrecorded.
        let records = differences
            .orphan_objects
            .iter()
            .map(|key| {
                actor.record_always(
                    &app.db,
                    AuditAction::ReconcileRepair,
                    Some(key),
                    Some("orphan object removed"),
                )
            })
            .collect::<worker::Result<Vec<_>>>()?;
        if !records.is_empty() {
            app.db.batch(records).await?;
        }
        objects.delete_many(&differences.orphan_objects).await?;
        table
            .delete_rows(&differences.missing_objects, now_ms)
            .await?;
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
        adopted,
        not_adopted,
        next_cursor: window_end,
    })
}
