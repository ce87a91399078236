//! `imghost picgo`: a local server speaking PicGo's upload protocol, so that
//! Typora ("PicGo (app)"), Obsidian ("Image auto upload") and other PicGo
//! clients upload to imghost without plugins.
//!
//! - `POST /upload` with `{"list": ["/path/a.png", "https://web/b.jpg"]}`
//!   uploads those files (or downloads then uploads those URLs);
//! - `POST /upload` with an empty body or an empty list uploads the image
//!   on the clipboard;
//! - `POST /upload` with a `multipart/form-data` body uploads its files
//!   (PicList's form upload, Obsidian's "remote server mode");
//! - answers `{"success": true, "result": [url, ...]}` in the order asked,
//!   or `{"success": false, "message": "..."}` when any image failed.
//!
//! # Who may call
//!
//! The bridge uploads any image file it is named, so it only listens on
//! loopback, and only serves requests that carry **no `Origin` header**, or
//! an origin the user allowed ([`ALLOW_ORIGIN_VAR`]). A browser adds
//! `Origin` to every `POST`, so a web page (a dev server on
//! `localhost:3000` included, and sandboxed frames or local files with
//! `Origin: null`) is refused with a 403, and its body is never looked at.
//! A `Host` that is not loopback (DNS rebinding) is refused too.
//!
//! What the clients send, as found in their sources and reports:
//!
//! - Obsidian, "Image auto upload" plugin (renmu123/obsidian-image-auto-upload-plugin,
//!   `src/uploader/picgo.ts`): every request, JSON list, empty body
//!   (clipboard) and the multipart "remote server mode", goes through
//!   Obsidian's `requestUrl`. On the desktop that is Electron's `net` in
//!   Obsidian's main process, which adds `Origin: app://obsidian.md`; a
//!   plugin cannot remove it (zotero-better-bibtex issue 3607 and
//!   vanakat/zotero-bridge pull request 18: local servers that refuse any
//!   `Origin` break Obsidian for exactly this reason). So Obsidian works
//!   once `app://obsidian.md` is allowed.
//! - Typora, "PicGo (app)" (closed source): posts `{"list": [paths]}` as
//!   JSON. It has worked for years against PicGo's own server, which sent no
//!   CORS headers at all (Molunerfinn/PicGo `src/main/server`, issue 421),
//!   so the request is not a CORS-checked page fetch: it is either Node's
//!   `http` or a fetch with web security off, and neither sends an `Origin`
//!   (Chromium with web security off sends none, from `file://` and
//!   `http://` pages alike: checked with Debian's Chromium). Typora's
//!   "Custom Command" uploader (`imghost upload`) needs no server at all.
//! - PicGo-Core's own server (PicGo/PicGo-Core `src/lib/Server`) checks no
//!   origin: it answers CORS for any (`hono/cors`) and relies on an
//!   optional secret; PicList's server checks none either. vs-picgo (VS
//!   Code) calls no server: it runs PicGo-Core inside the editor
//!   (`src/vscode/PicgoAPI.ts`). Command line clients (`curl`, Node's
//!   `http` and `fetch`) send no `Origin`.
//!
//! Anything else that is refused is named in the answer and on stderr,
//! with the setting that would allow it.

use crate::client::Client;
use crate::config::is_loopback_host;
use crate::error::Error;
use crate::upload::{self, Source};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use imghost_shared::api::UploadResponse;
use serde::{Deserialize, Serialize};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

pub const DEFAULT_PORT: u16 = 36677;
/// Origins allowed to call besides programs that send none, separated by
/// commas or spaces: `IMGHOST_PICGO_ALLOW_ORIGIN=app://obsidian.md`.
pub const ALLOW_ORIGIN_VAR: &str = "IMGHOST_PICGO_ALLOW_ORIGIN";
/// Form uploads carry the images themselves; the server's own limit is 20 MiB
/// per image by default.
const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// The body PicGo clients send.
#[derive(Debug, Default, Deserialize)]
struct PicGoRequest {
    #[serde(default)]
    list: Option<Vec<String>>,
}

/// The answer PicGo clients read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PicGoResponse {
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl PicGoResponse {
    pub fn ok(urls: Vec<String>) -> Self {
        Self {
            success: true,
            result: Some(urls),
            message: None,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            success: false,
            result: None,
            message: Some(message.into()),
        }
    }
}

