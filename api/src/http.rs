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
