//! The imghost HTTP API, typed with the shared request/response types.

use crate::config::Settings;
use crate::thumbnail::{Extras, Thumbnail};
use bytes::Bytes;
use imghost_shared::api::albums::{
    AlbumId, AlbumImagesRequest, AlbumListResponse, AlbumResponse, CreateAlbumRequest,
    LabelChangeResponse, RemovedResponse, TagImagesRequest, TagListResponse, TagName,
    UpdateAlbumRequest,
};
use imghost_shared::api::query_string::encode_pairs;
use imghost_shared::api::{
    decode_answer, routes, width_field, ApiFailure, CreateTokenRequest, CreateTokenResponse,
    DeleteQuery, DeleteResponse, ErrorCode, ImageId, ListQuery, ListResponse, PurgeResponse,
    ReconcileQuery, ReconcileReport, RestoreResponse, RevokeTokenQuery, RevokeTokenResponse,
    StatsResponse, ThumbnailQuery, ThumbnailResponse, TokenListResponse, TokenName, TrashQuery,
    UploadQuery, UploadResponse, MAX_PAGE_SIZE, THUMBNAIL_FIELD, UPLOAD_FIELD,
};
use reqwest::{header, Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Listing, deleting and the other small calls.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// An upload of the largest allowed image over a slow line.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Chunks of the upload body, one progress bar step each.
const CHUNK: usize = 64 * 1024;

/// Why a call failed, in words for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered, but not with the success asked for.
    Failed(ApiFailure),
    /// No connection, DNS failure, TLS failure and the like.
    Unreachable {
        url: String,
        cause: String,
    },
    TimedOut {
        url: String,
        seconds: u64,
    },
}

impl ApiError {
    /// The server has no such route or thing (404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Failed(failure) if failure.status() == 404)
    }

    /// The server refused because what was asked for is already there (a
    /// thumbnail the image has).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::Failed(ApiFailure::Refused {
                code: ErrorCode::Conflict,
                ..
            })
        )
    }

    /// The server knows the token but refused it this route: it lacks the
    /// scope the route needs (the message names it).
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            Self::Failed(ApiFailure::Refused {
                code: ErrorCode::Forbidden,
                ..
            })
        )
    }
}

impl From<ApiFailure> for ApiError {
    fn from(failure: ApiFailure) -> Self {
        Self::Failed(failure)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(failure @ ApiFailure::Refused { status: 401, .. }) => write!(
                f,
                "{failure} (check the token: run `imghost login` or set IMGHOST_TOKEN)"
            ),
            // Asking again cannot help (nothing here retries it): only
            // space made, or a higher limit, can.
            Self::Failed(
                failure @ ApiFailure::Refused {
                    code: ErrorCode::StorageQuotaExceeded,
                    ..
                },
            ) => write!(
                f,
                "{failure} (`imghost trash empty` purges what the trash holds)"
            ),
            Self::Failed(failure) => failure.fmt(f),
            Self::Unreachable { url, cause } => write!(f, "cannot reach {url}: {cause}"),
            Self::TimedOut { url, seconds } => write!(f, "no answer from {url} within {seconds} s"),
        }
    }
}

impl std::error::Error for ApiError {}

/// What a reconcile call does besides reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconcileMode {
    Report,
    /// Delete imghost's own orphans and the rows without objects.
    Repair,
    /// Make objects without rows into images; delete nothing.
    Adopt,
}

/// Reports upload progress in bytes sent.
pub trait Progress: Send + Sync + 'static {
    fn advance(&self, bytes: u64);
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// The album and tags every upload of this run goes into.
    labels: UploadQuery,
    /// The album and tags every listing of this run is narrowed to.
    filters: (Option<AlbumId>, Vec<TagName>),
}

impl Client {
    pub fn new(settings: &Settings) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("imghost-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .expect("the TLS backend initialises");
        Self {
            http,
            base: settings.url.clone(),
            token: settings.token.clone(),
            labels: UploadQuery::default(),
            filters: (None, Vec::new()),
        }
    }

    /// Uploads go into `album` with `tags`.
    pub fn with_labels(self, album: Option<AlbumId>, tags: Vec<TagName>) -> Self {
        Self {
            labels: UploadQuery {
                album,
                tags,
                ..UploadQuery::default()
            },
            ..self
        }
    }

    /// The album and tags uploads of this run go into.
    pub fn labels(&self) -> &UploadQuery {
        &self.labels
    }

    /// Listings show only `album`'s images carrying every tag of `tags`.
    pub fn with_filters(self, album: Option<AlbumId>, tags: Vec<TagName>) -> Self {
        Self {
            filters: (album, tags),
            ..self
        }
    }

