//! The typed client for the imghost API: one function per endpoint, and one
//! place (`ApiError::from_response`) that turns HTTP failures into errors a
//! person can act on.

use crate::i18n::Lang;
use crate::settings::Connection;
use gloo_net::http::{Request, RequestBuilder};
use imghost_shared::api::albums::{
    AlbumId, AlbumListResponse, AlbumResponse, CreateAlbumRequest, TagListResponse,
    UpdateAlbumRequest,
};
use imghost_shared::api::query_string::encode_pairs;
use imghost_shared::api::{
    decode_answer, routes, width_field, ApiFailure, AuditQuery, AuditResponse, CreateTokenRequest,
    CreateTokenResponse, DeleteQuery, DeleteResponse, ErrorCode, ImageId, ImageRecord, ListQuery,
    ListResponse, PurgeResponse, RestoreResponse, RevokeTokenQuery, StatsResponse, ThumbnailQuery,
    TokenListResponse, TokenName, TrashQuery, UploadResponse, THUMBNAIL_FIELD, UPLOAD_FIELD,
};
use serde::de::{DeserializeOwned, IgnoredAny};
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FormData, ProgressEvent, XmlHttpRequest};

/// A failed call, as the UI tells it: the shared failure, sorted by what
/// the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer at all: wrong address, server down, offline, or CORS.
    Unreachable,
    Unauthorized,
    /// The token lacks the scope this needs; the server's words name it.
    Forbidden(String),
    /// Storage is full (`MAX_STORAGE_BYTES`): retrying will not help.
    QuotaExceeded(String),
    /// The server has no admin token configured; the text says how to fix it.
    NotConfigured(String),
    TooLarge(String),
    NotAnImage(String),
    /// An image the server could not safely clean of its metadata.
    Unprocessable(String),
    NotFound,
    /// The change clashes with what is stored (a thumbnail for an image
    /// that has one).
    Conflict(String),
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

impl From<ApiFailure> for ApiError {
    fn from(failure: ApiFailure) -> Self {
        if let ApiFailure::BadAnswer { .. } = failure {
            return Self::BadAnswer;
        }
        let message = failure.server_message().to_string();
        match failure.code() {
            ErrorCode::Unauthorized => Self::Unauthorized,
            ErrorCode::Forbidden => Self::Forbidden(message),
            ErrorCode::StorageQuotaExceeded => Self::QuotaExceeded(message),
            ErrorCode::NotConfigured => Self::NotConfigured(message),
            ErrorCode::PayloadTooLarge => Self::TooLarge(message),
            ErrorCode::UnsupportedMediaType => Self::NotAnImage(message),
            ErrorCode::UnprocessableImage => Self::Unprocessable(message),
            ErrorCode::NotFound => Self::NotFound,
            ErrorCode::Conflict => Self::Conflict(message),
            ErrorCode::TooManyRequests => Self::TooManyRequests(message),
            ErrorCode::BadRequest => Self::BadRequest(message),
            _ => Self::Server {
                status: failure.status(),
                message: if message.is_empty() {
                    format!("HTTP {}", failure.status())
                } else {
                    message
                },
            },
        }
    }
}

impl ApiError {
    /// What to tell the user, in their language. The server's own message
    /// (English) is added where it carries details such as a size limit.
    pub fn message(&self, lang: Lang) -> String {
        let texts = lang.texts();
        match self {
            Self::Unreachable => texts.error_unreachable.into(),
            Self::Unauthorized => texts.error_unauthorized.into(),
            Self::NotConfigured(detail) => lang.with_detail(texts.error_not_configured, detail),
            // The server's own words, where they are in the UI's language.
            Self::TooLarge(detail)
            | Self::TooManyRequests(detail)
            | Self::Forbidden(detail)
            | Self::QuotaExceeded(detail)
                if lang == Lang::En && !detail.is_empty() =>
            {
                detail.clone()
            }
            Self::Forbidden(detail) => lang.with_detail(texts.error_forbidden, detail),
            Self::QuotaExceeded(detail) => lang.with_detail(texts.error_quota, detail),
            Self::TooLarge(_) => texts.error_too_large.into(),
            Self::NotAnImage(detail) | Self::Unprocessable(detail) => {
                lang.with_detail(texts.error_not_an_image, detail)
            }
            Self::NotFound => texts.error_not_found.into(),
            Self::Conflict(detail) => lang.with_detail(texts.error_conflict, detail),
            Self::TooManyRequests(_) => texts.error_too_many.into(),
            Self::BadRequest(detail) => lang.with_detail(texts.error_bad_request, detail),
            Self::Server { status, message } => {
                lang.server_error(texts.error_server, *status, message)
            }
            Self::BadAnswer => texts.error_bad_answer.into(),
        }
    }
}