/// Reads a JSON (or empty) `/upload` body into what to upload.
pub fn parse_request(body: &[u8]) -> Result<Vec<Source>, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(vec![Source::Clipboard]);
    }
    let request: PicGoRequest = serde_json::from_slice(body).map_err(Error::NotPicGoJson)?;
    let list = request.list.unwrap_or_default();
    if list.is_empty() {
        return Ok(vec![Source::Clipboard]);
    }
    Ok(list.iter().map(|entry| source_for(entry)).collect())
}

/// A list entry: a local path, a `file://` URL or an image on the web.
fn source_for(entry: &str) -> Source {
    let lower = entry.get(..8).unwrap_or(entry).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Source::Url(entry.to_string())
    } else if lower.starts_with("file://") {
        Source::File(file_url_path(&entry[7..]))
    } else {
        Source::File(PathBuf::from(entry))
    }
}

/// `file:///C:/a%20b.png` → `C:/a b.png`; `file:///home/a.png` → `/home/a.png`.
fn file_url_path(rest: &str) -> PathBuf {
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let decoded = percent_encoding::percent_decode_str(rest).decode_utf8_lossy();
    let windows_drive = decoded.len() > 2
        && decoded.as_bytes()[0] == b'/'
        && decoded.as_bytes()[2] == b':'
        && decoded.as_bytes()[1].is_ascii_alphabetic();
    PathBuf::from(if windows_drive {
        &decoded[1..]
    } else {
        &decoded[..]
    })
}

/// All URLs in order, or one message naming every image that failed.
pub fn respond(outcomes: &[(String, Result<UploadResponse, Error>)]) -> PicGoResponse {
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|(label, result)| result.as_ref().err().map(|e| format!("{label}: {e}")))
        .collect();
    if outcomes.is_empty() {
        PicGoResponse::failed("nothing to upload")
    } else if failures.is_empty() {
        PicGoResponse::ok(
            outcomes
                .iter()
                .filter_map(|(_, result)| result.as_ref().ok().map(|u| u.url.clone()))
                .collect(),
        )
    } else {
        PicGoResponse::failed(failures.join("; "))
    }
}

/// The bridge reads local files for whoever asks, so it only listens on
/// loopback.
pub fn check_bind_address(host: IpAddr) -> Result<(), Error> {
    if host.is_loopback() {
        Ok(())
    } else {
        Err(Error::NotLoopback(host))
    }
}

/// The origins the user allowed to call the bridge (none by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// Origins separated by commas or whitespace, e.g.
    /// `app://obsidian.md, null`; a trailing `/` is ignored.
    pub fn parse(text: &str) -> Self {
        let mut origins: Vec<String> = Vec::new();
        for origin in text.split(|c: char| c == ',' || c.is_whitespace()) {
            let origin = normalize_origin(origin);
            if !origin.is_empty() && !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Self(origins)
    }

    /// What [`ALLOW_ORIGIN_VAR`] says.
    pub fn from_env() -> Self {
        std::env::var(ALLOW_ORIGIN_VAR)
            .map(|text| Self::parse(&text))
            .unwrap_or_default()
    }

    pub fn allows(&self, origin: &str) -> bool {
        let origin = normalize_origin(origin);
        self.0.contains(&origin)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `APP://Obsidian.md/` → `app://obsidian.md`; `file://` stays as it is.
fn normalize_origin(origin: &str) -> String {
    let origin = origin.trim().to_ascii_lowercase();
    match origin.strip_suffix('/') {
        Some(bare) if !bare.ends_with(':') && !bare.ends_with('/') => bare.to_string(),
        _ => origin,
    }
}

/// Refuses requests that did not come from a local program the user trusts:
/// a `Host` that is not loopback (a DNS-rebinding web page), or any
/// `Origin` the user did not allow. Browsers send `Origin` with every POST;
/// the editors that use the bridge send none, except Obsidian
/// (`app://obsidian.md`, see the module's documentation). An allowed
/// `Origin: null` still only gets JSON taken: sandboxed frames on any web
/// page send it too, and a browser sends JSON across origins only after a
/// preflight this server never grants.
pub fn check_caller(
    host: Option<&str>,
    origin: Option<&str>,
    content_type: Option<&str>,
    allowed: &AllowedOrigins,
) -> Result<(), Error> {
    if let Some(host) = host {
        if !is_loopback_host(host_name(host)) {
            return Err(Error::ForeignHost(host.to_string()));
        }
    }
    let Some(origin) = origin else {
        return Ok(());
    };
    if !allowed.allows(origin) {
        return Err(Error::WebPage(format!(
            "{origin:?}: only programs that send no Origin header may use this bridge \
             (to allow this origin, start it with {ALLOW_ORIGIN_VAR}={origin:?})"
        )));
    }
    if origin.trim().eq_ignore_ascii_case("null")
        && !content_type.is_some_and(|kind| kind.trim_start().starts_with("application/json"))
    {
        return Err(Error::OpaqueOriginNotJson);
    }
    Ok(())
}

/// The host of `host[:port]` or `[v6]:port`.
fn host_name(authority: &str) -> &str {
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(name, _)| name),
    }
}