    /// `GET /albums`
    pub async fn albums(&self) -> Result<AlbumListResponse, ApiError> {
        self.send(self.request(Method::GET, routes::ALBUMS, ""), CALL_TIMEOUT)
            .await
    }

    /// `POST /albums`
    pub async fn create_album(&self, body: &CreateAlbumRequest) -> Result<AlbumResponse, ApiError> {
        let request = self.request(Method::POST, routes::ALBUMS, "").json(body);
        self.send(request, CALL_TIMEOUT).await
    }

    /// `PATCH /albums?id=N`
    pub async fn update_album(
        &self,
        id: AlbumId,
        body: &UpdateAlbumRequest,
    ) -> Result<AlbumResponse, ApiError> {
        let request = self
            .request(Method::PATCH, routes::ALBUMS, &format!("id={id}"))
            .json(body);
        self.send(request, CALL_TIMEOUT).await
    }

    /// `DELETE /albums?id=N`
    pub async fn delete_album(&self, id: AlbumId) -> Result<RemovedResponse, ApiError> {
        let request = self.request(Method::DELETE, routes::ALBUMS, &format!("id={id}"));
        self.send(request, CALL_TIMEOUT).await
    }

    /// `POST /albums/images?id=N`
    pub async fn album_images(
        &self,
        id: AlbumId,
        body: &AlbumImagesRequest,
    ) -> Result<LabelChangeResponse, ApiError> {
        let request = self
            .request(Method::POST, routes::ALBUM_IMAGES, &format!("id={id}"))
            .json(body);
        self.send(request, CALL_TIMEOUT).await
    }

    /// `GET /tags`
    pub async fn tags(&self) -> Result<TagListResponse, ApiError> {
        self.send(self.request(Method::GET, routes::TAGS, ""), CALL_TIMEOUT)
            .await
    }

    /// `POST /tags/images`
    pub async fn tag_images(
        &self,
        body: &TagImagesRequest,
    ) -> Result<LabelChangeResponse, ApiError> {
        let request = self
            .request(Method::POST, routes::TAG_IMAGES, "")
            .json(body);
        self.send(request, CALL_TIMEOUT).await
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// A plain HTTP client for fetching images by URL (no token is sent).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A request to `path?query` with the token, if there is one.
    fn request(&self, method: Method, path: &str, query: &str) -> RequestBuilder {
        let url = if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        };
        let builder = self.http.request(method, url).timeout(CALL_TIMEOUT);
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// `POST /upload` with the bytes in the multipart field `file`, its
    /// thumbnail, if one was made, in the field `thumbnail`, and its widths
    /// in `width_<N>`.
    pub async fn upload(
        &self,
        name: &str,
        mime: &str,
        data: Bytes,
        extras: &Extras,
        progress: Option<std::sync::Arc<dyn Progress>>,
    ) -> Result<UploadResponse, ApiError> {
        self.upload_to(&self.labels, name, mime, data, extras, progress)
            .await
    }

    /// `POST /upload?key=&created_at=`: an exported image back under the
    /// key and time it had (or, with an empty query, a new upload).
    pub async fn upload_to(
        &self,
        query: &UploadQuery,
        name: &str,
        mime: &str,
        data: Bytes,
        extras: &Extras,
        progress: Option<std::sync::Arc<dyn Progress>>,
    ) -> Result<UploadResponse, ApiError> {
        let length = data.len() as u64;
        let chunks: Vec<Bytes> = (0..data.len())
            .step_by(CHUNK)
            .map(|start| data.slice(start..(start + CHUNK).min(data.len())))
            .collect();
        let stream = futures_util::stream::iter(chunks.into_iter().map(move |chunk| {
            if let Some(progress) = &progress {
                progress.advance(chunk.len() as u64);
            }
            Ok::<_, std::io::Error>(chunk)
        }));
        let part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::wrap_stream(stream),
            length,
        )
        .file_name(name.to_string())
        .mime_str(mime)
        .expect("a detected image type is a valid MIME type");
        let mut form = reqwest::multipart::Form::new().part(UPLOAD_FIELD, part);
        if let Some(thumbnail) = &extras.thumbnail {
            form = form.part(THUMBNAIL_FIELD, thumbnail_part(thumbnail));
        }
        for width in &extras.widths {
            form = form.part(width_field(width.width), width_part(width));
        }
        let request = self
            .request(Method::POST, routes::UPLOAD, &query.to_query_string())
            .timeout(UPLOAD_TIMEOUT)
            .multipart(form);
        self.send(request, UPLOAD_TIMEOUT).await
    }

