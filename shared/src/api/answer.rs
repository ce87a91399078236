//! Reading the API's answers: one function turns a status and body into the
//! expected type or one failure type, which each client words for its users.

use super::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use std::fmt;

/// Why an answer is not the success that was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// An error answer in the API's shape: `{success: false, message, code}`.
    Refused {
        status: u16,
        /// The server's code, or, from servers that send none, the one
        /// its status implies.
        code: ErrorCode,
        message: String,
    },
    /// An error status without the API's error body: a proxy page, a
    /// server that is not imghost.
    NotTheApi { status: u16, detail: String },
    /// A success status whose body is not the expected JSON.
    BadAnswer { status: u16, detail: String },
}

impl ApiFailure {
    pub fn status(&self) -> u16 {
        match self {
            Self::Refused { status, .. }
            | Self::NotTheApi { status, .. }
            | Self::BadAnswer { status, .. } => *status,
        }
    }

    /// What kind of error this is; for answers not in the API's shape, the
    /// kind their status implies.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Refused { code, .. } => *code,
            Self::NotTheApi { status, .. } => ErrorCode::from_status(*status),
            Self::BadAnswer { .. } => ErrorCode::Unknown,
        }
    }

    /// The server's own words, if it sent any.
    pub fn server_message(&self) -> &str {
        match self {
            Self::Refused { message, .. } => message,
            _ => "",
        }
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused { message, .. } => f.write_str(message),
            Self::NotTheApi { status, detail } | Self::BadAnswer { status, detail } => {
                write!(
                    f,
                    "unexpected answer from the server (HTTP {status}): {detail}"
                )
            }
        }
    }
}

impl std::error::Error for ApiFailure {}

/// A 2xx body as `T`; anything else as the failure it describes.
pub fn decode_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ApiFailure> {
    if (200..300).contains(&status) {
        return serde_json::from_slice(body).map_err(|error| ApiFailure::BadAnswer {
            status,
            detail: format!("{error}; the answer starts with {:?}", excerpt(body)),
        });
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => Err(ApiFailure::Refused {
            status,
            code: error.code.unwrap_or_else(|| ErrorCode::from_status(status)),
            message: error.message,
        }),
        Err(_) => Err(ApiFailure::NotTheApi {
            status,
            detail: if body.is_empty() {
                "empty body".into()
            } else {
                format!("{:?}", excerpt(body))
            },
        }),
    }
}

/// The first line of a body, cut to 80 characters.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.trim().lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(80).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::super::ListResponse;
    use super::*;

    fn error_body(code: &str, message: &str) -> Vec<u8> {
        format!(r#"{{"success":false,"message":"{message}","code":"{code}"}}"#).into_bytes()
    }

    #[test]
    fn error_bodies_carry_code_and_message() {
        let failure =
            decode_answer::<ListResponse>(413, &error_body("payload_too_large", "limit 20 MB"))
                .unwrap_err();
        assert_eq!(
            failure,
            ApiFailure::Refused {
                status: 413,
                code: ErrorCode::PayloadTooLarge,
                message: "limit 20 MB".into()
            }
        );
        assert_eq!(failure.code(), ErrorCode::PayloadTooLarge);
        assert_eq!(failure.server_message(), "limit 20 MB");
        assert_eq!(failure.to_string(), "limit 20 MB");
    }

    #[test]
    fn unknown_codes_and_missing_codes() {
        let teapot =
            decode_answer::<ListResponse>(418, &error_body("teapot", "short")).unwrap_err();
        assert_eq!(teapot.code(), ErrorCode::Unknown);
        assert_eq!(teapot.status(), 418);
        // Servers from before `code` existed: the status says what it was.
        let old =
            decode_answer::<ListResponse>(401, br#"{"success":false,"message":"no"}"#).unwrap_err();
        assert_eq!(old.code(), ErrorCode::Unauthorized);
    }

    #[test]
    fn answers_that_are_not_the_api() {
        let proxy = decode_answer::<ListResponse>(502, b"<html><body>Bad gateway</body></html>")
            .unwrap_err();
        assert_eq!(
            proxy.to_string(),
            "unexpected answer from the server (HTTP 502): \"<html><body>Bad gateway</body></html>\""
        );
        assert_eq!(proxy.code(), ErrorCode::Unknown);
        assert_eq!(proxy.server_message(), "");
        let empty = decode_answer::<ListResponse>(413, b"").unwrap_err();
        assert_eq!(
            empty.to_string(),
            "unexpected answer from the server (HTTP 413): empty body"
        );
        assert_eq!(empty.code(), ErrorCode::PayloadTooLarge);
        let long = "x".repeat(100);
        let cut = decode_answer::<ListResponse>(500, long.as_bytes()).unwrap_err();
        assert!(
            cut.to_string()
                .ends_with(&format!("\"{}…\"", "x".repeat(80))),
            "{cut}"
        );
    }

    #[test]
    fn success_bodies_decode_or_are_bad_answers() {
        let list: ListResponse =
            decode_answer(200, br#"{"success":true,"results":[],"total":0}"#).unwrap();
        assert_eq!(list.next_cursor, None);
        let html = decode_answer::<ListResponse>(200, b"<!doctype html>").unwrap_err();
        assert!(matches!(html, ApiFailure::BadAnswer { status: 200, .. }));
        assert_eq!(html.code(), ErrorCode::Unknown);
        let wrong = decode_answer::<ListResponse>(200, br#"{"hello":1}"#).unwrap_err();
        assert!(
            wrong
                .to_string()
                .starts_with("unexpected answer from the server (HTTP 200): missing field"),
            "{wrong}"
        );
    }
}
