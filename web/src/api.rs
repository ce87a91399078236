//! The typed client for the imghost API: one function per endpoint, and one
//! place (`ApiError::from_response`) that turns HTTP failures into errors a
//! person can act on.

use crate::i18n::Lang;
use crate::settings::Connection;
use gloo_net::http::{Request, RequestBuilder};
use imghost_shared::api::{
    DeleteResponse, ErrorBody, ErrorCode, ImageId, ListResponse, StatsResponse, UploadResponse,
    UPLOAD_FIELD,
};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FormData, ProgressEvent, XmlHttpRequest};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer at all: wrong address, server down, offline, or CORS.
    Unreachable,
    Unauthorized,
    /// The server has no admin token configured; the text says how to fix it.
    NotConfigured(String),
    TooLarge(String),
    NotAnImage(String),
    NotFound,
    TooManyRequests(String),
    BadRequest(String),
    Server {
        status: u16,
        message: String,
    },
    /// A success status with a body that is not the expected JSON: usually
    /// an API address pointing at some other web site.
    BadAnswer,
}

impl ApiError {
    /// The error for a non-2xx answer with this status and body.
    pub fn from_response(status: u16, body: &str) -> Self {
        let parsed = serde_json::from_str::<ErrorBody>(body).ok();
        let message = parsed
            .as_ref()
            .map(|body| body.message.clone())
            .unwrap_or_default();
        let code = parsed.and_then(|body| body.code);
        match (code, status) {
            (Some(ErrorCode::Unauthorized), _) | (None, 401) => Self::Unauthorized,
            (Some(ErrorCode::NotConfigured), _) => Self::NotConfigured(message),
            (Some(ErrorCode::PayloadTooLarge), _) | (None, 413) => Self::TooLarge(message),
            (Some(ErrorCode::UnsupportedMediaType), _) | (None, 415) => Self::NotAnImage(message),
            (Some(ErrorCode::NotFound), _) | (None, 404) => Self::NotFound,
            (Some(ErrorCode::TooManyRequests), _) | (None, 429) => Self::TooManyRequests(message),
            (Some(ErrorCode::BadRequest), _) | (None, 400) => Self::BadRequest(message),
            _ => Self::Server {
                status,
                message: if message.is_empty() {
                    format!("HTTP {status}")
                } else {
                    message
                },
            },
        }
    }

    /// What to tell the user, in their language. The server's own message
    /// (English) is added where it carries details such as a size limit.
    pub fn message(&self, lang: Lang) -> String {
        let texts = lang.texts();
        let with_detail = |text: &str, detail: &str| {
            if detail.is_empty() {
                text.trim_end_matches(':')
                    .trim_end_matches('：')
                    .to_string()
            } else if lang == Lang::Zh {
                format!("{text}{detail}")
            } else {
                format!("{text} {detail}")
            }
        };
        match self {
            Self::Unreachable => texts.error_unreachable.into(),
            Self::Unauthorized => texts.error_unauthorized.into(),
            Self::NotConfigured(detail) => with_detail(texts.error_not_configured, detail),
            // The server's own words, where they are in the UI's language.
            Self::TooLarge(detail) | Self::TooManyRequests(detail)
                if lang == Lang::En && !detail.is_empty() =>
            {
                detail.clone()
            }
            Self::TooLarge(_) => texts.error_too_large.into(),
            Self::NotAnImage(detail) => with_detail(texts.error_not_an_image, detail),
            Self::NotFound => texts.error_not_found.into(),
            Self::TooManyRequests(_) => texts.error_too_many.into(),
            Self::BadRequest(detail) => with_detail(texts.error_bad_request, detail),
            Self::Server { status, message } => {
                format!("{} {status}: {message}", texts.error_server)
            }
            Self::BadAnswer => texts.error_bad_answer.into(),
        }
    }
}

/// One page of the listing to ask for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    pub page_size: u32,
    pub cursor: Option<String>,
    pub search: String,
}