    /// `PUT /thumbnail?id=N` with the thumbnail's bytes as the body: for an
    /// image that has none (one that has answers a conflict, see
    /// [`ApiError::is_conflict`]).
    pub async fn put_thumbnail(
        &self,
        id: ImageId,
        thumbnail: &Thumbnail,
    ) -> Result<ThumbnailResponse, ApiError> {
        let query = ThumbnailQuery { id };
        let request = self
            .request(Method::PUT, routes::THUMBNAIL, &query.to_query_string())
            .header(header::CONTENT_TYPE, thumbnail.mime())
            .body(thumbnail.data.clone());
        self.send(request, CALL_TIMEOUT).await
    }

    /// `PUT /widths?id=N` with the widths as multipart files: for an image
    /// that has none (one that has answers a conflict).
    pub async fn put_widths(
        &self,
        id: ImageId,
        widths: &[crate::widths::Width],
    ) -> Result<ThumbnailResponse, ApiError> {
        let query = ThumbnailQuery { id };
        let mut form = reqwest::multipart::Form::new();
        for width in widths {
            form = form.part(width_field(width.width), width_part(width));
        }
        let request = self
            .request(Method::PUT, routes::WIDTHS, &query.to_query_string())
            .multipart(form);
        self.send(request, UPLOAD_TIMEOUT).await
    }

    /// `GET /query`: one page, newest first.
    pub async fn list(
        &self,
        page_size: u32,
        cursor: Option<&str>,
        search: Option<&str>,
    ) -> Result<ListResponse, ApiError> {
        let (album, tags) = self.filters.clone();
        let mut query = ListQuery::first_page(page_size)
            .with_search(search.unwrap_or_default())
            .with_filters(album, tags)
            .with_labels();
        if let Some(cursor) = cursor {
            query = query.after(cursor).map_err(|error| {
                ApiError::Failed(ApiFailure::BadAnswer {
                    status: 200,
                    detail: error.to_string(),
                })
            })?;
        }
        let request = self.request(Method::GET, routes::QUERY, &query.to_query_string());
        self.send(request, CALL_TIMEOUT).await
    }

    pub async fn delete_by_id(&self, id: ImageId) -> Result<DeleteResponse, ApiError> {
        self.delete(DeleteQuery::Id(id)).await
    }

    pub async fn delete_by_key(&self, key: &str) -> Result<DeleteResponse, ApiError> {
        self.delete(DeleteQuery::Key(key.to_string())).await
    }

    async fn delete(&self, query: DeleteQuery) -> Result<DeleteResponse, ApiError> {
        let request = self.request(Method::DELETE, routes::DELETE, &query.to_query_string());
        self.send(request, CALL_TIMEOUT).await
    }

    pub async fn stats(&self) -> Result<StatsResponse, ApiError> {
        self.send(self.request(Method::GET, routes::STATS, ""), CALL_TIMEOUT)
            .await
    }

    /// `GET /reconcile` reports on one window of keys; `POST /reconcile`
    /// also repairs it, or adopts its objects without rows. Pass the
    /// previous answer's `next_cursor` as `cursor`.
    pub async fn reconcile(
        &self,
        mode: ReconcileMode,
        cursor: Option<&str>,
    ) -> Result<ReconcileReport, ApiError> {
        let method = match mode {
            ReconcileMode::Report => Method::GET,
            ReconcileMode::Repair | ReconcileMode::Adopt => Method::POST,
        };
        let query = ReconcileQuery {
            cursor: cursor.map(str::to_string),
            adopt: mode == ReconcileMode::Adopt,
        };
        let request = self.request(method, routes::RECONCILE, &query.to_query_string());
        self.send(request, CALL_TIMEOUT).await
    }

    /// `GET /trash`: one page of the trash, most recently deleted first;
    /// each record's `image_url` is the URL it comes back under. The
    /// cursor is passed back as the server wrote it.
    pub async fn trash(&self, cursor: Option<&str>) -> Result<ListResponse, ApiError> {
        let request = self.request(Method::GET, routes::TRASH, &trash_page_query(cursor));
        self.send(request, CALL_TIMEOUT).await
    }

    /// `POST /trash/restore?id=N`: the image back under its URL.
    pub async fn restore(&self, id: ImageId) -> Result<RestoreResponse, ApiError> {
        let query = TrashQuery { id: Some(id) };
        let request = self.request(
            Method::POST,
            routes::TRASH_RESTORE,
            &query.to_query_string(),
        );
        self.send(request, CALL_TIMEOUT).await
    }

