//! One error type for every handler, turned into a response in one place.
//! Internal details are logged, never sent to the client.

use imghost_shared::api::{ErrorBody, ErrorCode};
use worker::{console_error, Response};

pub type ApiResult<T> = std::result::Result<T, ApiError>;

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized,
    Forbidden(String),
    NotFound(String),
    MethodNotAllowed,
    PayloadTooLarge {
        limit: u64,
    },
    UnsupportedMediaType(String),
    RangeNotSatisfiable {
        size: u64,
    },
    TooManyRequests {
        retry_after_seconds: u32,
    },
    /// The operator has not finished configuring the service.
    NotConfigured(String),
    /// A storage or runtime failure; the text is for the log only.
    Internal(String),
}

impl ApiError {
    fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed => 405,
            Self::PayloadTooLarge { .. } => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::RangeNotSatisfiable { .. } => 416,
            Self::TooManyRequests { .. } => 429,
            Self::Internal(_) => 500,
            Self::NotConfigured(_) => 503,
        }
    }

    fn body(&self) -> ErrorBody {
        let (code, message) = match self {
            Self::BadRequest(message) => (ErrorCode::BadRequest, message.clone()),
            Self::Unauthorized => (
                ErrorCode::Unauthorized,
                "Unauthorized: send the admin token as `Authorization: Bearer <token>`".into(),
            ),
            Self::Forbidden(message) => (ErrorCode::Forbidden, message.clone()),
            Self::NotFound(message) => (ErrorCode::NotFound, message.clone()),
            Self::MethodNotAllowed => (ErrorCode::MethodNotAllowed, "Method not allowed".into()),
            Self::PayloadTooLarge { limit } => (
                ErrorCode::PayloadTooLarge,
                format!(
                    "The file is too large: the limit is {}",
                    imghost_shared::units::format_bytes(*limit)
                ),
            ),
            Self::UnsupportedMediaType(message) => {
                (ErrorCode::UnsupportedMediaType, message.clone())
            }
            Self::RangeNotSatisfiable { .. } => (
                ErrorCode::BadRequest,
                "Requested range not satisfiable".into(),
            ),
            Self::TooManyRequests {
                retry_after_seconds,
            } => (
                ErrorCode::TooManyRequests,
                format!("Too many failed attempts; try again in {retry_after_seconds} s"),
            ),
            Self::NotConfigured(message) => (ErrorCode::NotConfigured, message.clone()),
            Self::Internal(_) => (
                ErrorCode::Internal,
                "Internal error; the server log has the details".into(),
            ),
        };
        ErrorBody::new(code, message)
    }

    pub fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            console_error!("internal error: {detail}");
        }
        let status = self.status();
        let mut response = Response::builder()
            .with_status(status)
            .from_json(&self.body())
            .unwrap_or_else(|_| Response::builder().with_status(500).empty());
        let headers = response.headers_mut();
        match self {
            Self::TooManyRequests {
                retry_after_seconds,
            } => {
                let _ = headers.set("Retry-After", &retry_after_seconds.to_string());
            }
            Self::RangeNotSatisfiable { size } => {
                let _ = headers.set("Content-Range", &format!("bytes */{size}"));
            }
            Self::Unauthorized => {
                let _ = headers.set("WWW-Authenticate", "Bearer");
            }
            _ => {}
        }
        response
    }
}

impl From<crate::images::domain::StoreError> for ApiError {
    fn from(error: crate::images::domain::StoreError) -> Self {
        Self::Internal(error.0)
    }
}

impl From<worker::Error> for ApiError {
    fn from(error: worker::Error) -> Self {
        Self::Internal(error.to_string())
    }
}
