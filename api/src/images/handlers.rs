//! Images over HTTP: each handler reads its request, calls the service or
//! the use case, and writes the answer.

use super::domain::{self, Attached, Extra, ImageTable};
use super::service::{D1Images, R2Objects, WorkerRuntime};
use super::upload::{
    accept_thumbnail, accept_widths, upload_image, Restore, UploadPolicy, UploadedFile,
};
use crate::albums::UploadLabels;
use crate::audit::Actor;
use crate::context::AppContext;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_string};
use crate::trash;
use crate::trash::domain::Buckets;
use imghost_shared::api::access;
use imghost_shared::api::{
    routes, width_field, DeleteQuery, DeleteResponse, ImageRecord, ListQuery, ListResponse,
    ThumbnailQuery, ThumbnailResponse, UploadQuery, UploadResponse, THUMBNAIL_FIELD, UPLOAD_FIELD,
};
use imghost_shared::{snippet, thumbnail, widths};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use worker::{FormEntry, Headers, Request, Response};

/// Room for the multipart boundaries and part headers around the file.
const MULTIPART_OVERHEAD: u64 = 16 * 1024;

/// Room in a body for what a client sends beside the file: a thumbnail and
/// every width, each at its limit.
const EXTRAS_ALLOWANCE: u64 =
    MULTIPART_OVERHEAD + thumbnail::MAX_BYTES + widths::MAX_BYTES * widths::CANDIDATES.len() as u64;

pub async fn handle_upload(mut req: Request, app: &AppContext) -> ApiResult<Response> {
    let caller = app.authorize(&req).await?;
    let query =
        UploadQuery::from_query_string(&query_string(&req)?).map_err(ApiError::BadRequest)?;
    let actor = Actor::of(&caller, &req)?;
    let policy = UploadPolicy {
        allow_svg: app.config.allow_svg,
        max_pixels: app.config.max_image_pixels,
        limits: crate::stats::upload_limits(app)?,
        stored_url_base: app.config.stored_url_base(),
        may_restore: caller.require(access::RESTORE_BY_UPLOAD).is_ok(),
        key_template: app.config.key_template()?,
    };
    let file = UploadedFile {
        restore: query.key.map(|key| Restore {
            key,
            created_at: query.created_at,
            upload_sha256: query.upload_sha256,
        }),
        ..read_upload(&mut req, app.config.max_upload_bytes).await?
    };
    // Checked once the body is read, so that no body tells which albums exist.
    let labels = UploadLabels::check(&app.db, query.album, query.tags).await?;
    let public = R2Objects(&app.bucket);
    let trash = R2Objects(app.trash_bucket()?);
    let uploaded = upload_image(
        &Buckets {
            public: &public,
            trash: &trash,
        },
        &D1Images::audited(&app.db, &actor),
        &WorkerRuntime(app.config.tinify.as_ref()),
        &policy,
        file,
    )
    .await?;
    // A token that may only upload labels what it adds, not images that
    // were already there (its bytes would otherwise reach any image).
    let labelled = !uploaded.duplicate || caller.require(access::Scope::Organize).is_ok();
    let image = uploaded.image.served_from(&app.image_base_url(&req)?);
    let image = match labelled {
        true => {
            labels.apply(&app.db, &actor, image.id).await?;
            ImageRecord {
                albums: labels.album.into_iter().collect(),
                tags: labels.tags,
                ..image
            }
        }
        false => image,
    };
    json(&UploadResponse {
        success: true,
        url: image.image_url.clone(),
        markdown: snippet::markdown(&image.original_name, &image.image_url),
        html: snippet::html(&image.original_name, &image.image_url, image.dimensions()),
        duplicate: uploaded.duplicate,
        image,
        compression: uploaded.compression,
    })
}

/// The multipart `file` field, refusing bodies over the limit before
/// reading them when their length is declared.
async fn read_upload(req: &mut Request, limit: u64) -> ApiResult<UploadedFile> {
    let declared_length = req
        .headers()
        .get("Content-Length")?
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > limit + EXTRAS_ALLOWANCE) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut capped;
    let req = match declared_length {
        Some(_) => req,
        None => {
            capped = read_capped(req, limit + EXTRAS_ALLOWANCE).await?;
            &mut capped
        }
    };
    let form = req.form_data().await.map_err(|_| {
        ApiError::BadRequest(format!(
            "Expected a multipart/form-data body with the image in a `{UPLOAD_FIELD}` field"
        ))
    })?;
    let Some(FormEntry::File(file)) = form.get(UPLOAD_FIELD) else {
        return Err(ApiError::BadRequest(format!(
            "Missing file: send the image in a multipart field named `{UPLOAD_FIELD}`"
        )));
    };
    if file.size() as u64 > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let thumbnail = match form.get(THUMBNAIL_FIELD) {
        None => None,
        Some(FormEntry::File(thumbnail)) => {
            let size = thumbnail.size() as u64;
            if size > thumbnail::MAX_BYTES {
                // Refused before it is copied in.
                return Err(ApiError::BadRequest(
                    thumbnail::Refused::TooManyBytes { size }.to_string(),
                ));
            }
            Some(thumbnail.bytes().await?)
        }
        Some(FormEntry::Field(_)) => {
            return Err(ApiError::BadRequest(format!(
                "The `{THUMBNAIL_FIELD}` field must be a file: the thumbnail's bytes"
            )))
        }
    };
    let sent_widths = read_widths(&form).await?;
    Ok(UploadedFile {
        name: file.name(),
        bytes: file.bytes().await?,
        restore: None,
        thumbnail,
        widths: sent_widths,
    })
}

