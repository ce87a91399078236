//! One error type for every handler, turned into a response in one place.
//! Internal details are logged, never sent to the client.

use imghost_shared::api::{ErrorBody, ErrorCode};
use worker::{console_error, Response};

pub type ApiResult<T> = std::result::Result<T, ApiError>;

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized,
    /// A named token that is known but no longer good (revoked, expired).
    TokenRejected(String),
    Forbidden(String),
    NotFound(String),
    MethodNotAllowed,
    Conflict(String),
    PayloadTooLarge {
        limit: u64,
    },
    UnsupportedMediaType(String),
    /// An image with more pixels than the server decodes (413).
    ImageTooLarge(String),
    RangeNotSatisfiable {
        size: u64,
    },
    /// An image whose metadata cannot be removed with certainty.
    UnprocessableImage(String),
    TooManyRequests {
        retry_after_seconds: u32,
    },
    /// The upload would take storage past `MAX_STORAGE_BYTES`.
    StorageQuotaExceeded(String),
    /// The daily upload limit is reached until the next UTC midnight.
    DailyLimitReached {
        message: String,
        retry_after_seconds: u32,
    },
    /// The operator has not finished configuring the service.
    NotConfigured(String),
    /// A storage or runtime failure; the text is for the log only.
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::Unauthorized | Self::TokenRejected(_) => ErrorCode::Unauthorized,
            Self::StorageQuotaExceeded(_) => ErrorCode::StorageQuotaExceeded,
            Self::DailyLimitReached { .. } => ErrorCode::TooManyRequests,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::PayloadTooLarge { .. } | Self::ImageTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::RangeNotSatisfiable { .. } => ErrorCode::RangeNotSatisfiable,
            Self::UnprocessableImage(_) => ErrorCode::UnprocessableImage,
            Self::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            Self::NotConfigured(_) => ErrorCode::NotConfigured,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::BadRequest(message)
            | Self::Forbidden(message)
            | Self::NotFound(message)
            | Self::Conflict(message)
            | Self::UnsupportedMediaType(message)
            | Self::ImageTooLarge(message)
            | Self::UnprocessableImage(message)
            | Self::TokenRejected(message)
            | Self::StorageQuotaExceeded(message)
            | Self::DailyLimitReached { message, .. }
            | Self::NotConfigured(message) => message.clone(),
            Self::Unauthorized => {
                "Unauthorized: send the admin token or a named token as `Authorization: Bearer <token>`".into()
            }
            Self::MethodNotAllowed => "Method not allowed".into(),
            Self::PayloadTooLarge { limit } => format!(
                "The file is too large: the limit is {}",
                imghost_shared::units::format_bytes(*limit)
            ),
            Self::RangeNotSatisfiable { .. } => "Requested range not satisfiable".into(),
            Self::TooManyRequests {
                retry_after_seconds,
            } => format!("Too many failed attempts; try again in {retry_after_seconds} s"),
            Self::Internal(_) => "Internal error; the server log has the details".into(),
        }
    }

    pub fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            console_error!("internal error: {detail}");
        }
        let code = self.code();
        let mut response = Response::builder()
            .with_status(code.status())
            .from_json(&ErrorBody::new(code, self.message()))
            .unwrap_or_else(|_| Response::builder().with_status(500).empty());
        let headers = response.headers_mut();
        match self {
            Self::TooManyRequests {
                retry_after_seconds,
            }
            | Self::DailyLimitReached {
                retry_after_seconds,
                ..
            } => {
                let _ = headers.set("Retry-After", &retry_after_seconds.to_string());
            }
            Self::RangeNotSatisfiable { size } => {
                let _ = headers.set("Content-Range", &format!("bytes */{size}"));
            }
            Self::Unauthorized | Self::TokenRejected(_) => {
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

impl From<crate::trash::domain::MoveError> for ApiError {
    fn from(error: crate::trash::domain::MoveError) -> Self {
        match error {
            crate::trash::domain::MoveError::Store(error) => error.into(),
            crate::trash::domain::MoveError::Busy => Self::Conflict(
                "Another request is moving this image right now; try again in a few seconds".into(),
            ),
        }
    }
}

impl From<imghost_shared::image::StripError> for ApiError {
    fn from(error: imghost_shared::image::StripError) -> Self {
        Self::UnprocessableImage(error.to_string())
    }
}

impl From<imghost_shared::api::InvalidListQuery> for ApiError {
    fn from(error: imghost_shared::api::InvalidListQuery) -> Self {
        Self::BadRequest(error.to_string())
    }
}

impl From<worker::Error> for ApiError {
    fn from(error: worker::Error) -> Self {
        Self::Internal(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_own_code() {
        let range = ApiError::RangeNotSatisfiable { size: 10 };
        assert_eq!(range.code(), ErrorCode::RangeNotSatisfiable);
        assert_eq!(range.code().status(), 416);
        let internal = ApiError::Internal("D1 said no".into());
        assert!(
            !internal.message().contains("D1"),
            "internals stay in the log"
        );
        assert_eq!(
            ApiError::UnprocessableImage("cannot walk".into())
                .code()
                .status(),
            422
        );
    }
}
