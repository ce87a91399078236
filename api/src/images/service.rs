//! R2 and D1 behind the domain traits, plus the read-only queries.

use super::domain::{
    extra_refusal, refusal, Extra, ImageTable, Inserted, Limits, NewImage, ObjectStore, Refusal,
    StoreError, Usage,
};
use super::queries::{self, Param, Statement};
use super::upload::Runtime;
use crate::audit::{batch_with_record, Actor};
use crate::error::ApiResult;
use crate::reconcile::ListedObject;
use crate::tinify::{self, TinifyConfig};
use crate::trash::domain::{Claim, Clock, Direction, Lost, Pending, TrashTable};
use imghost_shared::api::{encode_cursor, AuditAction, ImageId, ImageRecord, ListQuery};
use imghost_shared::image::ImageInfo;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use worker::{Bucket, D1Database, D1PreparedStatement, D1Result, Date};

impl From<worker::Error> for StoreError {
    fn from(error: worker::Error) -> Self {
        Self(error.to_string())
    }
}

pub struct R2Objects<'a>(pub &'a Bucket);

fn set(object: &js_sys::Object, key: &str, value: &JsValue) -> Result<(), StoreError> {
    js_sys::Reflect::set(object, &key.into(), value)
        .map(|_| ())
        .map_err(|error| StoreError(format!("{error:?}")))
}

impl From<JsValue> for StoreError {
    fn from(error: JsValue) -> Self {
        Self(format!("{error:?}"))
    }
}

impl ObjectStore for R2Objects<'_> {
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), StoreError> {
        // R2's own `put`, handed a JS copy of the bytes: the binding's
        // `Data::Bytes` would take a second copy inside wasm memory first,
        // and wasm memory never shrinks (uploads are up to 20 MiB).
        let metadata = js_sys::Object::new();
        set(&metadata, "contentType", &content_type.into())?;
        set(
            &metadata,
            "cacheControl",
            &crate::files::CACHE_CONTROL.into(),
        )?;
        let options = js_sys::Object::new();
        set(&options, "httpMetadata", &metadata)?;
        let bucket: &JsValue = self.0.as_ref();
        let put: js_sys::Function = js_sys::Reflect::get(bucket, &"put".into())?.unchecked_into();
        let body = js_sys::Uint8Array::from(bytes);
        let promise = put.call3(bucket, &key.into(), &body, &options)?;
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        Ok(self.0.delete(key).await?)
    }

    async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.0.head(key).await?.is_some())
    }

    async fn delete_many(&self, keys: &[String]) -> Result<(), StoreError> {
        if !keys.is_empty() {
            self.0.delete_multiple(keys.to_vec()).await?;
        }
        Ok(())
    }

    async fn copy_to(
        &self,
        key: &str,
        target: &Self,
        target_key: &str,
    ) -> Result<bool, StoreError> {
        // The body streams from R2 to R2 through the runtime, never through
        // wasm memory, however large the image.
        let method = |bucket: &JsValue, name: &str| -> Result<js_sys::Function, StoreError> {
            Ok(js_sys::Reflect::get(bucket, &name.into())?.unchecked_into())
        };
        let source: &JsValue = self.0.as_ref();
        let got = method(source, "get")?.call1(source, &key.into())?;
        let object = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(got)).await?;
        if object.is_null() || object.is_undefined() {
            return Ok(false);
        }
        let body = js_sys::Reflect::get(&object, &"body".into())?;
        let options = js_sys::Object::new();
        set(
            &options,
            "httpMetadata",
            &js_sys::Reflect::get(&object, &"httpMetadata".into())?,
        )?;
        let destination: &JsValue = target.0.as_ref();
        let put =
            method(destination, "put")?.call3(destination, &target_key.into(), &body, &options)?;
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(put)).await?;
        Ok(true)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(object) = self.0.get(key).execute().await? else {
            return Ok(None);
        };
        match object.body() {
            Some(body) => Ok(Some(body.bytes().await?)),
            None => Ok(Some(Vec::new())),
        }
    }
}

/// One page of an R2 listing in key order.
pub struct Listing {
    pub objects: Vec<ListedObject>,
    pub truncated: bool,
}

