use serde::{Deserialize, Serialize};

/// Body of every error response: `{"success": false, "message": ..., "code": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub success: bool,
    pub message: String,
    /// Machine-readable kind of error, stable across releases (the message is
    /// for people and may change). Absent in answers from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            success: false,
            message: message.into(),
            code: Some(code),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// Something else is already stored where the request wants to store.
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RangeNotSatisfiable,
    /// An image whose structure cannot be walked with certainty, so its
    /// metadata cannot be removed safely.
    UnprocessableImage,
    TooManyRequests,
    /// The upload would take storage past `MAX_STORAGE_BYTES`.
    StorageQuotaExceeded,
    NotConfigured,
    Internal,
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that goes with this kind of error.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RangeNotSatisfiable => 416,
            Self::UnprocessableImage => 422,
            Self::TooManyRequests => 429,
            Self::StorageQuotaExceeded => 507,
            Self::Internal | Self::Unknown => 500,
            Self::NotConfigured => 503,
        }
    }

    /// The kind an error answer without a code (from an older server or a
    /// proxy) most likely is, from its status.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            416 => Self::RangeNotSatisfiable,
            422 => Self::UnprocessableImage,
            429 => Self::TooManyRequests,
            507 => Self::StorageQuotaExceeded,
            _ => Self::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_agree() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::RangeNotSatisfiable,
            ErrorCode::UnprocessableImage,
            ErrorCode::TooManyRequests,
            ErrorCode::StorageQuotaExceeded,
        ] {
            assert_eq!(ErrorCode::from_status(code.status()), code, "{code:?}");
        }
        assert_eq!(ErrorCode::from_status(502), ErrorCode::Unknown);
        assert_eq!(ErrorCode::NotConfigured.status(), 503);
        assert_eq!(
            serde_json::to_string(&ErrorCode::RangeNotSatisfiable).unwrap(),
            "\"range_not_satisfiable\""
        );
    }
}