    /// `DELETE /trash`: purges one batch for good; call again while
    /// `remaining` is above 0.
    pub async fn purge_trash(&self) -> Result<PurgeResponse, ApiError> {
        let query = TrashQuery { id: None };
        let request = self.request(Method::DELETE, routes::TRASH, &query.to_query_string());
        self.send(request, CALL_TIMEOUT).await
    }

    /// `POST /tokens`: a new named token; its secret is in this answer only.
    pub async fn create_token(
        &self,
        body: &CreateTokenRequest,
    ) -> Result<CreateTokenResponse, ApiError> {
        let request = self.request(Method::POST, routes::TOKENS, "").json(body);
        self.send(request, CALL_TIMEOUT).await
    }

    /// `GET /tokens`: the tokens not revoked, newest first.
    pub async fn tokens(&self) -> Result<TokenListResponse, ApiError> {
        self.send(self.request(Method::GET, routes::TOKENS, ""), CALL_TIMEOUT)
            .await
    }

    /// `DELETE /tokens?name=NAME`: the token stops working at once.
    pub async fn revoke_token(&self, name: &TokenName) -> Result<RevokeTokenResponse, ApiError> {
        let query = RevokeTokenQuery { name: name.clone() };
        let request = self.request(Method::DELETE, routes::TOKENS, &query.to_query_string());
        self.send(request, CALL_TIMEOUT).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(&e, timeout))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e, timeout))?;
        decode(status, &body)
    }

    fn transport_error(&self, error: &reqwest::Error, timeout: Duration) -> ApiError {
        if error.is_timeout() {
            return ApiError::TimedOut {
                url: self.base.clone(),
                seconds: timeout.as_secs(),
            };
        }
        ApiError::Unreachable {
            url: self.base.clone(),
            cause: root_cause(error),
        }
    }
}

/// The multipart part of a width: its bytes, with their length.
fn width_part(width: &crate::widths::Width) -> reqwest::multipart::Part {
    reqwest::multipart::Part::stream_with_length(
        reqwest::Body::from(width.data.clone()),
        width.data.len() as u64,
    )
    .file_name(format!("{}w.webp", width.width))
    .mime_str("image/webp")
    .expect("image/webp is a valid MIME type")
}

/// The multipart part of a thumbnail: its bytes, with their length.
fn thumbnail_part(thumbnail: &Thumbnail) -> reqwest::multipart::Part {
    reqwest::multipart::Part::stream_with_length(
        reqwest::Body::from(thumbnail.data.clone()),
        thumbnail.data.len() as u64,
    )
    .file_name(thumbnail.file_name())
    .mime_str(thumbnail.mime())
    .expect("a thumbnail's type is a valid MIME type")
}

/// `pageSize=50&cursor=...` for `GET /trash`: full pages, and the cursor
/// as the previous answer gave it (opaque to clients).
fn trash_page_query(cursor: Option<&str>) -> String {
    let mut pairs = vec![("pageSize", Cow::Owned(MAX_PAGE_SIZE.to_string()))];
    if let Some(cursor) = cursor {
        pairs.push(("cursor", Cow::Borrowed(cursor)));
    }
    encode_pairs(pairs)
}

/// Turns an answer into the expected type or the server's error.
pub fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, ApiError> {
    Ok(decode_answer(status.as_u16(), body)?)
}