impl R2Objects<'_> {
    pub async fn list_after(&self, after: Option<&str>, limit: u32) -> Result<Listing, StoreError> {
        let mut list = self.0.list().limit(limit);
        if let Some(after) = after {
            list = list.start_after(after);
        }
        let listed = list.execute().await?;
        Ok(Listing {
            objects: listed
                .objects()
                .iter()
                .map(|object| ListedObject {
                    key: object.key(),
                    uploaded_ms: object.uploaded().as_millis() as i64,
                    size: object.size(),
                })
                .collect(),
            truncated: listed.truncated(),
        })
    }
}

/// The images table. Built `audited`, its changes are recorded in the
/// audit log in the same batch (inserts as the given action).
pub struct D1Images<'a> {
    db: &'a D1Database,
    audit: Option<(&'a Actor, AuditAction)>,
}

fn id_param(id: ImageId) -> JsValue {
    JsValue::from_f64(id.0 as f64)
}

fn to_js(param: &Param) -> JsValue {
    match param {
        Param::Int(value) => JsValue::from_f64(*value as f64),
        Param::Text(text) => JsValue::from_str(text),
    }
}

fn optional<T: Into<f64>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::NULL, |v| JsValue::from_f64(v.into()))
}

impl<'a> D1Images<'a> {
    pub fn new(db: &'a D1Database) -> Self {
        Self { db, audit: None }
    }

    /// Changes recorded as `actor`'s, inserts as uploads.
    pub fn audited(db: &'a D1Database, actor: &'a Actor) -> Self {
        Self {
            db,
            audit: Some((actor, AuditAction::Upload)),
        }
    }

    /// Inserts recorded as reconcile repairs: objects adopted as images.
    pub fn adopting(self) -> Self {
        Self {
            audit: self
                .audit
                .map(|(actor, _)| (actor, AuditAction::ReconcileRepair)),
            ..self
        }
    }

    /// Runs a change returning rows, with its audit row when audited.
    async fn change(
        &self,
        statement: D1PreparedStatement,
        action: AuditAction,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> Result<Option<ImageRecord>, StoreError> {
        let result = match self.audit {
            None => statement.all().await?,
            Some((actor, _)) => {
                let record = actor.record(self.db, action, target, detail)?;
                batch_with_record(self.db, statement, record).await?
            }
        };
        Ok(result.results::<ImageRecord>()?.into_iter().next())
    }

    /// Runs a change that the audit log does not record (a step of a move
    /// whose start or end is recorded).
    async fn unrecorded(
        &self,
        sql: &str,
        params: &[JsValue],
    ) -> Result<Option<ImageRecord>, StoreError> {
        Ok(self
            .db
            .prepare(sql)
            .bind(params)?
            .all()
            .await?
            .results::<ImageRecord>()?
            .into_iter()
            .next())
    }

    fn prepare(&self, statement: &Statement) -> worker::Result<D1PreparedStatement> {
        let params: Vec<JsValue> = statement.params.iter().map(to_js).collect();
        self.db.prepare(&statement.sql).bind(&params)
    }

    async fn one(&self, sql: &str, params: &[JsValue]) -> Result<Option<ImageRecord>, StoreError> {
        Ok(self
            .db
            .prepare(sql)
            .bind(params)?
            .first::<ImageRecord>(None)
            .await?)
    }

    /// One page of the newest-first listing, the total, and the cursor of
    /// the next page, in one round trip: a page of 50 reads 51 rows.
    pub async fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        let (page, total) = queries::listing(query);
        let results = self
            .db
            .batch(vec![self.prepare(&page)?, self.prepare(&total)?])
            .await?;
        let [rows, total] = <[_; 2]>::try_from(results)
            .map_err(|_| StoreError("D1 batch returned the wrong number of results".into()))?;
        let rows_read = [&rows, &total]
            .iter()
            .filter_map(|result| result.meta().ok().flatten()?.rows_read)
            .sum();
        let images: Vec<ImageRecord> = rows.results()?;
        // A full page may have more after it. (Reading one row more to be
        // sure would cost a row read on every page to save one request at
        // the very end.)
        let next_cursor = (images.len() == query.page_size as usize)
            .then(|| images.last().map(|last| encode_cursor(last.id)))
            .flatten();
        #[derive(Deserialize)]
        struct Total {
            total: u64,
        }
        let total = total.results::<Total>()?.first().map_or(0, |t| t.total);
        Ok(Page {
            images,
            total,
            next_cursor,
            rows_read,
        })
    }
}

