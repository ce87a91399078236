//! Small helpers every handler uses to read a request and write an answer.

use crate::error::ApiResult;
use serde::Serialize;
use worker::{Request, Response};

pub fn json<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(Response::from_json(value)?)
}

/// The request's query string, without the `?`.
pub fn query_string(req: &Request) -> ApiResult<String> {
    Ok(crate::web_url::of_request(req)?.query)
}

/// A request built on the runtime's `Request` directly: worker's
/// `Request::new_with_init` brings its whole `RequestInit` conversion
/// (about 4 KB gzipped) for the two requests the Worker makes.
pub fn new_request(
    url: &str,
    method: &str,
    headers: &worker::Headers,
    body: Option<&wasm_bindgen::JsValue>,
) -> Result<Request, String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_headers(&headers.0);
    if let Some(body) = body {
        init.set_body(body);
    }
    web_sys::Request::new_with_str_and_init(url, &init)
        .map(Request::from)
        .map_err(|error| format!("cannot build a request to {url}: {error:?}"))
}

/// A JSON body, read by the runtime's `JSON.parse` (serde_json's parser
/// would add about 6 KB gzipped to the Worker). A field refused by its
/// type says why; a body that is not JSON at all says nothing useful, so
/// the error shows `example` instead.
pub async fn read_json<T: serde::de::DeserializeOwned>(
    req: &mut Request,
    example: &str,
) -> ApiResult<T> {
    let value = json_body(req).await;
    from_json(value, example)
}

/// A parsed body (`Err` if it was not JSON) as `T`.
pub fn from_json<T: serde::de::DeserializeOwned>(
    value: Result<wasm_bindgen::JsValue, ()>,
    example: &str,
) -> ApiResult<T> {
    value
        .ok()
        .ok_or_else(|| "The body is not JSON".to_string())
        .and_then(|value| serde_wasm_bindgen::from_value(value).map_err(|error| error.to_string()))
        .map_err(|reason| {
            crate::error::ApiError::BadRequest(format!("{reason}. Expected {example}"))
        })
}

/// The body as the runtime parses it; one function for every body type.
#[inline(never)]
pub async fn json_body(req: &mut Request) -> Result<wasm_bindgen::JsValue, ()> {
    let parsed = req.inner().json().map_err(|_| ())?;
    wasm_bindgen_futures::JsFuture::from(parsed)
        .await
        .map_err(|_| ())
}