/// What the handlers share.
struct Bridge {
    client: Client,
    allowed: AllowedOrigins,
}

/// Listens until the process is stopped, serving the origins
/// [`ALLOW_ORIGIN_VAR`] allows besides programs that send none.
pub async fn serve(client: Client, host: IpAddr, port: u16) -> Result<(), Error> {
    serve_allowing(client, host, port, AllowedOrigins::from_env()).await
}

/// Listens until the process is stopped, serving `allowed` origins besides
/// programs that send none.
pub async fn serve_allowing(
    client: Client,
    host: IpAddr,
    port: u16,
    allowed: AllowedOrigins,
) -> Result<(), Error> {
    check_bind_address(host)?;
    let address = SocketAddr::new(host, port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| bind_error(address, e))?;
    let bound = listener.local_addr().map_err(|e| bind_error(address, e))?;
    let target = client.base_url().to_string();
    let app = Router::new()
        .route("/upload", post(handle_upload))
        .route("/heartbeat", post(handle_heartbeat))
        .fallback(handle_unknown)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(Arc::new(Bridge {
            client,
            allowed: allowed.clone(),
        }));
    eprintln!(
        "imghost picgo: listening on http://{bound}/upload, uploading to {target} (Ctrl-C to stop)"
    );
    if allowed.is_empty() {
        eprintln!("imghost picgo: serving programs that send no Origin header");
    } else {
        eprintln!(
            "imghost picgo: serving programs that send no Origin header, and the origins {}",
            allowed.0.join(", ")
        );
    }
    axum::serve(listener, app)
        .await
        .map_err(Error::BridgeStopped)
}

fn bind_error(address: SocketAddr, error: io::Error) -> Error {
    if error.kind() == io::ErrorKind::AddrInUse {
        Error::PortInUse(address)
    } else {
        Error::CannotListen { address, error }
    }
}

fn json_response(status: StatusCode, body: &PicGoResponse) -> Response {
    let text = serde_json::to_string(body).expect("the response serialises");
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

async fn handle_heartbeat(State(bridge): State<Arc<Bridge>>, headers: HeaderMap) -> Response {
    if let Err(refused) = caller_of(&headers, &bridge.allowed) {
        return json_response(
            StatusCode::FORBIDDEN,
            &PicGoResponse::failed(refused.to_string()),
        );
    }
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"success":true,"result":"alive"}"#,
    )
        .into_response()
}

async fn handle_unknown() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &PicGoResponse::failed("not found: POST /upload is the PicGo upload route"),
    )
}

fn caller_of(headers: &HeaderMap, allowed: &AllowedOrigins) -> Result<(), Error> {
    // A Host or an Origin that is not text is still there: refused, not
    // taken for absent.
    let text = |name| {
        headers
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap_or("(not text)"))
    };
    check_caller(
        text(header::HOST),
        text(header::ORIGIN),
        text(header::CONTENT_TYPE),
        allowed,
    )
}

/// Reads and drops the rest of a refused request's body (up to the bridge's
/// limit), so that a client still sending it reads the 403 rather than a
/// connection closed under it.
async fn discard(body: Body) {
    let mut stream = body.into_data_stream();
    let mut read = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        read += chunk.len();
        if read > MAX_BODY_BYTES {
            break;
        }
    }
}

