//! R2 and D1 behind the domain traits, plus the read-only queries.

use super::domain::{ImageTable, NewImage, ObjectStore, StoreError};
use super::queries::{self, Param, Statement};
use super::upload::Runtime;
use crate::audit::{batch_with_record, Actor};
use crate::error::ApiResult;
use crate::reconcile::ListedObject;
use crate::tinify::{self, TinifyConfig};
use crate::trash::domain::TrashTable;
use imghost_shared::api::{encode_cursor, AuditAction, ImageId, ImageRecord, ListQuery};
use imghost_shared::image::ImageInfo;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use worker::{Bucket, D1Database, D1PreparedStatement, Date};

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

    async fn copy(&self, from: &str, to: &str) -> Result<bool, StoreError> {
        // The body streams from R2 to R2 through the runtime, never through
        // wasm memory, however large the image.
        let bucket: &JsValue = self.0.as_ref();
        let method = |name: &str| -> Result<js_sys::Function, StoreError> {
            Ok(js_sys::Reflect::get(bucket, &name.into())?.unchecked_into())
        };
        let got = method("get")?.call1(bucket, &from.into())?;
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
        let put = method("put")?.call3(bucket, &to.into(), &body, &options)?;
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

    pub async fn delete_many(&self, keys: &[String]) -> Result<(), StoreError> {
        if !keys.is_empty() {
            self.0.delete_multiple(keys.to_vec()).await?;
        }
        Ok(())
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
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let statements = keys
            .chunks(queries::THUMBNAILS_AMONG_KEYS)
            .map(|chunk| {
                let mut params: Vec<JsValue> = chunk.iter().map(|key| (*key).into()).collect();
                params.resize(queries::THUMBNAILS_AMONG_KEYS, JsValue::NULL);
                self.db.prepare(queries::THUMBNAILS_AMONG).bind(&params)
            })
            .collect::<worker::Result<Vec<_>>>()?;
        #[derive(serde::Deserialize)]
        struct Owned {
            thumbnail_key: String,
        }
        let mut owned = Vec::new();
        for result in self.db.batch(statements).await? {
            owned.extend(
                result
                    .results::<Owned>()?
                    .into_iter()
                    .map(|row| row.thumbnail_key),
            );
        }
        Ok(owned)
    }

    /// Deletes rows (whose objects are known to be missing) in one batch,
    /// each with its audit row when audited.
    pub async fn delete_rows(&self, rows: &[ImageRecord]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut statements = Vec::new();
        for row in rows {
            statements.push(self.db.prepare(queries::DELETE).bind(&[id_param(row.id)])?);
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

impl ImageTable for D1Images<'_> {
    async fn set_compression_count(&self, count: u64) -> Result<(), StoreError> {
        let statement = self.db.prepare(queries::SET_COMPRESSION_COUNT);
        statement
            .bind(&[JsValue::from_f64(count as f64)])?
            .run()
            .await?;
        Ok(())
    }
    async fn find_by_sha256(&self, sha256: &str) -> Result<Option<ImageRecord>, StoreError> {
        self.one(queries::FIND_BY_SHA256, &[sha256.into()]).await
    }

    async fn insert(&self, image: &NewImage) -> Result<Option<ImageRecord>, StoreError> {
        let params = [
            image.object_key.as_str().into(),
            image.original_name.as_str().into(),
            image.image_url.as_str().into(),
            image.content_type.as_str().into(),
            JsValue::from_f64(image.size as f64),
            JsValue::from_f64(image.created_at as f64),
            optional(image.width),
            optional(image.height),
            image.sha256.as_str().into(),
            JsValue::from_f64(image.original_size as f64),
            image.compressed_by.as_str().into(),
            queries::search_text(&image.original_name).into(),
            JsValue::from_f64(if image.animated { 1.0 } else { 0.0 }),
            image
                .thumbnail_key
                .as_deref()
                .map_or(JsValue::NULL, JsValue::from_str),
        ];
        let statement = self.db.prepare(queries::INSERT).bind(&params)?;
        let action = self
            .audit
            .map_or(AuditAction::Upload, |(_, inserts_as)| inserts_as);
        // No target: the audit row names the id the insert made.
        self.change(statement, action, None, Some(&image.original_name))
            .await
    }

    async fn find_by_key(&self, key: &str) -> Result<Option<ImageRecord>, StoreError> {
        self.one(queries::GET_BY_KEY, &[key.into()]).await
    }

    async fn find_by_id(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        self.one(queries::GET_BY_ID, &[id_param(id)]).await
    }

    async fn set_thumbnail(
        &self,
        id: ImageId,
        thumbnail_key: &str,
    ) -> Result<Option<ImageRecord>, StoreError> {
        self.one(
            queries::SET_THUMBNAIL,
            &[id_param(id), thumbnail_key.into()],
        )
        .await
    }

    async fn delete(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        let statement = self
            .db
            .prepare(queries::DELETE_RETURNING)
            .bind(&[id_param(id)])?;
        self.change(statement, AuditAction::Purge, Some(&id.to_string()), None)
            .await
    }

    async fn restore(&self, image: &ImageRecord) -> Result<(), StoreError> {
        let text =
            |value: &Option<String>| value.as_deref().map_or(JsValue::NULL, JsValue::from_str);
        let params = [
            id_param(image.id),
            image.object_key.as_str().into(),
            image.original_name.as_str().into(),
            image.image_url.as_str().into(),
            text(&image.content_type),
            JsValue::from_f64(image.size as f64),
            JsValue::from_f64(image.created_at as f64),
            optional(image.width),
            optional(image.height),
            text(&image.sha256),
            optional(image.original_size.map(|size| size as f64)),
            text(&image.compressed_by),
            image.animated.map_or(JsValue::NULL, |animated| {
                JsValue::from_f64(f64::from(u8::from(animated)))
            }),
            text(&image.thumbnail_key),
            optional(image.deleted_at.map(|at| at as f64)),
            queries::search_text(&image.original_name).into(),
        ];
        let statement = self.db.prepare(queries::RESTORE).bind(&params)?;
        self.change(
            statement,
            AuditAction::Restore,
            Some(&image.id.to_string()),
            Some("put back: its objects could not be deleted"),
        )
        .await?;
        Ok(())
    }
}

impl TrashTable for D1Images<'_> {
    async fn find(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        self.find_by_id(id).await
    }

    async fn trash(&self, id: ImageId, now_ms: i64) -> Result<Option<ImageRecord>, StoreError> {
        let statement = self
            .db
            .prepare(queries::TRASH)
            .bind(&[id_param(id), JsValue::from_f64(now_ms as f64)])?;
        self.change(statement, AuditAction::Delete, Some(&id.to_string()), None)
            .await
    }

    async fn untrash(&self, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        let statement = self.db.prepare(queries::UNTRASH).bind(&[id_param(id)])?;
        self.change(statement, AuditAction::Restore, Some(&id.to_string()), None)
            .await
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
    fn now_ms(&self) -> i64 {
        Date::now().as_millis() as i64
    }
    fn new_uuid(&self) -> String {
        uuid::Uuid::new_v4().to_string()
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