impl D1Images<'_> {
    pub async fn rows_in_key_window(
        &self,
        after: Option<&str>,
        end: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ImageRecord>, StoreError> {
        let statement = queries::rows_in_key_window(after, end, limit);
        Ok(self.prepare(&statement)?.all().await?.results()?)
    }

    /// Which of `keys` are some row's thumbnail, in one batch.
    pub async fn thumbnails_among(&self, keys: &[&str]) -> Result<Vec<String>, StoreError> {
        #[derive(serde::Deserialize)]
        struct Owned {
            thumbnail_key: String,
        }
        let rows: Vec<Owned> = self.among(queries::THUMBNAILS_AMONG, keys).await?;
        Ok(rows.into_iter().map(|row| row.thumbnail_key).collect())
    }

    /// The rows `sql` reads for `keys`, taken `THUMBNAILS_AMONG_KEYS` at a
    /// time as its parameters (unused ones NULL), in one batch.
    async fn among<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        keys: &[&str],
    ) -> Result<Vec<T>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let statements = keys
            .chunks(queries::THUMBNAILS_AMONG_KEYS)
            .map(|chunk| {
                let mut params: Vec<JsValue> = chunk.iter().map(|key| (*key).into()).collect();
                params.resize(queries::THUMBNAILS_AMONG_KEYS, JsValue::NULL);
                self.db.prepare(sql).bind(&params)
            })
            .collect::<worker::Result<Vec<_>>>()?;
        let mut rows = Vec::new();
        for result in self.db.batch(statements).await? {
            rows.extend(result.results::<T>()?);
        }
        Ok(rows)
    }

    /// Which of `keys` (widths' keys) a live row names as one of its
    /// widths, in one batch.
    pub async fn widths_among(&self, keys: &[&str]) -> Result<Vec<String>, StoreError> {
        let mut image_keys: Vec<&str> = Vec::new();
        for (image_key, _) in keys
            .iter()
            .filter_map(|key| imghost_shared::widths::image_key_of(key))
        {
            if !image_keys.contains(&image_key) {
                image_keys.push(image_key);
            }
        }
        let rows: Vec<ImageRecord> = self.among(queries::LIVE_WIDTHS_OF, &image_keys).await?;
        let named: Vec<String> = rows
            .iter()
            .flat_map(|row| imghost_shared::widths::keys_for(&row.object_key, &row.widths))
            .collect();
        Ok(keys
            .iter()
            .filter(|key| named.iter().any(|named| named == *key))
            .map(|key| key.to_string())
            .collect())
    }

    /// Deletes rows whose objects are missing, in one batch, each only if
    /// it is still that live, settled row under that key (a row that moved
    /// meanwhile is not what was compared), its key retired first and its
    /// audit row after.
    pub async fn delete_rows(&self, rows: &[ImageRecord], now_ms: i64) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut statements = Vec::new();
        for row in rows {
            let key = JsValue::from_str(&row.object_key);
            statements.push(self.db.prepare(queries::RETIRE_MISSING).bind(&[
                id_param(row.id),
                key.clone(),
                JsValue::from_f64(now_ms as f64),
            ])?);
            statements.push(
                self.db
                    .prepare(queries::DELETE_MISSING)
                    .bind(&[id_param(row.id), key])?,
            );
            if let Some((actor, _)) = self.audit {
                let detail = format!("row without its object {}", row.object_key);
                statements.push(actor.record(
                    self.db,
                    AuditAction::ReconcileRepair,
                    Some(&row.id.to_string()),
                    Some(&detail),
                )?);
            }
        }
        self.db.batch(statements).await?;
        Ok(())
    }
}

pub struct Page {
    pub images: Vec<ImageRecord>,
    pub total: u64,
    pub next_cursor: Option<String>,
    /// D1's count of rows read for this page, which is what D1 bills.
    pub rows_read: usize,
}