/// The `width_<N>` files of a multipart form, as sent.
async fn read_widths(form: &worker::FormData) -> ApiResult<Vec<(u32, Vec<u8>)>> {
    let mut sent = Vec::new();
    for width in widths::CANDIDATES {
        let field = width_field(width);
        match form.get(&field) {
            None => {}
            Some(FormEntry::File(copy)) => {
                let size = copy.size() as u64;
                if size > widths::MAX_BYTES {
                    // Refused before it is copied in.
                    return Err(ApiError::BadRequest(
                        widths::Refused::TooManyBytes { width, size }.to_string(),
                    ));
                }
                sent.push((width, copy.bytes().await?));
            }
            Some(FormEntry::Field(_)) => {
                return Err(ApiError::BadRequest(format!(
                    "The `{field}` field must be a file: the {width} px width's bytes"
                )))
            }
        }
    }
    Ok(sent)
}

/// A copy of a request whose length was not declared (a chunked body),
/// kept only up to `cap` bytes: past it the answer is 413 and nothing more
/// is kept. The chunks stay in JS memory; none is copied into wasm.
async fn read_capped(req: &mut Request, cap: u64) -> ApiResult<Request> {
    let too_large = ApiError::PayloadTooLarge {
        limit: cap - MULTIPART_OVERHEAD,
    };
    let headers = Headers::new();
    if let Some(content_type) = req.headers().get("Content-Type")? {
        headers.set("Content-Type", &content_type)?;
    }
    let url = req.inner().url();
    let chunks = js_sys::Array::new();
    if let Some(body) = req.inner().body() {
        let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut read = 0u64;
        loop {
            let next = JsFuture::from(reader.read()).await.map_err(js_error)?;
            if js_sys::Reflect::get(&next, &"done".into())
                .map_err(js_error)?
                .is_truthy()
            {
                break;
            }
            let chunk: js_sys::Uint8Array = js_sys::Reflect::get(&next, &"value".into())
                .map_err(js_error)?
                .unchecked_into();
            read += u64::from(chunk.length());
            // Past the cap nothing more is kept, but the rest is still
            // drained: the local runtime stalls later requests when a body
            // is left unread.
            if read <= cap {
                chunks.push(&chunk);
            }
        }
        if read > cap {
            return Err(too_large);
        }
    }
    let blob = web_sys::Blob::new_with_u8_array_sequence(&chunks).map_err(js_error)?;
    crate::http::new_request(&url, "POST", &headers, Some(&blob.into())).map_err(ApiError::Internal)
}

fn js_error(error: wasm_bindgen::JsValue) -> ApiError {
    ApiError::Internal(format!("{error:?}"))
}

pub async fn handle_query(req: Request, app: &AppContext) -> ApiResult<Response> {
    app.authorize(&req).await?;
    let query = ListQuery::from_query_string(&query_string(&req)?)?;
    let base_url = app.image_base_url(&req)?;
    let page = D1Images::new(&app.db).list(&query).await?;
    let mut response = json(&ListResponse {
        success: true,
        results: page
            .images
            .into_iter()
            .map(|image| image.served_from(&base_url))
            .collect(),
        total: page.total,
        next_cursor: page.next_cursor,
    })?;
    // What the listing cost in D1's billing unit, for operators watching it.
    response
        .headers_mut()
        .set(routes::ROWS_READ_HEADER, &page.rows_read.to_string())?;
    Ok(response)
}