/// The innermost error: "Connection refused (os error 111)" rather than
/// "error sending request for url (...)".
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_give_the_servers_message() {
        let body = br#"{"success":false,"message":"The file is too large: the limit is 20 MB","code":"payload_too_large"}"#;
        let error = decode::<ListResponse>(StatusCode::PAYLOAD_TOO_LARGE, body).unwrap_err();
        assert_eq!(
            error,
            ApiError::Failed(ApiFailure::Refused {
                status: 413,
                code: imghost_shared::api::ErrorCode::PayloadTooLarge,
                message: "The file is too large: the limit is 20 MB".into()
            })
        );
        assert_eq!(
            error.to_string(),
            "The file is too large: the limit is 20 MB"
        );
    }

    #[test]
    fn unauthorized_says_how_to_fix_the_token() {
        let body = br#"{"success":false,"message":"Unauthorized","code":"unauthorized"}"#;
        let error = decode::<ListResponse>(StatusCode::UNAUTHORIZED, body).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Unauthorized (check the token: run `imghost login` or set IMGHOST_TOKEN)"
        );
    }

    #[test]
    fn answers_that_are_not_the_api_are_described() {
        let error = decode::<ListResponse>(
            StatusCode::BAD_GATEWAY,
            b"<html><body>Bad gateway</body></html>",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "unexpected answer from the server (HTTP 502): \"<html><body>Bad gateway</body></html>\""
        );
        let empty = decode::<ListResponse>(StatusCode::NOT_FOUND, b"").unwrap_err();
        assert_eq!(
            empty.to_string(),
            "unexpected answer from the server (HTTP 404): empty body"
        );
        let wrong_shape = decode::<ListResponse>(StatusCode::OK, b"{\"hello\":1}").unwrap_err();
        assert!(
            wrong_shape
                .to_string()
                .starts_with("unexpected answer from the server (HTTP 200): missing field"),
            "{wrong_shape}"
        );
    }

    #[test]
    fn a_thumbnail_already_there_is_a_conflict() {
        let body =
            br#"{"success":false,"message":"Image 7 already has a thumbnail","code":"conflict"}"#;
        let error = decode::<ThumbnailResponse>(StatusCode::CONFLICT, body).unwrap_err();
        assert!(error.is_conflict());
        // From a proxy or an older server: the status says it.
        let bare = br#"{"success":false,"message":"Conflict"}"#;
        assert!(decode::<ThumbnailResponse>(StatusCode::CONFLICT, bare)
            .unwrap_err()
            .is_conflict());
        for (status, body) in [
            (
                StatusCode::NOT_FOUND,
                &br#"{"success":false,"message":"No image 7","code":"not_found"}"#[..],
            ),
            (StatusCode::CONFLICT, b"<html>409</html>"),
        ] {
            let error = decode::<ThumbnailResponse>(status, body).unwrap_err();
            assert!(!error.is_conflict(), "{error}");
        }
    }

    #[test]
    fn a_missing_scope_is_forbidden_and_says_which() {
        let body = br#"{"success":false,"message":"This token lacks the `admin` scope","code":"forbidden"}"#;
        let error = decode::<PurgeResponse>(StatusCode::FORBIDDEN, body).unwrap_err();
        assert!(error.is_forbidden());
        assert_eq!(error.to_string(), "This token lacks the `admin` scope");
        let unauthorized =
            br#"{"success":false,"message":"This token was revoked","code":"unauthorized"}"#;
        let revoked = decode::<PurgeResponse>(StatusCode::UNAUTHORIZED, unauthorized).unwrap_err();
        assert!(!revoked.is_forbidden());
        assert_eq!(
            revoked.to_string(),
            "This token was revoked (check the token: run `imghost login` or set IMGHOST_TOKEN)"
        );
    }

    #[test]
    fn over_quota_says_how_to_make_room() {
        let body = br#"{"success":false,"message":"Storage is full: 9 GB of 9 GB used","code":"storage_quota_exceeded"}"#;
        let error = decode::<UploadResponse>(StatusCode::INSUFFICIENT_STORAGE, body).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Storage is full: 9 GB of 9 GB used (`imghost trash empty` purges what the trash holds)"
        );
        // The daily limit: the server's words, which say when it resets.
        let daily = br#"{"success":false,"message":"The daily limit of 100 uploads is reached; try again in 3 h","code":"too_many_requests"}"#;
        let error = decode::<UploadResponse>(StatusCode::TOO_MANY_REQUESTS, daily).unwrap_err();
        assert_eq!(
            error.to_string(),
            "The daily limit of 100 uploads is reached; try again in 3 h"
        );
    }

    #[test]
    fn trash_pages_pass_the_cursor_back_as_given() {
        assert_eq!(trash_page_query(None), "pageSize=50");
        assert_eq!(trash_page_query(Some("1.2a")), "pageSize=50&cursor=1.2a");
        assert_eq!(
            trash_page_query(Some("a b/c")),
            "pageSize=50&cursor=a%20b%2Fc"
        );
    }

    #[test]
    fn success_bodies_decode_into_the_shared_types() {
        let body = br#"{"success":true,"results":[],"total":0}"#;
        let list: ListResponse = decode(StatusCode::OK, body).unwrap();
        assert_eq!(list.total, 0);
        assert_eq!(list.next_cursor, None);
    }

    #[test]
    fn transport_errors_read_as_sentences() {
        let unreachable = ApiError::Unreachable {
            url: "http://127.0.0.1:9".into(),
            cause: "Connection refused (os error 111)".into(),
        };
        assert_eq!(
            unreachable.to_string(),
            "cannot reach http://127.0.0.1:9: Connection refused (os error 111)"
        );
        let slow = ApiError::TimedOut {
            url: "https://img.example".into(),
            seconds: 120,
        };
        assert_eq!(
            slow.to_string(),
            "no answer from https://img.example within 120 s"
        );
    }
}