/// The move columns read beside an image's (`moving_columns!`).
#[derive(Deserialize)]
struct MoveColumns {
    move_to: Option<String>,
    move_claimed_at: Option<i64>,
}

impl MoveColumns {
    fn pending(self) -> Option<Pending> {
        Some(Pending {
            to: Direction::parse(&self.move_to?)?,
            claimed_at: self.move_claimed_at.unwrap_or(0),
        })
    }
}

/// The first row of a result read with `moving_columns!`: the same row
/// read twice, as the image and as its move.
fn first_with_move(
    result: &D1Result,
) -> Result<Option<(ImageRecord, Option<Pending>)>, StoreError> {
    let image = result.results::<ImageRecord>()?.into_iter().next();
    let moving = result.results::<MoveColumns>()?.into_iter().next();
    Ok(image
        .zip(moving)
        .map(|(image, moving)| (image, moving.pending())))
}

fn usage_of(result: &D1Result) -> Result<Usage, StoreError> {
    #[derive(Deserialize)]
    struct Row {
        stored_bytes: u64,
        uploads_today: u64,
    }
    let row = result
        .results::<Row>()?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError("image_stats has no row: run the migrations".into()))?;
    Ok(Usage {
        stored_bytes: row.stored_bytes,
        uploads_today: row.uploads_today,
    })
}

fn flag(value: bool) -> JsValue {
    JsValue::from_f64(if value { 1.0 } else { 0.0 })
}

fn ms(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

impl D1Images<'_> {
    async fn batch_of<const N: usize>(
        &self,
        statements: Vec<D1PreparedStatement>,
    ) -> Result<[D1Result; N], StoreError> {
        <[D1Result; N]>::try_from(self.db.batch(statements).await?)
            .map_err(|_| StoreError("D1 batch returned the wrong number of results".into()))
    }
}