/// `DELETE /delete?id=N`, or `?key=<object key>` for clients that only
/// have the image URL: moves the image to the trash.
pub async fn handle_delete(req: Request, app: &AppContext) -> ApiResult<Response> {
    let caller = app.authorize(&req).await?;
    let table = D1Images::new(&app.db);
    let id =
        match DeleteQuery::from_query_string(&query_string(&req)?).map_err(ApiError::BadRequest)? {
            DeleteQuery::Id(id) => id,
            DeleteQuery::Key(key) => {
                table
                    .find_by_key(&key)
                    .await?
                    .ok_or_else(|| ApiError::NotFound(format!("No image with key {key}")))?
                    .id
            }
        };
    let Some(trashed) = trash::move_to_trash(app, &Actor::of(&caller, &req)?, id).await? else {
        let in_trash = table
            .find_by_id(id)
            .await?
            .is_some_and(|row| row.deleted_at.is_some());
        return Err(ApiError::NotFound(if in_trash {
            format!("Image {id} is in the trash already")
        } else {
            format!("Image {id} not found")
        }));
    };
    json(&DeleteResponse {
        success: true,
        id,
        object_key: trashed.object_key,
    })
}

/// What `PUT /thumbnail` and `PUT /widths` attach to a stored image.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ExtraKind {
    /// The thumbnail's bytes as the body.
    Thumbnail,
    /// The widths as `width_<N>` multipart files.
    Widths,
}

/// `PUT /thumbnail?id=N` or `PUT /widths?id=N`: for an image uploaded
/// without them (by an older client, or before they existed). An image
/// keeps the first it gets: a second is a 409.
pub async fn handle_extra(
    mut req: Request,
    app: &AppContext,
    kind: ExtraKind,
) -> ApiResult<Response> {
    let caller = app.authorize(&req).await?;
    let actor = Actor::of(&caller, &req)?;
    let ThumbnailQuery { id } =
        ThumbnailQuery::from_query_string(&query_string(&req)?).map_err(ApiError::BadRequest)?;
    let declared_length = req
        .headers()
        .get("Content-Length")?
        .and_then(|value| value.parse::<u64>().ok());
    // A thumbnail is the body itself; widths come with multipart framing.
    let (limit, framing) = match kind {
        ExtraKind::Thumbnail => (thumbnail::MAX_BYTES, 0),
        ExtraKind::Widths => (
            widths::MAX_BYTES * widths::CANDIDATES.len() as u64,
            MULTIPART_OVERHEAD,
        ),
    };
    if declared_length.is_some_and(|length| length > limit + framing) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut capped;
    let req = match declared_length {
        Some(_) => &mut req,
        None => {
            capped = read_capped(&mut req, limit + MULTIPART_OVERHEAD).await?;
            &mut capped
        }
    };
    let table = D1Images::audited(&app.db, &actor);
    let (thumbnail, sent_widths) = match kind {
        ExtraKind::Thumbnail => {
            let bytes = req.bytes().await?;
            if bytes.is_empty() {
                return Err(ApiError::BadRequest(
                    "Send the thumbnail's bytes as the request body".into(),
                ));
            }
            (Some(accept_thumbnail(bytes)?), Vec::new())
        }
        ExtraKind::Widths => {
            let sent = match req.form_data().await {
                Ok(form) => read_widths(&form).await?,
                Err(_) => Vec::new(),
            };
            if sent.is_empty() {
                return Err(ApiError::BadRequest(
                    "Send the widths as `width_<N>` multipart files (width_640, width_960, ...)"
                        .into(),
                ));
            }
            let image = table
                .find_by_id(id)
                .await?
                .filter(|row| row.deleted_at.is_none())
                .ok_or_else(|| ApiError::NotFound(format!("Image {id} not found")))?;
            let info = image.stored_info().ok_or_else(|| {
                ApiError::Conflict(format!(
                    "Image {id} has no recorded type or size to check widths against"
                ))
            })?;
            (None, accept_widths(&info, sent)?)
        }
    };
    let extra = match &thumbnail {
        Some(thumbnail) => Extra::Thumbnail(thumbnail),
        None => Extra::Widths(&sent_widths),
    };
    let limits = crate::stats::upload_limits(app)?;
    let attached = domain::attach(&R2Objects(&app.bucket), &table, id, extra, &limits).await?;
    let image = match attached {
        Attached::Done(image) => image,
        Attached::HasOne(_) => {
            let what = match kind {
                ExtraKind::Thumbnail => "a thumbnail",
                ExtraKind::Widths => "widths",
            };
            return Err(ApiError::Conflict(format!("Image {id} has {what} already")));
        }
        Attached::NoImage => return Err(ApiError::NotFound(format!("Image {id} not found"))),
        Attached::StorageFull { used } => {
            return Err(crate::stats::storage_full(
                extra.size(),
                used,
                limits.max_storage_bytes,
            ))
        }
    };
    json(&ThumbnailResponse {
        success: true,
        image: image.served_from(&app.image_base_url(req)?),
    })
}
