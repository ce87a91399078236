use super::domain::{self, ImageTable, NewImage, Stored};
use super::service::{sha256_hex, D1Images, R2Objects};
use crate::error::{ApiError, ApiResult};
use crate::{json, query_param, tinify, AppContext};
use imghost_shared::api::{
    Compression, CompressionBy, CompressionStatus, DeleteResponse, ImageId, ImageRecord, ListQuery,
    ListResponse, UploadResponse, UPLOAD_FIELD,
};
use imghost_shared::image::{self, ImageFormat, ImageInfo, Rejected};
use imghost_shared::{names, snippet};
use std::borrow::Cow;
use worker::{Date, FormEntry, Request, Response, RouteContext};

pub const ROWS_READ_HEADER: &str = "X-D1-Rows-Read";

/// Room for the multipart boundaries and part headers around the file.
const MULTIPART_OVERHEAD: u64 = 16 * 1024;

pub async fn handle_upload(mut req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    app.authorize(&req).await?;
    let (name, bytes) = read_upload(&mut req, app.config.max_upload_bytes).await?;
    let info = accept_image(&bytes, app.config.allow_svg)?;
    let original_name =
        names::clean_file_name(&name, &format!("image.{}", info.format.extension()));

    let sha256 = sha256_hex(&bytes).await?;
    let table = D1Images(&app.db);
    if app.config.tinify.is_some() {
        // Do not spend a compression on bytes that are already stored.
        let existing = table
            .find_by_sha256(&sha256)
            .await
            .map_err(ApiError::from)?;
        if let Some(existing) = existing {
            return upload_response(existing, true, duplicate_compression(bytes.len() as u64));
        }
    }

    // Location and camera data go before anything leaves this Worker.
    let stripped = match image::strip_metadata(info.format, &bytes) {
        Cow::Owned(stripped) => Some(stripped),
        Cow::Borrowed(_) => None,
    };
    let tinify = tinify::compress(
        app.config.tinify.as_ref(),
        info,
        stripped.as_deref().unwrap_or(&bytes),
    )
    .await;
    if let Some(count) = tinify.compression_count {
        // Only the monthly usage shown in stats; an upload never fails on it.
        let _ = table.set_compression_count(count).await;
    }
    let original_size = bytes.len() as u64;
    // The bytes to store are moved, not copied: an upload may be 20 MiB.
    let (stored, stored_info, compression) =
        tinify.into_stored(original_size, (stripped.unwrap_or(bytes), info));

    let created_at = Date::now().as_millis() as i64;
    let object_key = domain::object_key(
        created_at,
        &uuid::Uuid::new_v4().to_string(),
        stored_info.format.extension(),
    );
    let image_url = format!("{}/{object_key}", app.image_base_url(&req)?);
    let new_image = NewImage {
        object_key,
        original_name,
        image_url,
        content_type: stored_info.format.mime_type().to_string(),
        size: stored.len() as u64,
        created_at,
        width: stored_info.dimensions.map(|d| d.width),
        height: stored_info.dimensions.map(|d| d.height),
        sha256,
        original_size,
        compressed_by: compression.by.as_str().into(),
    };
    let objects = R2Objects(&app.bucket);
    match domain::store_image(&objects, &table, &new_image, stored)
        .await
        .map_err(ApiError::from)?
    {
        Stored::New(record) => upload_response(record, false, compression),
        Stored::Duplicate(record) => {
            upload_response(record, true, duplicate_compression(original_size))
        }
    }
}

/// The file name and bytes of the multipart `file` field, refusing bodies
/// over the limit before reading them when their length is declared.
async fn read_upload(req: &mut Request, limit: u64) -> ApiResult<(String, Vec<u8>)> {
    let declared_length = req
        .headers()
        .get("Content-Length")?
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > limit + MULTIPART_OVERHEAD) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
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
    Ok((file.name(), file.bytes().await?))
}

/// Recognises the image from its bytes; anything else is refused with the
/// right status and a message saying what the file looked like.
fn accept_image(bytes: &[u8], allow_svg: bool) -> ApiResult<ImageInfo> {
    let info = image::detect(bytes).map_err(|rejected| match rejected {
        Rejected::Empty => ApiError::BadRequest("The file is empty".into()),
        other => ApiError::UnsupportedMediaType(other.to_string()),
    })?;
    if info.format == ImageFormat::Svg && !allow_svg {
        return Err(ApiError::UnsupportedMediaType(
            "SVG images are refused by this server because they can carry scripts \
             (the operator can allow them with ALLOW_SVG = \"true\")"
                .into(),
        ));
    }
    Ok(info)
}

fn duplicate_compression(uploaded: u64) -> Compression {
    Compression {
        by: CompressionBy::None,
        status: CompressionStatus::Duplicate,
        original_size: uploaded,
        stored_size: uploaded,
        reason: Some("the same bytes were uploaded before".into()),
    }
}

fn upload_response(
    image: ImageRecord,
    duplicate: bool,
    compression: Compression,
) -> ApiResult<Response> {
    let compression = Compression {
        stored_size: image.size,
        ..compression
    };
    json(&UploadResponse {
        success: true,
        url: image.image_url.clone(),
        markdown: snippet::markdown(&image.original_name, &image.image_url),
        html: snippet::html(&image.original_name, &image.image_url, image.dimensions()),
        duplicate,
        image,
        compression,
    })
}

pub async fn handle_query(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    app.authorize(&req).await?;
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let query = ListQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(ApiError::BadRequest)?;
    let page = D1Images(&app.db)
        .list(&query)
        .await
        .map_err(ApiError::from)?;
    let mut response = json(&ListResponse {
        success: true,
        results: page.images,
        total: page.total,
        next_cursor: page.next_cursor,
    })?;
    // What the listing cost in D1's billing unit, for operators watching it.
    response
        .headers_mut()
        .set(ROWS_READ_HEADER, &page.rows_read.to_string())?;
    Ok(response)
}

/// `DELETE /delete?id=N`, or `?key=<object key>` for clients that only
/// have the image URL.
pub async fn handle_delete(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    app.authorize(&req).await?;
    let table = D1Images(&app.db);
    let id = match (query_param(&req, "id")?, query_param(&req, "key")?) {
        (None, Some(key)) => {
            table
                .find_by_key(&key)
                .await
                .map_err(ApiError::from)?
                .ok_or_else(|| ApiError::NotFound(format!("No image with key {key}")))?
                .id
        }
        (raw_id, _) => ImageId::parse(raw_id.as_deref().unwrap_or("")).ok_or_else(|| {
            ApiError::BadRequest("Invalid id: pass ?id= with a positive integer".into())
        })?,
    };
    let deleted = domain::delete_image(&R2Objects(&app.bucket), &table, id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::NotFound(format!("Image {id} not found")))?;
    json(&DeleteResponse {
        success: true,
        id,
        object_key: deleted.object_key,
    })
}