impl ImageTable for D1Images<'_> {
    async fn set_compression_count(&self, count: u64) -> Result<(), StoreError> {
        let statement = self.db.prepare(queries::SET_COMPRESSION_COUNT);
        statement
            .bind(&[JsValue::from_f64(count as f64)])?
            .run()
            .await?;
        Ok(())
    }

    async fn find_by_sha256(
        &self,
        sha256: &str,
    ) -> Result<Option<(ImageRecord, Option<Pending>)>, StoreError> {
        let result = self
            .db
            .prepare(queries::FIND_BY_SHA256)
            .bind(&[sha256.into()])?
            .all()
            .await?;
        first_with_move(&result)
    }

    async fn insert(&self, image: &NewImage, limits: &Limits) -> Result<Inserted, StoreError> {
        let text = |value: &str| JsValue::from_str(value);
        let params = [
            text(&image.object_key),
            text(&image.original_name),
            text(&image.image_url),
            text(&image.content_type),
            JsValue::from_f64(image.size as f64),
            ms(image.created_at),
            optional(image.width),
            optional(image.height),
            text(&image.sha256),
            JsValue::from_f64(image.original_size as f64),
            text(&image.compressed_by),
            queries::search_text(&image.original_name).into(),
            flag(image.animated),
            image.thumbnail_key.as_deref().map_or(JsValue::NULL, text),
            optional(image.thumbnail_size.map(|size| size as f64)),
            text(&image.stored_sha256),
            match image.claimed_at {
                Some(_) => text(Direction::Live.as_str()),
                None => JsValue::NULL,
            },
            optional(image.claimed_at.map(|at| at as f64)),
            JsValue::from_f64(limits.max_storage_bytes as f64),
            optional(limits.max_uploads_per_day.map(|limit| limit as f64)),
            flag(image.shares_bytes),
            widths_column(&image.widths),
            optional(image.widths_size.map(|size| size as f64)),
        ];
        let statement = self.db.prepare(queries::INSERT).bind(&params)?;
        let action = self
            .audit
            .map_or(AuditAction::Upload, |(_, inserts_as)| inserts_as);
        // No target: the audit row names the id the insert made.
        if let Some(row) = self
            .change(statement, action, None, Some(&image.original_name))
            .await?
        {
            return Ok(Inserted::Row(row));
        }
        // Refused: one round trip reads everything that can stand in the way.
        let [same_bytes, at_key, retired, usage] = self
            .batch_of(vec![
                self.db
                    .prepare(queries::FIND_BY_SHA256)
                    .bind(&[text(&image.sha256)])?,
                self.db
                    .prepare(queries::GET_BY_KEY)
                    .bind(&[text(&image.object_key)])?,
                self.db
                    .prepare(queries::RETIRED_KEY)
                    .bind(&[text(&image.object_key)])?,
                self.db.prepare(queries::USAGE),
            ])
            .await?;
        #[derive(Deserialize)]
        struct Retired {
            stored_sha256: Option<String>,
        }
        let retired = retired
            .results::<Retired>()?
            .into_iter()
            .next()
            .map(|row| row.stored_sha256);
        Ok(Inserted::Refused(refusal(
            image,
            first_with_move(&same_bytes)?,
            at_key.results::<ImageRecord>()?.into_iter().next(),
            retired,
            usage_of(&usage)?,
            limits,
        )))
    }

    async fn find_by_key(&self, key: &str) -> Result<Option<ImageRecord>, StoreError> {
        self.one(queries::GET_BY_KEY, &[key.into()]).await
    }

    async fn find_by_id(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        self.one(queries::GET_BY_ID, &[id_param(id)]).await
    }

    async fn set_extra(
        &self,
        id: ImageId,
        image_key: &str,
        extra: Extra<'_>,
        limits: &Limits,
    ) -> Result<Result<ImageRecord, Refusal>, StoreError> {
        let size = extra.size();
        let bytes = JsValue::from_f64(size as f64);
        let room = JsValue::from_f64(limits.max_storage_bytes as f64);
        let (sql, recorded, action, detail) = match extra {
            Extra::Thumbnail(thumbnail) => {
                let key = thumbnail.key_for(image_key);
                (
                    queries::SET_THUMBNAIL,
                    key.as_str().into(),
                    AuditAction::Thumbnail,
                    key,
                )
            }
            Extra::Widths(sent) => {
                let widths: Vec<u32> = sent.iter().map(|width| width.width).collect();
                let detail = imghost_shared::widths::to_column(&widths);
                (
                    queries::SET_WIDTHS,
                    widths_column(&widths),
                    AuditAction::Widths,
                    detail,
                )
            }
        };
        let statement = self
            .db
            .prepare(sql)
            .bind(&[id_param(id), recorded, bytes, room])?;
        let target = id.to_string();
        if let Some(row) = self
            .change(statement, action, Some(&target), Some(&detail))
            .await?
        {
            return Ok(Ok(row));
        }
        let [row, usage] = self
            .batch_of(vec![
                self.db
                    .prepare(queries::GET_BY_ID_MOVING)
                    .bind(&[id_param(id)])?,
                self.db.prepare(queries::USAGE),
            ])
            .await?;
        Ok(Err(extra_refusal(
            first_with_move(&row)?,
            |row| extra.is_on(row),
            size,
            usage_of(&usage)?,
            limits,
        )))
    }
}

/// The widths as D1 keeps them: NULL for none.
fn widths_column(widths: &[u32]) -> JsValue {
    match widths {
        [] => JsValue::NULL,
        widths => imghost_shared::widths::to_column(widths).into(),
    }
}

