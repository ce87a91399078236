//! The one error type of the command line tool.

use crate::client::ApiError;
use crate::config::{TOKEN_VAR, URL_VAR};
use crate::thumbnail::{MAX_DECODE_BYTES, MAX_PIXELS};
use imghost_shared::image::{ImageFormat, Rejected};
use imghost_shared::thumbnail::MAX_BYTES;
use imghost_shared::units::format_bytes;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Why a command, or one image of a batch, failed, in the words printed on
/// stderr or sent back to a PicGo client.
///
/// An enum rather than `anyhow`: these sentences are the tool's output, read
/// by editors and scripts, so each is written once, here, and prints exactly
/// as written. An `anyhow` chain would append its causes' own causes, and the
/// wording would drift with the libraries underneath. A variant with a cause
/// already names it in its message, so none sets `source()`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// An album or tag named wrongly on the command line.
    #[error("{0}")]
    Usage(String),

    // Reading an image.
    #[error("{0}")]
    NotAnImage(Rejected),
    #[error("no such file")]
    NoSuchFile,
    #[error("permission denied")]
    PermissionDenied,
    #[error("is a directory")]
    IsADirectory,
    #[error("not a regular file")]
    NotAFile,
    #[error("cannot read it: {0}")]
    Unreadable(io::Error),
    #[error("cannot read standard input: {0}")]
    StdinUnreadable(io::Error),
    #[error("larger than {}", format_bytes(*.limit))]
    TooLarge { limit: u64 },
    #[error("cannot download {url}: {error}")]
    Download { url: String, error: reqwest::Error },
    #[error("cannot download {url}: HTTP {status}")]
    DownloadStatus { url: String, status: u16 },
    #[error("{url} is larger than {}", format_bytes(*.limit))]
    DownloadTooLarge { url: String, limit: u64 },
    #[error("cannot download {url}: no answer within {seconds} s")]
    DownloadTimedOut { url: String, seconds: u64 },

    // HEIC/HEIF photos, converted before upload.
    #[error(
        "HEIC/HEIF photos are converted to JPEG before upload with libheif's heif-dec \
         (or heif-convert), which is not installed: install libheif-examples (Debian, Ubuntu), \
         libheif-tools (Fedora) or libheif (Homebrew)"
    )]
    HeifToolMissing,
    #[error("{program} cannot convert this HEIC/HEIF photo to JPEG: {reason}")]
    HeifConversion {
        program: &'static str,
        reason: String,
    },
    #[error("cannot write a temporary copy to convert this HEIC/HEIF photo: {0}")]
    HeifTemp(io::Error),

    // Thumbnails and widths.
    #[error("cannot make the responsive widths: {0}")]
    Widths(String),
    #[error("cannot make a thumbnail: {0}")]
    Thumbnail(::image::ImageError),
    #[error("cannot make a thumbnail: this tool does not decode {} images", .0.name())]
    ThumbnailFormat(ImageFormat),
    #[error(
        "cannot make a thumbnail of at most {} even at low quality",
        format_bytes(MAX_BYTES)
    )]
    ThumbnailTooManyBytes,
    #[error(
        "cannot make a thumbnail: {width} × {height} pixels is more than this tool decodes \
         (at most {} megapixels in {})",
        MAX_PIXELS / 1_000_000,
        format_bytes(MAX_DECODE_BYTES)
    )]
    ThumbnailTooLarge { width: u32, height: u32 },

    // Object keys as file names (`imghost export`, `imghost import`).
    #[error("not a safe file name ({0}); skipped")]
    UnsafeFileName(&'static str),
    #[error("{} is a symlink or not a folder; not followed", .0.display())]
    NotAFolder(PathBuf),

    // `imghost migrate`.
    #[error(
        "{} lies outside the folders given; not read (give its folder on the command line \
         or with --static, or pass --allow-outside)",
        .0.display()
    )]
    OutsideFolders(PathBuf),

    // `imghost import`.
    #[error("no such folder: {}", .0.display())]
    NoSuchFolder(PathBuf),
    #[error("cannot read {}: {error}", .path.display())]
    ExportFileUnreadable { path: PathBuf, error: io::Error },
    #[error("{} does not match the manifest's SHA-256; not restored", .0.display())]
    ExportFileChanged(PathBuf),
    #[error("larger than {}, the upload limit (--max-bytes); nothing sent", format_bytes(*.limit))]
    OverMaxBytes { limit: u64 },
    #[error("the manifest names {0:?}, which is not a safe key; nothing read")]
    UnsafeKey(String),
    #[error("cannot write {}: {error}", .path.display())]
    CannotWrite { path: PathBuf, error: io::Error },
    /// A blocking read panicked or was cancelled.
    #[error("internal error: {0}")]
    Internal(tokio::task::JoinError),

    // The clipboard.
    /// Only where the clipboard belongs to a display server (Linux, the BSDs).
    #[cfg_attr(any(target_os = "macos", windows), allow(dead_code))]
    #[error(
        "no clipboard to read: this session has no display \
         (neither WAYLAND_DISPLAY nor DISPLAY is set); send image file paths instead"
    )]
    NoDisplay,
    #[error("the clipboard holds no image (copy an image or take a screenshot first)")]
    NoClipboardImage,
    #[error("reading the clipboard needs `{program}`: install the {package} package")]
    MissingTool {
        program: &'static str,
        package: &'static str,
    },
    #[error("cannot run {program} to read the clipboard: {error}")]
    ClipboardTool {
        program: &'static str,
        error: io::Error,
    },

    // Arguments and settings.
    #[error(
        "not an image id or image URL (expected e.g. 42 or \
         https://imghost.you.workers.dev/i/2026-11-28/<uuid>.png)"
    )]
    NotATarget,
    #[error("`-` (standard input) can be given only once")]
    StdinTwice,
    #[error("not logged in: run `imghost login`, or set {URL_VAR} and {TOKEN_VAR}")]
    NotLoggedIn,
    #[error("no home directory, so there is nowhere to store the config")]
    NoHome,
    #[error("{0}")]
    ConfigUnreadable(io::Error),
    #[error("{} is not a valid imghost config: {error}", .path.display())]
    ConfigInvalid {
        path: PathBuf,
        error: serde_json::Error,
    },
    /// A bad `IMGHOST_URL`: the URL's error, prefixed with the variable.
    #[error("{URL_VAR}: {0}")]
    EnvUrl(Box<Error>),
    #[error("{input:?} is not a URL ({error}); expected e.g. https://imghost.you.workers.dev")]
    NotAUrl {
        input: String,
        error: url::ParseError,
    },
    #[error("{0:?} is not an http:// or https:// URL")]
    NotHttp(String),
    #[error("{0:?} has no host")]
    NoHost(String),
    #[error("{0:?} has a query or fragment; give the address of the API only")]
    UrlWithQuery(String),

    // `imghost login`.
    #[error("login failed, nothing saved: {0}")]
    LoginFailed(ApiError),
    #[error("cannot save the config to {}: {error}", .path.display())]
    SaveConfig { path: PathBuf, error: io::Error },
    #[error("cannot read the answer: {0}")]
    AnswerUnreadable(io::Error),
    #[error("no answer (standard input is closed)")]
    NoAnswer,

    // `imghost reconcile --repair`.
    #[error("nothing deleted: pass --yes to repair without being asked")]
    RepairNeedsConsent,
    #[error("nothing deleted")]
    RepairDeclined,
    #[error("cannot read the token: {0}")]
    TokenUnreadable(io::Error),

    // `imghost trash empty`.
    #[error("nothing purged: pass --yes to empty the trash without being asked")]
    PurgeNeedsConsent,
    #[error("nothing purged")]
    PurgeDeclined,
    #[error(
        "the server purged nothing though it counts {remaining} images in the trash; \
         {purged} purged so far"
    )]
    PurgeStalled { purged: u64, remaining: u64 },

    // The PicGo bridge.
    #[error("expected a JSON body like {{\"list\": [\"/path/to/image.png\"]}} ({0})")]
    NotPicGoJson(serde_json::Error),
    #[error(
        "refusing to listen on {0}: the PicGo bridge uploads any image path it is sent, \
         so it only listens on loopback (127.0.0.1 or ::1)"
    )]
    NotLoopback(IpAddr),
    #[error("refused: a request from an opaque origin (Origin: null) must be JSON")]
    OpaqueOriginNotJson,
    #[error("refused: request for host {0:?}, not this machine")]
    ForeignHost(String),
    #[error("refused: request from the web page {0}")]
    WebPage(String),
    #[error(
        "cannot listen on {0}: the port is in use (is PicGo or another \
         `imghost picgo` running? quit it or pass --port)"
    )]
    PortInUse(SocketAddr),
    #[error("cannot listen on {address}: {error}")]
    CannotListen {
        address: SocketAddr,
        error: io::Error,
    },
    #[error("the PicGo bridge stopped: {0}")]
    BridgeStopped(io::Error),
    #[error("cannot read the request body: {0}")]
    BodyUnreadable(axum::extract::rejection::BytesRejection),
    /// The form, or one of its fields (two axum error types).
    #[error("malformed multipart body: {0}")]
    BadForm(Box<dyn std::error::Error + Send + Sync>),
    #[error("the form holds no file")]
    EmptyForm,
}
