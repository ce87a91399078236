//! `GET /i/<key>`: images served from R2 with the headers a CDN and a
//! browser need: type, ETag, long caching, ranges, conditional requests.

mod hotlink;
mod range;

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use imghost_shared::api::routes::{image_key, IMAGE_PREFIX};
use worker::{Bucket, Headers, Method, Object, Range, Response};

pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
const SANDBOX_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// A `GET` or `HEAD /i/<key>` request, read straight from the runtime's
/// request: serving images is the hot path, and converting to a
/// `worker::Request` reads `request.cf`, which the runtime deserialises on
/// every access.
pub struct ImageRequest {
    method: Method,
    key: String,
    url: String,
    headers: Headers,
}

impl ImageRequest {
    pub fn from_raw(raw: &web_sys::Request) -> Option<Self> {
        let method = Method::from(raw.method());
        if !matches!(method, Method::Get | Method::Head) {
            return None;
        }
        let url = raw.url();
        // Keys are stored as written; objects of other software may have
        // spaces or non-ASCII in them, which arrive percent-encoded.
        let key = percent_encoding::percent_decode_str(image_key(&url)?)
            .decode_utf8()
            .ok()?
            .into_owned();
        Some(Self {
            method,
            key,
            url,
            headers: Headers(raw.headers()),
        })
    }
}

pub async fn handle_serve(
    req: &ImageRequest,
    bucket: &Bucket,
    config: &Config,
) -> ApiResult<Response> {
    // The trash is never served: a trashed image's URL is gone at once.
    if imghost_shared::api::trash::is_trash_key(&req.key) {
        return Err(ApiError::NotFound("Not found".into()));
    }
    let key = req.key.as_str();
    if !config.allowed_referers.is_empty() {
        let referer = req.headers.get("Referer")?;
        let own_host = crate::web_url::parse(&req.url, None)
            .map(|url| url.hostname)
            .unwrap_or_default();
        if !hotlink::referer_allowed(referer.as_deref(), &config.allowed_referers, &own_host) {
            return Err(ApiError::Forbidden(
                "This image may not be embedded on that site".into(),
            ));
        }
    }
    let not_found = || ApiError::NotFound(format!("No image at {IMAGE_PREFIX}{key}"));
    let if_none_match = req.headers.get("If-None-Match")?;
    let range = req.headers.get("Range")?.as_deref().and_then(range::parse);

    if req.method == Method::Head || range.is_some() {
        // Size and ETag first: HEAD needs nothing more, a range needs the size.
        let head = bucket.head(key).await?.ok_or_else(not_found)?;
        let headers = object_headers(&head)?;
        if if_none_match
            .as_deref()
            .is_some_and(|h| range::none_match_hits(h, &head.http_etag()))
        {
            return Ok(Response::builder()
                .with_status(304)
                .with_headers(headers)
                .empty());
        }
        if req.method == Method::Head {
            headers.set("Content-Length", &head.size().to_string())?;
            return Ok(Response::builder().with_headers(headers).empty());
        }
        let size = head.size();
        let Some((first, last)) = range.and_then(|r| range::resolve(r, size)) else {
            return Err(ApiError::RangeNotSatisfiable { size });
        };
        let object = bucket
            .get(key)
            .range(Range::OffsetWithLength {
                offset: first,
                length: last - first + 1,
            })
            .execute()
            .await?
            .ok_or_else(not_found)?;
        let body = object.body().ok_or_else(not_found)?.response_body()?;
        headers.set("Content-Range", &format!("bytes {first}-{last}/{size}"))?;
        return Ok(Response::builder()
            .with_status(206)
            .with_headers(headers)
            .body(body));
    }

    let mut get = bucket.get(key);
    if let Some(tags) = &if_none_match {
        get = get.only_if(worker::Conditional {
            etag_does_not_match: Some(first_etag(tags)),
            ..Default::default()
        });
    }
    let object = get.execute().await?.ok_or_else(not_found)?;
    let headers = object_headers(&object)?;
    match object.body() {
        // A body is left out only when the If-None-Match condition failed.
        None => Ok(Response::builder()
            .with_status(304)
            .with_headers(headers)
            .empty()),
        Some(body) => Ok(Response::builder()
            .with_headers(headers)
            .body(body.response_body()?)),
    }
}

/// R2 compares one bare ETag; a list in If-None-Match is rare for images.
fn first_etag(header: &str) -> String {
    range::bare_etag(header.split(',').next().unwrap_or("")).to_string()
}

fn object_headers(object: &Object) -> worker::Result<Headers> {
    let headers = Headers::new();
    // The stored Content-Type (the detected one) and Cache-Control, in one
    // call. (`Headers::clone` copies; this hands R2 the same JS object.)
    object.write_http_metadata(Headers(headers.0.clone()))?;
    headers.set("ETag", &object.http_etag())?;
    // Also for objects stored before imghost, which have no Cache-Control.
    headers.set("Cache-Control", CACHE_CONTROL)?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    // Whatever an object's stored type claims (objects stored by other
    // software included), opened on its own it runs nothing in this origin,
    // where the UI keeps its token. Pictures embedded with <img> ignore it.
    headers.set("Content-Security-Policy", SANDBOX_POLICY)?;
    headers.set("Accept-Ranges", "bytes")?;
    Ok(headers)
}