impl PageQuery {
    /// The query string of `GET /query`, without the `?`.
    pub fn query_string(&self) -> String {
        let mut query = format!("pageSize={}", self.page_size);
        if let Some(cursor) = &self.cursor {
            query.push_str("&cursor=");
            query.push_str(&encode_component(cursor));
        }
        let search = self.search.trim();
        if !search.is_empty() {
            query.push_str("&search=");
            query.push_str(&encode_component(search));
        }
        query
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Parses a 2xx body as `T`, any other answer as an `ApiError`.
fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        serde_json::from_str(body).map_err(|_| ApiError::BadAnswer)
    } else {
        Err(ApiError::from_response(status, body))
    }
}

/// Sends a fetch request and decodes its answer.
async fn send<T: DeserializeOwned>(request: Request) -> Result<T, ApiError> {
    let response = request.send().await.map_err(|_| ApiError::Unreachable)?;
    let body = response.text().await.map_err(|_| ApiError::Unreachable)?;
    decode(response.status(), &body)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
    authorization: String,
}

impl Api {
    pub fn new(connection: &Connection) -> Self {
        Self {
            base: connection.api_url.trim_end_matches('/').to_string(),
            authorization: format!("Bearer {}", connection.token),
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// A signed-in request of `method` to `path_and_query`, and its answer.
    async fn call<T: DeserializeOwned>(
        &self,
        method: fn(&str) -> RequestBuilder,
        path_and_query: &str,
    ) -> Result<T, ApiError> {
        let request = method(&self.url(path_and_query))
            .header("Authorization", &self.authorization)
            .build()
            .map_err(|_| ApiError::Unreachable)?;
        send(request).await
    }

    pub async fn list(&self, page: &PageQuery) -> Result<ListResponse, ApiError> {
        self.call(Request::get, &format!("/query?{}", page.query_string()))
            .await
    }

    pub async fn delete(&self, id: ImageId) -> Result<DeleteResponse, ApiError> {
        self.call(Request::delete, &format!("/delete?id={id}"))
            .await
    }

    /// `None` when the server has no `/stats` route.
    pub async fn stats(&self) -> Result<Option<StatsResponse>, ApiError> {
        match self.call(Request::get, "/stats").await {
            Ok(stats) => Ok(Some(stats)),
            Err(ApiError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Checks address and token with the smallest listing; the image count.
    pub async fn check_connection(&self) -> Result<u64, ApiError> {
        let page = PageQuery {
            page_size: 1,
            ..PageQuery::default()
        };
        Ok(self.list(&page).await?.total)
    }

    /// Uploads with XMLHttpRequest, the one browser API that reports upload
    /// progress; `on_progress` gets the fraction sent, 0 to 1.
    pub async fn upload(
        &self,
        file: &Blob,
        name: &str,
        on_progress: impl Fn(f64) + 'static,
    ) -> Result<UploadResponse, ApiError> {
        let unreachable = |_| ApiError::Unreachable;
        let form = FormData::new().map_err(unreachable)?;
        form.append_with_blob_and_filename(UPLOAD_FIELD, file, name)
            .map_err(unreachable)?;
        let xhr = XmlHttpRequest::new().map_err(unreachable)?;
        xhr.open("POST", &self.url("/upload"))
            .map_err(unreachable)?;
        xhr.set_request_header("Authorization", &self.authorization)
            .map_err(unreachable)?;
        let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                on_progress(event.loaded() / event.total());
            }
        });
        xhr.upload()
            .map_err(unreachable)?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));
        // `loadend` follows success, network error and abort alike.
        let finished = js_sys::Promise::new(&mut |resolve, _reject| {
            xhr.set_onloadend(Some(&resolve));
        });
        xhr.send_with_opt_form_data(Some(&form))
            .map_err(unreachable)?;
        let _ = JsFuture::from(finished).await;
        drop(progress);
        let status = xhr.status().unwrap_or(0);
        if status == 0 {
            return Err(ApiError::Unreachable);
        }
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        decode(status, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_and_statuses_map_to_errors() {
        let body = |code: &str, message: &str| {
            format!(r#"{{"success":false,"message":"{message}","code":"{code}"}}"#)
        };
        assert_eq!(
            ApiError::from_response(401, &body("unauthorized", "x")),
            ApiError::Unauthorized
        );
        assert_eq!(
            ApiError::from_response(413, &body("payload_too_large", "limit is 20 MB")),
            ApiError::TooLarge("limit is 20 MB".into())
        );
        assert_eq!(
            ApiError::from_response(415, &body("unsupported_media_type", "looks like text")),
            ApiError::NotAnImage("looks like text".into())
        );
        assert_eq!(
            ApiError::from_response(503, &body("not_configured", "set ADMIN_TOKEN")),
            ApiError::NotConfigured("set ADMIN_TOKEN".into())
        );
        assert_eq!(
            ApiError::from_response(404, &body("not_found", "Image 3 not found")),
            ApiError::NotFound
        );
        assert_eq!(
            ApiError::from_response(500, &body("internal", "Internal error")),
            ApiError::Server {
                status: 500,
                message: "Internal error".into()
            }
        );
        // Codes a newer server invents fall back on the status.
        assert_eq!(
            ApiError::from_response(418, &body("teapot", "short and stout")),
            ApiError::Server {
                status: 418,
                message: "short and stout".into()
            }
        );
    }

    #[test]
    fn answers_without_json_fall_back_on_the_status() {
        assert_eq!(ApiError::from_response(401, ""), ApiError::Unauthorized);
        assert_eq!(
            ApiError::from_response(413, "<html>Request Entity Too Large</html>"),
            ApiError::TooLarge(String::new())
        );
        assert_eq!(
            ApiError::from_response(502, "<html>Bad gateway</html>"),
            ApiError::Server {
                status: 502,
                message: "HTTP 502".into()
            }
        );
    }

    #[test]
    fn success_with_a_foreign_body_is_a_bad_answer() {
        let result = decode::<ListResponse>(200, "<!doctype html><html></html>");
        assert_eq!(result, Err(ApiError::BadAnswer));
        let list = decode::<ListResponse>(200, r#"{"success":true,"results":[],"total":0}"#);
        assert_eq!(list.unwrap().next_cursor, None);
    }

    #[test]
    fn messages_are_in_words() {
        assert_eq!(
            ApiError::Unauthorized.message(Lang::En),
            "Wrong token: the server refused the admin token. Check it in Settings."
        );
        assert_eq!(
            ApiError::TooLarge("The file is too large: the limit is 20 MB".into())
                .message(Lang::En),
            "The file is too large: the limit is 20 MB"
        );
        assert_eq!(
            ApiError::TooLarge(String::new()).message(Lang::En),
            "The file is too large for this server."
        );
        assert_eq!(
            ApiError::NotAnImage("looks like a PDF".into()).message(Lang::En),
            "The server refused the file: looks like a PDF"
        );
        assert_eq!(
            ApiError::NotAnImage(String::new()).message(Lang::Zh),
            "服务器拒绝了此文件"
        );
        assert_eq!(
            ApiError::Server {
                status: 500,
                message: "Internal error".into()
            }
            .message(Lang::En),
            "Server error 500: Internal error"
        );
    }

    #[test]
    fn list_query_string_encodes_cursor_and_search() {
        let page = PageQuery {
            page_size: 50,
            cursor: Some("1.2a".into()),
            search: " cat & dog/猫 ".into(),
        };
        assert_eq!(
            page.query_string(),
            "pageSize=50&cursor=1.2a&search=cat%20%26%20dog%2F%E7%8C%AB"
        );
        let first = PageQuery {
            page_size: 20,
            ..PageQuery::default()
        };
        assert_eq!(first.query_string(), "pageSize=20");
    }
}
