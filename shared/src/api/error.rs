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
    PayloadTooLarge,
    UnsupportedMediaType,
    RangeNotSatisfiable,
    TooManyRequests,
    NotConfigured,
    Internal,
    #[serde(other)]
    Unknown,
}
