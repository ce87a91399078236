//! Optional compression with Tinify (TinyPNG). Whatever Tinify does — bad
//! key, quota used up, errors, silence — the upload still succeeds with the
//! original; the outcome is reported, never raised.

mod protocol;

pub use protocol::convert_target;

use futures_util::future::{select, Either};
use imghost_shared::api::{Compression, CompressionBy, CompressionStatus};
use imghost_shared::image::{self, ImageFormat, ImageInfo};
use protocol::Shrink;
use std::pin::pin;
use std::time::Duration;
use worker::{AbortController, AbortSignal, Delay, Fetch, Headers, Method, Response};

#[derive(Debug, Clone)]
pub struct TinifyConfig {
    pub api_key: String,
    /// `https://api.tinify.com` unless pointed elsewhere (tests use a fake).
    pub api_url: String,
    /// Smaller images are stored as they are.
    pub min_bytes: u64,
    /// Convert results to this format (off by default).
    pub convert_to: Option<ImageFormat>,
    pub timeout: Duration,
}

/// What to store after trying Tinify.
pub struct Outcome {
    /// Tinify's smaller result, when there is one to keep.
    pub compressed: Option<(Vec<u8>, ImageInfo)>,
    pub status: CompressionStatus,
    pub reason: Option<String>,
    /// Tinify's monthly usage, when it answered.
    pub compression_count: Option<u64>,
}

impl Outcome {
    pub fn unchanged(
        status: CompressionStatus,
        reason: Option<String>,
        count: Option<u64>,
    ) -> Self {
        Self {
            compressed: None,
            status,
            reason,
            compression_count: count,
        }
    }

    /// The bytes to store — Tinify's result if kept, else `uncompressed` —
    /// and the report of what happened to an upload of `original_size`.
    pub fn into_stored(
        self,
        original_size: u64,
        uncompressed: (Vec<u8>, ImageInfo),
    ) -> (Vec<u8>, ImageInfo, Compression) {
        let by = if self.compressed.is_some() {
            CompressionBy::Tinify
        } else {
            CompressionBy::None
        };
        let (bytes, info) = self.compressed.unwrap_or(uncompressed);
        let compression = Compression {
            by,
            status: self.status,
            original_size,
            stored_size: bytes.len() as u64,
            reason: self.reason,
        };
        (bytes, info, compression)
    }
}

/// Tries to compress `input` (already stripped of metadata, so no location
/// ever reaches Tinify).
pub async fn compress(config: Option<&TinifyConfig>, info: ImageInfo, input: &[u8]) -> Outcome {
    let Some(config) = config else {
        return Outcome::unchanged(CompressionStatus::Disabled, None, None);
    };
    if let Some(reason) = protocol::skip_reason(info.format, input.len(), config.min_bytes) {
        return Outcome::unchanged(CompressionStatus::Skipped, Some(reason), None);
    }
    let controller = AbortController::default();
    let exchange = pin!(exchange(config, input, controller.signal()));
    let deadline = pin!(Delay::from(config.timeout));
    let (result, count) = match select(exchange, deadline).await {
        Either::Left((answer, _)) => answer,
        Either::Right(_) => {
            controller.abort();
            let reason = format!(
                "Tinify did not answer within {} ms",
                config.timeout.as_millis()
            );
            return Outcome::unchanged(CompressionStatus::Failed, Some(reason), None);
        }
    };
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(reason) => return Outcome::unchanged(CompressionStatus::Failed, Some(reason), count),
    };
    let expected = config.convert_to.unwrap_or(info.format);
    let result_info = match image::detect(&bytes) {
        Ok(result_info) if result_info.format == expected => result_info,
        _ => {
            let reason = format!("Tinify's result is not a {} image", expected.name());
            return Outcome::unchanged(CompressionStatus::Failed, Some(reason), count);
        }
    };
    if bytes.len() >= input.len() {
        let reason = format!("Tinify's result ({} bytes) was not smaller", bytes.len());
        return Outcome::unchanged(CompressionStatus::NotSmaller, Some(reason), count);
    }
    Outcome {
        compressed: Some((bytes, result_info)),
        status: CompressionStatus::Compressed,
        reason: None,
        compression_count: count,
    }
}

type Exchange = (Result<Vec<u8>, String>, Option<u64>);

/// `POST /shrink`, then fetch the result from its Location (converted when
/// asked). Returns the bytes or why not, and the Compression-Count.
async fn exchange(config: &TinifyConfig, input: &[u8], signal: AbortSignal) -> Exchange {
    let auth = protocol::authorization(&config.api_key);
    let shrink_url = format!("{}/shrink", config.api_url.trim_end_matches('/'));
    let body = (
        js_sys::Uint8Array::from(input).into(),
        "application/octet-stream",
    );
    let mut shrink = match call(&shrink_url, Method::Post, &auth, Some(body), &signal).await {
        Ok(response) => response,
        Err(reason) => return (Err(reason), None),
    };
    let header = |response: &Response, name: &str| response.headers().get(name).ok().flatten();
    let count = protocol::compression_count(header(&shrink, "Compression-Count").as_deref());
    let location = header(&shrink, "Location");
    let message = error_message(&mut shrink).await;
    let location = match protocol::read_shrink(
        shrink.status_code(),
        location.as_deref(),
        message.as_deref(),
    ) {
        Shrink::Created { location } => location,
        Shrink::Failed(reason) => return (Err(reason), count),
    };
    let output_url = match protocol::output_url(&config.api_url, &location) {
        Ok(url) => url,
        Err(reason) => return (Err(reason), count),
    };
    // Converting is a POST of the wanted format to the same address.
    let (method, body) = match config.convert_to {
        Some(to) => (
            Method::Post,
            Some((protocol::convert_request(to).into(), "application/json")),
        ),
        None => (Method::Get, None),
    };
    let download = call(&output_url, method, &auth, body, &signal).await;
    let mut download = match download {
        Ok(response) => response,
        Err(reason) => return (Err(reason), count),
    };
    if !(200..300).contains(&download.status_code()) {
        let message = error_message(&mut download).await;
        return (
            Err(protocol::describe_error(
                download.status_code(),
                message.as_deref(),
            )),
            count,
        );
    }
    let result = download
        .bytes()
        .await
        .map_err(|e| format!("reading Tinify's result failed: {e}"));
    (result, count)
}

/// One authenticated call; `body` is the payload and its content type.
async fn call(
    url: &str,
    method: Method,
    auth: &str,
    body: Option<(wasm_bindgen::JsValue, &str)>,
    signal: &AbortSignal,
) -> Result<Response, String> {
    let headers = Headers::new();
    headers
        .set("Authorization", auth)
        .map_err(|e| e.to_string())?;
    if let Some((_, content_type)) = &body {
        headers
            .set("Content-Type", content_type)
            .map_err(|e| e.to_string())?;
    }
    let request = crate::http::new_request(
        url,
        method.as_ref(),
        &headers,
        body.as_ref().map(|(payload, _)| payload),
    )?;
    Fetch::Request(request)
        .send_with_signal(signal)
        .await
        .map_err(|e| format!("cannot reach Tinify: {e}"))
}

/// The `message` of a JSON error body, read by the runtime's `JSON.parse`.
async fn error_message(response: &mut Response) -> Option<String> {
    let text = response.text().await.ok()?;
    let parsed = js_sys::JSON::parse(&text).ok()?;
    js_sys::Reflect::get(&parsed, &"message".into())
        .ok()?
        .as_string()
}
