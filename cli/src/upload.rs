//! Reading images from files, stdin, the clipboard or the web, checking that
//! they are images, and uploading a batch of them a few at a time.

use crate::client::{Client, Progress};
use crate::clipboard;
use crate::error::Error;
use crate::heif;
use crate::output::{self, LineStyle};
use crate::thumbnail::{self, Extras};
use bytes::Bytes;
use futures_util::StreamExt;
use imghost_shared::api::UploadResponse;
use imghost_shared::image::{self, Rejected};
use imghost_shared::names::clean_file_name;
use imghost_shared::units::format_bytes;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::fmt;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Uploads in flight at once: enough to hide latency, few enough not to
/// trip the server's limits or saturate a home uplink.
pub const CONCURRENCY: usize = 3;
/// Larger files, downloads and piped input are refused before uploading
/// (the server's own limit is 20 MiB unless its operator raised it); a path
/// such as /dev/zero cannot fill the memory.
const MAX_INPUT_BYTES: u64 = 100 * 1024 * 1024;

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
    Clipboard,
    /// An image on the web, downloaded first (PicGo clients send these).
    Url(String),
    /// Bytes already in memory, with the name they came with.
    Bytes {
        name: String,
        data: Bytes,
    },
}

impl Source {
    /// What the source is called in messages.
    pub fn label(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Stdin => "stdin".into(),
            Source::Clipboard => "clipboard".into(),
            Source::Url(url) => url.clone(),
            Source::Bytes { name, .. } => name.clone(),
        }
    }
}

/// An image ready to send: detected type, clean name, bytes.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub name: String,
    pub mime: &'static str,
    pub data: Bytes,
}

/// Checks the bytes are an image imghost accepts before anything is sent;
/// the reason is the same sentence the server would give.
pub fn prepare(name_hint: &str, data: Bytes) -> Result<Prepared, Error> {
    let info = image::detect(&data).map_err(Error::NotAnImage)?;
    let fallback = format!("image.{}", info.format.extension());
    Ok(Prepared {
        name: clean_file_name(name_hint, &fallback),
        mime: info.format.mime_type(),
        data,
    })
}

/// Whether the upload path takes these bytes: an image the server accepts,
/// or a HEIC/HEIF photo it converts first.
pub fn accepts(data: &[u8]) -> Result<(), Rejected> {
    match image::detect(data) {
        Err(_) if image::is_heif(data) => Ok(()),
        detected => detected.map(drop),
    }
}

/// [`prepare`], with a HEIC/HEIF photo converted to JPEG first (off the
/// runtime: libheif's tool does it).
async fn prepare_converting(name: String, data: Bytes) -> Result<Prepared, Error> {
    if !image::is_heif(&data) {
        return prepare(&name, data);
    }
    let jpeg = blocking(move || heif::to_jpeg(&data)).await?;
    prepare(&heif::jpeg_name(&name), jpeg.into())
}

/// Reads an image from its source (blocking reads run off the runtime).
pub async fn load(client: &Client, source: Source) -> Result<Prepared, Error> {
    let (name, data) = match source {
        Source::File(path) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let data = blocking(move || read_file(&path)).await?;
            (name, data.into())
        }
        Source::Stdin => {
            let data = blocking(|| {
                read_capped(io::stdin().lock(), MAX_INPUT_BYTES)
                    .map_err(Error::StdinUnreadable)?
                    .ok_or_else(too_large)
            })
            .await?;
            (String::new(), data.into())
        }
        Source::Clipboard => {
            let data = blocking(clipboard::read_image).await?;
            ("clipboard.png".into(), data.into())
        }
        Source::Url(url) => {
            let data = download(client, &url).await?;
            // The name is cleaned to its last path segment.
            let name = url.split(['?', '#']).next().unwrap_or_default().to_owned();
            (name, data)
        }
        Source::Bytes { name, data } => (name, data),
    };
    prepare_converting(name, data).await
}

pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(Error::Internal(e)))
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    // Looked at before opening too: opening a FIFO waits for a writer.
    check_regular(&std::fs::metadata(path).map_err(read_error)?)?;
    let file = std::fs::File::open(path).map_err(read_error)?;
    check_regular(&file.metadata().map_err(read_error)?)?;
    read_capped(file, MAX_INPUT_BYTES)
        .map_err(read_error)?
        .ok_or_else(too_large)
}

fn check_regular(metadata: &std::fs::Metadata) -> Result<(), Error> {
    if metadata.is_dir() {
        Err(Error::IsADirectory)
    } else if !metadata.is_file() {
        Err(Error::NotAFile)
    } else {
        Ok(())
    }
}

/// Everything `reader` holds, or `None` past `cap` bytes.
pub(crate) fn read_capped(reader: impl Read, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    reader.take(cap + 1).read_to_end(&mut data)?;
    Ok((data.len() as u64 <= cap).then_some(data))
}

fn too_large() -> Error {
    Error::TooLarge {
        limit: MAX_INPUT_BYTES,
    }
}

pub(crate) fn read_error(error: io::Error) -> Error {
    match error.kind() {
        io::ErrorKind::NotFound => Error::NoSuchFile,
        io::ErrorKind::PermissionDenied => Error::PermissionDenied,
        io::ErrorKind::IsADirectory => Error::IsADirectory,
        _ => Error::Unreadable(error),
    }
}

pub(crate) async fn download(client: &Client, url: &str) -> Result<Bytes, Error> {
    let failed = |error| Error::Download {
        url: url.to_string(),
        error,
    };
    let mut response = client.http().get(url).send().await.map_err(failed)?;
    if !response.status().is_success() {
        return Err(Error::DownloadStatus {
            url: url.to_string(),
            status: response.status().as_u16(),
        });
    }
    let mut data = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        data.extend_from_slice(&chunk);
        if data.len() as u64 > MAX_INPUT_BYTES {
            return Err(Error::DownloadTooLarge {
                url: url.to_string(),
                limit: MAX_INPUT_BYTES,
            });
        }
    }
    Ok(data.into())
}

/// The thumbnail and widths to send with an image, made off the runtime
/// thread from one decode; none when it needs none, or when they cannot
/// be made: then a warning says why (above the progress bars in `multi`),
/// and the image is uploaded without them.
pub async fn extras_for(prepared: &Prepared, label: &str, multi: Option<&MultiProgress>) -> Extras {
    if !thumbnail::needs_extras(&prepared.data) {
        return Extras::default(); // known from the header alone: no thread needed
    }
    let data = prepared.data.clone();
    match blocking(move || thumbnail::make_extras(&data, thumbnail::Wanted::Both)).await {
        Ok(extras) => extras,
        Err(reason) => {
            let label = if label.is_empty() {
                &prepared.name
            } else {
                label
            };
            let warn = || {
                eprintln!("warning: {label}: {reason}; uploading it without a thumbnail or widths")
            };
            match multi {
                Some(multi) => multi.suspend(warn),
                None => warn(),
            }
            Extras::default()
        }
    }
}

/// Loads and uploads one image with its thumbnail, with a progress bar in
/// `multi` if given.
pub async fn upload_one(
    client: &Client,
    source: Source,
    label: &str,
    multi: Option<&MultiProgress>,
) -> Result<UploadResponse, Error> {
    let prepared = load(client, source).await?;
    let extras = extras_for(&prepared, label, multi).await;
    let bar = multi.map(|multi| {
        let bar = multi.add(ProgressBar::new(prepared.data.len() as u64));
        bar.set_style(
            ProgressStyle::with_template("{prefix} {bar:30} {sent}/{size}")
                .expect("a valid progress template")
                .with_key("sent", |state: &ProgressState, w: &mut dyn fmt::Write| {
                    let _ = w.write_str(&format_bytes(state.pos()));
                })
                .with_key("size", |state: &ProgressState, w: &mut dyn fmt::Write| {
                    let _ = w.write_str(&format_bytes(state.len().unwrap_or(0)));
                }),
        );
        bar.set_prefix(label.to_string());
        bar
    });
    let reporter = bar
        .clone()
        .map(|bar| Arc::new(BarProgress(bar)) as Arc<dyn Progress>);
    let result = client
        .upload(
            &prepared.name,
            prepared.mime,
            prepared.data,
            &extras,
            reporter,
        )
        .await
        .map_err(Error::from);
    if let (Some(multi), Some(bar)) = (multi, bar) {
        bar.finish_and_clear();
        multi.remove(&bar);
    }
    result
}

