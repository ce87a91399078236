//! Small helpers every handler uses to read a request and write an answer.

use crate::error::ApiResult;
use serde::Serialize;
use worker::{Request, Response};

pub fn json<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(Response::from_json(value)?)
}

/// The request's query string, without the `?`.
pub fn query_string(req: &Request) -> ApiResult<String> {
    Ok(req.url()?.query().unwrap_or_default().to_string())
}