async fn handle_upload(State(bridge): State<Arc<Bridge>>, request: Request<Body>) -> Response {
    if let Err(refused) = caller_of(request.headers(), &bridge.allowed) {
        eprintln!("imghost picgo: {refused}");
        discard(request.into_body()).await;
        return json_response(
            StatusCode::FORBIDDEN,
            &PicGoResponse::failed(refused.to_string()),
        );
    }
    let sources = match read_sources(request).await {
        Ok(sources) => sources,
        Err(error) => {
            eprintln!("imghost picgo: bad request: {error}");
            return json_response(
                StatusCode::BAD_REQUEST,
                &PicGoResponse::failed(error.to_string()),
            );
        }
    };
    let labelled: Vec<(String, Source)> = sources.into_iter().map(|s| (s.label(), s)).collect();
    let labels: Vec<String> = labelled.iter().map(|(label, _)| label.clone()).collect();
    let results = upload::upload_all(
        &bridge.client,
        labelled,
        None,
        |label, result| match result {
            Ok(upload) if upload.duplicate => {
                eprintln!("imghost picgo: {label} -> {} (uploaded before)", upload.url)
            }
            Ok(upload) => eprintln!("imghost picgo: {label} -> {}", upload.url),
            Err(reason) => eprintln!("imghost picgo: {label}: {reason}"),
        },
    )
    .await;
    let outcomes: Vec<_> = labels.into_iter().zip(results).collect();
    // PicGo answers 200 with `success: false` when an upload fails, and
    // clients read the message from that.
    json_response(StatusCode::OK, &respond(&outcomes))
}