/// Parses a 2xx body as `T`, any other answer as an `ApiError`.
fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        serde_json::from_str(body).map_err(|_| ApiError::BadAnswer)
    } else {
        Err(refusal(status, body))
    }
}

/// The error an answer that is not a success stands for: read once for
/// every answer type, not once per type.
#[inline(never)]
fn refusal(status: u16, body: &str) -> ApiError {
    match decode_answer::<IgnoredAny>(status, body.as_bytes()) {
        Err(failure) => failure.into(),
        Ok(_) => ApiError::BadAnswer,
    }
}

/// An answer's status and body.
type Answer = Result<(u16, String), ApiError>;

/// How long a call (not an upload) may wait for its answer.
const CALL_TIMEOUT_MS: u32 = 30_000;

/// Sends a fetch request; its answer. One boxed future for every endpoint,
/// so the fetch is compiled once, not once per answer type.
fn exchange(request: Result<Request, ApiError>) -> Pin<Box<dyn Future<Output = Answer>>> {
    Box::pin(async move {
        let response = request?.send().await.map_err(|_| ApiError::Unreachable)?;
        let body = response.text().await.map_err(|_| ApiError::Unreachable)?;
        Ok((response.status(), body))
    })
}

/// Sends a fetch request and decodes its answer.
async fn send<T: DeserializeOwned>(request: Result<Request, ApiError>) -> Result<T, ApiError> {
    let (status, body) = exchange(request).await?;
    decode(status, &body)
}

/// What is sent beside an image: its thumbnail and its responsive widths.
#[derive(Clone, Default)]
pub struct Extras {
    pub thumbnail: Option<Blob>,
    pub widths: Vec<(u32, Blob)>,
}

impl Extras {
    /// These without the part the server's 400 `why` refused, or `None`
    /// when `why` is about the image itself.
    pub fn without_refused(&self, why: &str) -> Option<Self> {
        if self.thumbnail.is_some() && why.starts_with("The thumbnail") {
            return Some(Self {
                thumbnail: None,
                ..self.clone()
            });
        }
        let about_widths = why.contains(" px width") || why.starts_with("Send every width");
        (!self.widths.is_empty() && about_widths).then(|| Self {
            widths: Vec::new(),
            ..self.clone()
        })
    }
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