struct BarProgress(ProgressBar);

impl Progress for BarProgress {
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

/// Uploads a batch, at most [`CONCURRENCY`] at once, and hands each result
/// to `report` in the order of `sources` as soon as it and all before it
/// are done.
pub async fn upload_all(
    client: &Client,
    sources: Vec<(String, Source)>,
    multi: Option<&MultiProgress>,
    mut report: impl FnMut(&str, &Result<UploadResponse, Error>),
) -> Vec<Result<UploadResponse, Error>> {
    let mut results = futures_util::stream::iter(sources.into_iter().map(|(label, source)| {
        let client = client.clone();
        async move {
            let result = upload_one(&client, source, &label, multi).await;
            (label, result)
        }
    }))
    .buffered(CONCURRENCY);
    let mut outcomes = Vec::new();
    while let Some((label, result)) = results.next().await {
        report(&label, &result);
        outcomes.push(result);
    }
    outcomes
}

/// 0 when every file was uploaded (a duplicate counts as uploaded), 1 when
/// any failed or there was nothing to upload.
pub fn exit_code<T, E>(outcomes: &[Result<T, E>]) -> u8 {
    if !outcomes.is_empty() && outcomes.iter().all(Result::is_ok) {
        0
    } else {
        1
    }
}

/// What a batch prints: per source, the stdout line (empty when it failed,
/// so line N always belongs to argument N) and any stderr line.
pub fn report_lines(
    label: &str,
    result: &Result<UploadResponse, Error>,
    style: &LineStyle,
) -> (String, Option<String>) {
    match result {
        Ok(upload) => {
            let note = upload.duplicate.then(|| {
                format!(
                    "note: {label}: duplicate of image {} uploaded before; nothing new stored",
                    upload.image.id
                )
            });
            (output::upload_line(style, upload), note)
        }
        Err(reason) => (String::new(), Some(format!("error: {label}: {reason}"))),
    }
}

/// `imghost upload`: one line per source on stdout, in argument order.
pub async fn run(client: &Client, sources: Vec<(String, Source)>, style: &LineStyle) -> u8 {
    let multi = progress_display();
    let outcomes = upload_all(client, sources, multi.as_ref(), |label, result| {
        let (line, note) = report_lines(label, result, style);
        let print = || {
            if let Some(note) = &note {
                eprintln!("{note}");
            }
            print_stdout(&format!("{line}\n"));
        };
        match &multi {
            Some(multi) => multi.suspend(print),
            None => print(),
        }
    })
    .await;
    exit_code(&outcomes)
}

/// Writes to stdout and flushes; a reader that went away (`| head`) is
/// not an error worth a panic.
pub fn print_stdout(text: &str) {
    let mut stdout = io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Progress bars go to stderr, and only when it is a terminal.
fn progress_display() -> Option<MultiProgress> {
    use std::io::IsTerminal;
    io::stderr()
        .is_terminal()
        .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn labels_name_the_source() {
        assert_eq!(Source::File("/a/b.png".into()).label(), "/a/b.png");
        assert_eq!(Source::Clipboard.label(), "clipboard");
        assert_eq!(
            Source::Bytes {
                name: "x.png".into(),
                data: Bytes::new()
            }
            .label(),
            "x.png"
        );
    }

    const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    fn uploaded(duplicate: bool) -> UploadResponse {
        let image = fixtures::record(5, "a.png", 10, None);
        UploadResponse {
            duplicate,
            ..fixtures::uploaded(image)
        }
    }

    #[test]
    fn images_are_recognised_from_their_bytes() {
        let prepared = prepare("dir/shot.jpg", Bytes::from_static(PNG_1X1)).unwrap();
        assert_eq!(prepared.mime, "image/png");
        assert_eq!(prepared.name, "shot.jpg");
        let unnamed = prepare("", Bytes::from_static(PNG_1X1)).unwrap();
        assert_eq!(unnamed.name, "image.png");
    }

    #[test]
    fn non_images_are_refused_before_upload() {
        let text = prepare("notes.txt", Bytes::from_static(b"just some text\n"))
            .unwrap_err()
            .to_string();
        assert!(text.starts_with("Only images can be uploaded"), "{text}");
        assert!(text.contains("text/plain"), "{text}");
        assert_eq!(
            prepare("empty.png", Bytes::new()).unwrap_err().to_string(),
            "The file is empty"
        );
    }

    #[test]
    fn heic_photos_are_taken_to_be_converted_other_files_are_not() {
        let heic = [&16u32.to_be_bytes()[..], b"ftypheic\0\0\0\0"].concat();
        assert_eq!(accepts(&heic), Ok(()));
        assert_eq!(accepts(PNG_1X1), Ok(()));
        assert!(matches!(
            accepts(b"just some text\n"),
            Err(Rejected::NotAnImage(_))
        ));
        assert_eq!(accepts(b""), Err(Rejected::Empty));
    }

    #[test]
    fn exit_code_is_zero_only_when_everything_was_uploaded() {
        assert_eq!(exit_code::<(), ()>(&[Ok(()), Ok(())]), 0);
        assert_eq!(exit_code::<(), ()>(&[Ok(()), Err(())]), 1);
        assert_eq!(exit_code::<(), ()>(&[Err(())]), 1);
        assert_eq!(exit_code::<(), ()>(&[]), 1);
    }

    #[test]
    fn failures_keep_their_line_so_lines_match_arguments() {
        let ok = report_lines("a.png", &Ok(uploaded(false)), &output::Format::Url.into());
        assert_eq!(ok, ("https://img.example/i/2026-11-28/a.png".into(), None));
        let duplicate = report_lines(
            "b.png",
            &Ok(uploaded(true)),
            &output::Format::Markdown.into(),
        );
        assert_eq!(
            duplicate,
            (
                "![a.png](https://img.example/i/2026-11-28/a.png)".into(),
                Some(
                    "note: b.png: duplicate of image 5 uploaded before; nothing new stored".into()
                )
            )
        );
        let failed = report_lines(
            "c.png",
            &Err(Error::NoSuchFile),
            &output::Format::Url.into(),
        );
        assert_eq!(
            failed,
            (String::new(), Some("error: c.png: no such file".into()))
        );
    }

    #[test]
    fn read_errors_in_short_words() {
        let missing = std::path::Path::new("/definitely/not/here.png");
        let error = |path: &std::path::Path| read_file(path).unwrap_err().to_string();
        assert_eq!(error(missing), "no such file");
        assert_eq!(error(&std::env::temp_dir()), "is a directory");
        #[cfg(unix)]
        assert_eq!(
            error(std::path::Path::new("/dev/zero")),
            "not a regular file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.png");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|status| status.success()) {
            return; // no mkfifo here
        }
        assert_eq!(
            read_file(&fifo).unwrap_err().to_string(),
            "not a regular file"
        );
    }

    #[test]
    fn input_is_capped() {
        let at_limit = io::repeat(7).take(1000);
        assert_eq!(read_capped(at_limit, 1000).unwrap(), Some(vec![7; 1000]));
        assert_eq!(read_capped(io::repeat(7), 1000).unwrap(), None);
        assert_eq!(too_large().to_string(), "larger than 100 MB");
    }
}