async fn read_sources(request: Request<Body>) -> Result<Vec<Source>, Error> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        let body = Bytes::from_request(request, &())
            .await
            .map_err(Error::BodyUnreadable)?;
        return parse_request(&body);
    }
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| Error::BadForm(e.into()))?;
    let mut sources = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| Error::BadForm(e.into()))?
    {
        let Some(name) = field.file_name().map(str::to_string) else {
            continue; // a text field, e.g. PicList's optional key
        };
        let data = field.bytes().await.map_err(|e| Error::BadForm(e.into()))?;
        sources.push(Source::Bytes { name, data });
    }
    if sources.is_empty() {
        return Err(Error::EmptyForm);
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn uploaded(url: &str) -> UploadResponse {
        UploadResponse {
            url: url.into(),
            ..fixtures::uploaded(fixtures::record(1, "a.png", 1, None))
        }
    }

    #[test]
    fn picgo_lists_become_files_urls_or_the_clipboard() {
        let body = br#"{"list": ["/home/me/a.png", "C:\\Users\\me\\b.jpg", "https://example.com/c.gif?x=1", "file:///tmp/my%20shot.png", "FILE:///C:/d.png"]}"#;
        assert_eq!(
            parse_request(body).unwrap(),
            vec![
                Source::File("/home/me/a.png".into()),
                Source::File("C:\\Users\\me\\b.jpg".into()),
                Source::Url("https://example.com/c.gif?x=1".into()),
                Source::File("/tmp/my shot.png".into()),
                Source::File("C:/d.png".into()),
            ]
        );
        for clipboard in [
            &b""[..],
            b"  \n",
            b"{}",
            br#"{"list": []}"#,
            br#"{"list": null}"#,
        ] {
            assert_eq!(
                parse_request(clipboard).unwrap(),
                vec![Source::Clipboard],
                "{:?}",
                String::from_utf8_lossy(clipboard)
            );
        }
    }

    #[test]
    fn malformed_bodies_say_what_was_expected() {
        for junk in [
            &b"list=/a.png"[..],
            b"[\"/a.png\"]",
            br#"{"list": "/a.png"}"#,
        ] {
            let error = parse_request(junk).unwrap_err().to_string();
            assert!(
                error.starts_with(r#"expected a JSON body like {"list": ["/path/to/image.png"]}"#),
                "{error}"
            );
        }
    }

    #[test]
    fn responses_have_picgos_exact_shape() {
        let ok = respond(&[
            ("a.png".into(), Ok(uploaded("https://i/1.png"))),
            ("b.png".into(), Ok(uploaded("https://i/2.png"))),
        ]);
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"success":true,"result":["https://i/1.png","https://i/2.png"]}"#
        );
        let failed = respond(&[
            ("a.png".into(), Ok(uploaded("https://i/1.png"))),
            ("b".into(), Err(Error::IsADirectory)),
            ("c.png".into(), Err(Error::NoSuchFile)),
        ]);
        assert_eq!(
            serde_json::to_string(&failed).unwrap(),
            r#"{"success":false,"message":"b: is a directory; c.png: no such file"}"#
        );
        assert_eq!(respond(&[]), PicGoResponse::failed("nothing to upload"));
    }

    #[test]
    fn binds_to_loopback_only() {
        assert!(check_bind_address("127.0.0.1".parse().unwrap()).is_ok());
        assert!(check_bind_address("::1".parse().unwrap()).is_ok());
        for elsewhere in ["0.0.0.0", "192.168.1.10", "::"] {
            let error = check_bind_address(elsewhere.parse().unwrap()).unwrap_err();
            assert!(
                error.to_string().starts_with("refusing to listen on"),
                "{error}"
            );
        }
    }

    #[test]
    fn only_programs_without_an_origin_may_call_by_default() {
        let none = AllowedOrigins::default();
        for host in [
            Some("127.0.0.1:36677"),
            Some("localhost:36677"),
            Some("[::1]:36677"),
            Some("127.0.0.1"),
            None,
        ] {
            assert!(check_caller(host, None, None, &none).is_ok(), "{host:?}");
        }
        let json = Some("application/json");
        for origin in [
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "http://127.0.0.1:36677",
            "https://evil.example",
            "http://192.168.1.2:8080",
            "null",
            "file://",
            "app://obsidian.md",
            "",
        ] {
            let error = check_caller(Some("127.0.0.1:36677"), Some(origin), json, &none)
                .unwrap_err()
                .to_string();
            assert_eq!(
                error,
                format!(
                    "refused: request from the web page {origin:?}: only programs that send no \
                     Origin header may use this bridge (to allow this origin, start it with \
                     IMGHOST_PICGO_ALLOW_ORIGIN={origin:?})"
                )
            );
        }
    }

    #[test]
    fn a_host_that_is_not_this_machine_is_refused_whatever_the_origin() {
        let obsidian = AllowedOrigins::parse("app://obsidian.md");
        for origin in [None, Some("app://obsidian.md")] {
            for host in ["evil.example:36677", "[2001:db8::1]:36677", "(not text)"] {
                let error = check_caller(Some(host), origin, None, &obsidian).unwrap_err();
                assert_eq!(
                    error.to_string(),
                    format!("refused: request for host {host:?}, not this machine")
                );
            }
        }
    }

    #[test]
    fn allowed_origins_are_served() {
        let allowed = AllowedOrigins::parse(" app://obsidian.md/,file:// \n null ");
        assert_eq!(
            allowed,
            AllowedOrigins(vec![
                "app://obsidian.md".into(),
                "file://".into(),
                "null".into()
            ])
        );
        let host = Some("127.0.0.1:36677");
        for origin in ["app://obsidian.md", "APP://Obsidian.md", "file://"] {
            for kind in [None, Some("multipart/form-data; boundary=x")] {
                assert!(
                    check_caller(host, Some(origin), kind, &allowed).is_ok(),
                    "{origin} {kind:?}"
                );
            }
        }
        // Still not any other origin.
        for origin in [
            "app://obsidian.md.evil.example",
            "http://localhost:3000",
            "app://other",
        ] {
            assert!(
                check_caller(host, Some(origin), None, &allowed).is_err(),
                "{origin}"
            );
        }
        // An allowed `Origin: null` (also sandboxed frames on any page): JSON only.
        assert!(check_caller(host, Some("null"), Some("application/json"), &allowed).is_ok());
        for kind in [
            None,
            Some("multipart/form-data; boundary=x"),
            Some("text/plain"),
        ] {
            assert_eq!(
                check_caller(host, Some("null"), kind, &allowed)
                    .unwrap_err()
                    .to_string(),
                "refused: a request from an opaque origin (Origin: null) must be JSON",
                "{kind:?}"
            );
        }
    }

    #[test]
    fn the_allowed_origins_parse_from_commas_or_spaces() {
        assert_eq!(AllowedOrigins::parse(""), AllowedOrigins::default());
        assert_eq!(AllowedOrigins::parse(" , \t"), AllowedOrigins::default());
        assert_eq!(
            AllowedOrigins::parse("app://obsidian.md app://obsidian.md,http://localhost:3000/"),
            AllowedOrigins(vec![
                "app://obsidian.md".into(),
                "http://localhost:3000".into()
            ])
        );
    }
}
