//! `GET /i/<key>`: images served from R2 with the headers a CDN and a
//! browser need: type, ETag, long caching, ranges, conditional requests.

mod hotlink;
mod range;

use crate::error::{ApiError, ApiResult};
use crate::AppContext;
use worker::{Headers, Method, Object, Range, Request, Response, RouteContext};

pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// SVG (when allowed) must not run scripts or load anything in our origin.
const SVG_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

pub async fn handle_serve(req: Request, ctx: RouteContext<AppContext>) -> ApiResult<Response> {
    let app = &ctx.data;
    let key = ctx.param("key").cloned().unwrap_or_default();
    let referer = req.headers().get("Referer")?;
    let own_host = req.url()?.host_str().unwrap_or_default().to_string();
    if !hotlink::referer_allowed(referer.as_deref(), &app.config.allowed_referers, &own_host) {
        return Err(ApiError::Forbidden(
            "This image may not be embedded on that site".into(),
        ));
    }
    let not_found = || ApiError::NotFound(format!("No image at /i/{key}"));
    let if_none_match = req.headers().get("If-None-Match")?;
    let range = req
        .headers()
        .get("Range")?
        .as_deref()
        .and_then(range::parse);

    if req.method() == Method::Head || range.is_some() {
        // Size and ETag first: HEAD needs nothing more, a range needs the size.
        let head = app.bucket.head(&key).await?.ok_or_else(not_found)?;
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
        if req.method() == Method::Head {
            headers.set("Content-Length", &head.size().to_string())?;
            return Ok(Response::builder().with_headers(headers).empty());
        }
        let size = head.size();
        let Some((first, last)) = range.and_then(|r| range::resolve(r, size)) else {
            return Err(ApiError::RangeNotSatisfiable { size });
        };
        let object = app
            .bucket
            .get(&key)
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

    let mut get = app.bucket.get(&key);
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
    let first = header.split(',').next().unwrap_or("").trim();
    first.trim_start_matches("W/").trim_matches('"').to_string()
}

fn object_headers(object: &Object) -> worker::Result<Headers> {
    let headers = Headers::new();
    let content_type = object
        .http_metadata()
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    if content_type.starts_with("image/svg") {
        headers.set("Content-Security-Policy", SVG_POLICY)?;
    }
    headers.set("Content-Type", &content_type)?;
    headers.set("ETag", &object.http_etag())?;
    headers.set("Cache-Control", CACHE_CONTROL)?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Accept-Ranges", "bytes")?;
    Ok(headers)
}