impl TrashTable for D1Images<'_> {
    async fn find_move(
        &self,
        id: ImageId,
    ) -> Result<Option<(ImageRecord, Option<Pending>)>, StoreError> {
        let result = self
            .db
            .prepare(queries::GET_BY_ID_MOVING)
            .bind(&[id_param(id)])?
            .all()
            .await?;
        first_with_move(&result)
    }

    async fn claim(
        &self,
        id: ImageId,
        claim: Claim,
        now_ms: i64,
        stale_before: i64,
    ) -> Result<Option<ImageRecord>, StoreError> {
        let mut params = vec![id_param(id), ms(now_ms), ms(stale_before)];
        let sql = match claim {
            Claim::Delete => queries::CLAIM_DELETE,
            Claim::Purge => queries::CLAIM_PURGE,
            Claim::Resume(to) => {
                params.push(to.as_str().into());
                queries::CLAIM_RESUME
            }
            Claim::Restore => {
                // Live in D1 from here on: this is the restore to record.
                let statement = self.db.prepare(queries::CLAIM_RESTORE).bind(&params)?;
                return self
                    .change(statement, AuditAction::Restore, Some(&id.to_string()), None)
                    .await;
            }
        };
        self.unrecorded(sql, &params).await
    }

    async fn renew(
        &self,
        id: ImageId,
        claimed_at: i64,
        now_ms: i64,
        to: Direction,
    ) -> Result<bool, StoreError> {
        let result = self
            .db
            .prepare(queries::RENEW_MOVE)
            .bind(&[id_param(id), ms(claimed_at), ms(now_ms), to.as_str().into()])?
            .run()
            .await?;
        Ok(result.meta()?.and_then(|meta| meta.changes) == Some(1))
    }

    async fn finish(
        &self,
        id: ImageId,
        to: Direction,
        claimed_at: i64,
        now_ms: i64,
        lost: Lost,
    ) -> Result<Option<ImageRecord>, StoreError> {
        let params = [
            id_param(id),
            ms(claimed_at),
            ms(now_ms),
            flag(lost.thumbnail),
            flag(lost.widths),
        ];
        let target = id.to_string();
        match to {
            Direction::Trash => {
                let statement = self.db.prepare(queries::FINISH_TRASH).bind(&params)?;
                self.change(statement, AuditAction::Delete, Some(&target), None)
                    .await
            }
            Direction::Live => self.unrecorded(queries::FINISH_LIVE, &params).await,
            Direction::Gone => {
                let mut statements = vec![
                    self.db
                        .prepare(queries::RETIRE_CLAIMED)
                        .bind(&params[..3])?,
                    self.db
                        .prepare(queries::DELETE_CLAIMED)
                        .bind(&params[..2])?,
                ];
                if let Some((actor, _)) = self.audit {
                    statements.push(actor.record(
                        self.db,
                        AuditAction::Purge,
                        Some(&target),
                        None,
                    )?);
                }
                let results = self.db.batch(statements).await?;
                let deleted = results
                    .get(1)
                    .ok_or_else(|| StoreError("D1 batch returned too few results".into()))?;
                Ok(deleted.results::<ImageRecord>()?.into_iter().next())
            }
        }
    }

    async fn abandon(&self, id: ImageId, claimed_at: i64) -> Result<(), StoreError> {
        self.db
            .prepare(queries::ABANDON_MOVE)
            .bind(&[id_param(id), ms(claimed_at)])?
            .run()
            .await?;
        Ok(())
    }
}

/// The Workers runtime as the upload use case needs it.
pub struct WorkerRuntime<'a>(pub Option<&'a TinifyConfig>);

impl Runtime for WorkerRuntime<'_> {
    async fn sha256_hex(&self, bytes: &[u8]) -> ApiResult<String> {
        Ok(sha256_hex(bytes).await?)
    }
    fn compresses(&self) -> bool {
        self.0.is_some()
    }
    async fn compress(&self, info: ImageInfo, bytes: &[u8]) -> tinify::Outcome {
        tinify::compress(self.0, info, bytes).await
    }
    fn new_uuid(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

impl Clock for WorkerRuntime<'_> {
    fn now_ms(&self) -> i64 {
        Date::now().as_millis() as i64
    }
    async fn pause(&self, ms: u32) {
        worker::Delay::from(std::time::Duration::from_millis(u64::from(ms))).await;
    }
}

/// Hex SHA-256, computed by the runtime's native WebCrypto (far faster than
/// hashing in wasm, and it does not count as much CPU time).
pub async fn sha256_hex(bytes: &[u8]) -> worker::Result<String> {
    let crypto: web_sys::Crypto =
        js_sys::Reflect::get(&js_sys::global(), &"crypto".into())?.unchecked_into();
    let data = js_sys::Uint8Array::from(bytes);
    let promise = crypto
        .subtle()
        .digest_with_str_and_buffer_source("SHA-256", &data)?;
    let digest = wasm_bindgen_futures::JsFuture::from(promise).await?;
    let digest = js_sys::Uint8Array::new(&digest).to_vec();
    Ok(digest.iter().map(|byte| format!("{byte:02x}")).collect())
}