    fn url(&self, path: &str, query: &str) -> String {
        if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        }
    }

    /// A signed-in request of `method` to `path?query`.
    fn request(
        &self,
        method: fn(&str) -> RequestBuilder,
        path: &str,
        query: &str,
    ) -> RequestBuilder {
        method(&self.url(path, query)).header("Authorization", &self.authorization)
    }

    /// A signed-in request of `method` to `path?query`, and its answer.
    fn call<T: DeserializeOwned>(
        &self,
        method: fn(&str) -> RequestBuilder,
        path: &str,
        query: &str,
    ) -> impl Future<Output = Result<T, ApiError>> {
        send(self.build(method, path, query))
    }

    fn build(
        &self,
        method: fn(&str) -> RequestBuilder,
        path: &str,
        query: &str,
    ) -> Result<Request, ApiError> {
        // A request the server never answers fails after a while, rather
        // than leave a listing "loading" for good (its retry is a click).
        let signal = web_sys::AbortSignal::timeout_with_u32(CALL_TIMEOUT_MS);
        self.request(method, path, query)
            .abort_signal(Some(&signal))
            .build()
            .map_err(|_| ApiError::Unreachable)
    }

    pub fn list(&self, query: &ListQuery) -> impl Future<Output = Result<ListResponse, ApiError>> {
        self.call(Request::get, routes::QUERY, &query.to_query_string())
    }

    /// Moves image `id` to the trash.
    pub fn delete(&self, id: ImageId) -> impl Future<Output = Result<DeleteResponse, ApiError>> {
        let query = DeleteQuery::Id(id).to_query_string();
        self.call(Request::delete, routes::DELETE, &query)
    }

    /// Takes image `id` out of the trash, back under the URL it had.
    pub fn restore(&self, id: ImageId) -> impl Future<Output = Result<RestoreResponse, ApiError>> {
        let query = TrashQuery { id: Some(id) }.to_query_string();
        self.call(Request::post, routes::TRASH_RESTORE, &query)
    }

    pub fn trash(&self, query: &ListQuery) -> impl Future<Output = Result<ListResponse, ApiError>> {
        self.call(Request::get, routes::TRASH, &query.to_query_string())
    }

    /// Deletes for good image `id` of the trash, or (`None`) up to a batch
    /// of it: call again while `remaining` is above 0.
    pub fn purge(
        &self,
        id: Option<ImageId>,
    ) -> impl Future<Output = Result<PurgeResponse, ApiError>> {
        let query = TrashQuery { id }.to_query_string();
        self.call(Request::delete, routes::TRASH, &query)
    }

    pub fn audit(
        &self,
        query: &AuditQuery,
    ) -> impl Future<Output = Result<AuditResponse, ApiError>> {
        self.call(Request::get, routes::AUDIT, &query.to_query_string())
    }

    pub fn tokens(&self) -> impl Future<Output = Result<TokenListResponse, ApiError>> {
        self.call(Request::get, routes::TOKENS, "")
    }

    pub fn create_token(
        &self,
        token: &CreateTokenRequest,
    ) -> impl Future<Output = Result<CreateTokenResponse, ApiError>> {
        self.send_json(Request::post, routes::TOKENS, "", token)
    }

    /// A JSON body of `method` to `path?query`, and its answer.
    fn send_json<T: DeserializeOwned>(
        &self,
        method: fn(&str) -> RequestBuilder,
        path: &str,
        query: &str,
        body: &impl serde::Serialize,
    ) -> impl Future<Output = Result<T, ApiError>> {
        let body = serde_json::to_string(body).unwrap_or_default();
        let request = self
            .request(method, path, query)
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|_| ApiError::Unreachable);
        send(request)
    }

    pub fn albums(&self) -> impl Future<Output = Result<AlbumListResponse, ApiError>> {
        self.call(Request::get, routes::ALBUMS, "")
    }

    pub fn tags(&self) -> impl Future<Output = Result<TagListResponse, ApiError>> {
        self.call(Request::get, routes::TAGS, "")
    }

    /// Takes tag `name` off every image.
    pub async fn delete_tag(&self, name: &str) -> Result<(), ApiError> {
        let query = encode_pairs([("name", name.into())]);
        self.call::<IgnoredAny>(Request::delete, routes::TAGS, &query)
            .await
            .map(drop)
    }

    /// The body of a successful `GET path`, unread: the main page reads
    /// album and tag lists with the runtime's `JSON.parse` (a decoder for
    /// them would cost its wasm kilobytes).
    pub async fn get_text(&self, path: &str) -> Result<String, ApiError> {
        let (status, body) = exchange(self.build(Request::get, path, "")).await?;
        decode::<IgnoredAny>(status, &body)?;
        Ok(body)
    }

    pub fn create_album(
        &self,
        album: &CreateAlbumRequest,
    ) -> impl Future<Output = Result<AlbumResponse, ApiError>> {
        self.send_json(Request::post, routes::ALBUMS, "", album)
    }

    pub fn update_album(
        &self,
        id: AlbumId,
        update: &UpdateAlbumRequest,
    ) -> impl Future<Output = Result<AlbumResponse, ApiError>> {
        self.send_json(Request::patch, routes::ALBUMS, &format!("id={id}"), update)
    }

    /// Deletes album `id`; its images stay.
    pub async fn delete_album(&self, id: AlbumId) -> Result<(), ApiError> {
        self.call::<IgnoredAny>(Request::delete, routes::ALBUMS, &format!("id={id}"))
            .await
            .map(drop)
    }

    /// `method` (`POST` or `PATCH`) `path?query` with a JSON `body`
    /// already written; the answer unread past its status.
    pub async fn send_written_json(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: String,
    ) -> Result<(), ApiError> {
        let method = if method == "PATCH" {
            Request::patch
        } else {
            Request::post
        };
        let request = self
            .request(method, path, query)
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|_| ApiError::Unreachable);
        send::<IgnoredAny>(request).await.map(drop)
    }

    /// Revokes the token `name` at once. Its answer (a
    /// `RevokeTokenResponse`) only repeats the name, so it is not read:
    /// a decoder for it would cost the page more than the check is worth.
    pub async fn revoke_token(&self, name: TokenName) -> Result<(), ApiError> {
        let query = RevokeTokenQuery { name }.to_query_string();
        self.call::<IgnoredAny>(Request::delete, routes::TOKENS, &query)
            .await
            .map(drop)
    }

    /// `None` when the server has no `/stats` route.
    pub async fn stats(&self) -> Result<Option<StatsResponse>, ApiError> {
        match self.call(Request::get, routes::STATS, "").await {
            Ok(stats) => Ok(Some(stats)),
            Err(ApiError::NotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Checks address and token with the smallest listing; the image count.
    pub async fn check_connection(&self) -> Result<u64, ApiError> {
        Ok(self.list(&ListQuery::first_page(1)).await?.total)
    }

    /// Stores `thumbnail` (its bytes, under its own type) as the thumbnail of
    /// image `id`, and answers the image's record with it; `None` when the
    /// image has one already. The answer, a `ThumbnailResponse`, is read as
    /// the record it flattens: with the listing's decoder, not a second one.
    pub async fn put_thumbnail(
        &self,
        id: ImageId,
        thumbnail: &Blob,
    ) -> Result<Option<ImageRecord>, ApiError> {
        let query = ThumbnailQuery { id }.to_query_string();
        let request = self
            .request(Request::put, routes::THUMBNAIL, &query)
            .header("Content-Type", &thumbnail.type_())
            .body(thumbnail.clone())
            .map_err(|_| ApiError::Unreachable);
        match send(request).await {
            Ok(answer) => Ok(Some(answer)),
            Err(ApiError::Conflict(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Uploads with XMLHttpRequest, the one browser API that reports upload
    /// progress; `on_progress` gets the fraction sent, 0 to 1. A `thumbnail`
    /// goes along in its own form field.
    pub async fn upload(
        &self,
        file: &Blob,
        name: &str,
        extras: &Extras,
        labels: &str,
        on_progress: impl Fn(f64) + 'static,
    ) -> Result<UploadResponse, ApiError> {
        let unreachable = |_| ApiError::Unreachable;
        let form = FormData::new().map_err(unreachable)?;
        form.append_with_blob_and_filename(UPLOAD_FIELD, file, name)
            .map_err(unreachable)?;
        if let Some(thumbnail) = &extras.thumbnail {
            form.append_with_blob_and_filename(THUMBNAIL_FIELD, thumbnail, THUMBNAIL_FIELD)
                .map_err(unreachable)?;
        }
        for (width, blob) in &extras.widths {
            let field = width_field(*width);
            form.append_with_blob_and_filename(&field, blob, &field)
                .map_err(unreachable)?;
        }
        let xhr = XmlHttpRequest::new().map_err(unreachable)?;
        xhr.open("POST", &self.url(routes::UPLOAD, labels))
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

    fn error(status: u16, body: &str) -> ApiError {
        decode::<ListResponse>(status, body).unwrap_err()
    }

    #[test]
    fn error_codes_and_statuses_map_to_errors() {
        let body = |code: &str, message: &str| {
            format!(r#"{{"success":false,"message":"{message}","code":"{code}"}}"#)
        };
        assert_eq!(
            error(401, &body("unauthorized", "x")),
            ApiError::Unauthorized
        );
        assert_eq!(
            error(413, &body("payload_too_large", "limit is 20 MB")),
            ApiError::TooLarge("limit is 20 MB".into())
        );
        assert_eq!(
            error(415, &body("unsupported_media_type", "looks like text")),
            ApiError::NotAnImage("looks like text".into())
        );
        assert_eq!(
            error(422, &body("unprocessable_image", "cannot walk the JPEG")),
            ApiError::Unprocessable("cannot walk the JPEG".into())
        );
        assert_eq!(
            error(503, &body("not_configured", "set ADMIN_TOKEN")),
            ApiError::NotConfigured("set ADMIN_TOKEN".into())
        );
        assert_eq!(
            error(404, &body("not_found", "Image 3 not found")),
            ApiError::NotFound
        );
        assert_eq!(
            error(
                403,
                &body("forbidden", "This token lacks the `admin` scope")
            ),
            ApiError::Forbidden("This token lacks the `admin` scope".into())
        );
        assert_eq!(
            error(507, &body("storage_quota_exceeded", "9 GB of 9 GB used")),
            ApiError::QuotaExceeded("9 GB of 9 GB used".into())
        );
        assert_eq!(
            error(409, &body("conflict", "Image 3 has a thumbnail")),
            ApiError::Conflict("Image 3 has a thumbnail".into())
        );
        assert_eq!(
            error(500, &body("internal", "Internal error")),
            ApiError::Server {
                status: 500,
                message: "Internal error".into()
            }
        );
        // Codes a newer server invents fall back on the status.
        assert_eq!(
            error(418, &body("teapot", "short and stout")),
            ApiError::Server {
                status: 418,
                message: "short and stout".into()
            }
        );
    }

    #[test]
    fn answers_without_json_fall_back_on_the_status() {
        assert_eq!(error(401, ""), ApiError::Unauthorized);
        assert_eq!(
            error(413, "<html>Request Entity Too Large</html>"),
            ApiError::TooLarge(String::new())
        );
        assert_eq!(
            error(502, "<html>Bad gateway</html>"),
            ApiError::Server {
                status: 502,
                message: "HTTP 502".into()
            }
        );
    }

    #[test]
    fn success_with_a_foreign_body_is_a_bad_answer() {
        assert_eq!(
            error(200, "<!doctype html><html></html>"),
            ApiError::BadAnswer
        );
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
            ApiError::Forbidden("This token lacks the `read` scope".into()).message(Lang::En),
            "This token lacks the `read` scope"
        );
        assert!(ApiError::QuotaExceeded("full".into())
            .message(Lang::Zh)
            .ends_with("full"));
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
}
