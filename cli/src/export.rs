//! `imghost export DIR`: every stored image, as stored, under `DIR/<key>`,
//! and `DIR/manifest.jsonl` describing them, one line per image.
//!
//! Memory does not grow with the library: images are listed one page at a
//! time, each is streamed to a temporary file while it is hashed, and the
//! previous manifest is read alongside the listing (both are ordered by id,
//! newest first) instead of being loaded. A second run fetches only the
//! images that are missing or whose file no longer has the hash the
//! manifest recorded.

use crate::client::Client;
use crate::error::Error;
use crate::output;
use futures_util::StreamExt;
use imghost_shared::api::albums::{path_of, AlbumId};
use imghost_shared::api::{ImageRecord, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

pub const MANIFEST: &str = "manifest.jsonl";
/// Every album's path, one JSON string per line, so that empty albums
/// come back too.
pub const ALBUMS: &str = "albums.jsonl";
/// What a file is called while it is being written.
const PARTIAL: &str = ".partial";
/// Downloads at once.
const CONCURRENCY: usize = 3;
/// One image of the largest size over a slow line.
const FETCH_TIMEOUT: Duration = Duration::from_secs(600);

/// One manifest line.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    id: i64,
    key: String,
    original_name: String,
    content_type: Option<String>,
    size: u64,
    width: Option<u32>,
    height: Option<u32>,
    /// Of the stored (exported) bytes.
    sha256: String,
    /// Of the bytes as uploaded, before metadata stripping or compression.
    upload_sha256: Option<String>,
    created_at: i64,
    url: String,
    /// The paths of the albums it is in (`Travel/Japan`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    albums: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

/// What the previous manifest says of an image: enough to skip it.
#[derive(Debug, Deserialize)]
struct Previous {
    id: i64,
    key: String,
    sha256: String,
}

enum Outcome {
    Fetched(Entry),
    Unchanged(Entry),
    Failed(String),
}

pub async fn run(client: &Client, dir: &Path) -> Result<u8, Error> {
    let failed_io = |path: &Path, error| Error::CannotWrite {
        path: path.to_path_buf(),
        error,
    };
    fs::create_dir_all(dir).map_err(|e| failed_io(dir, e))?;
    // A server from before albums has none to export.
    let albums = match client.albums().await {
        Ok(answer) => answer.albums,
        Err(error) if error.is_not_found() => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    let paths: HashMap<AlbumId, String> = albums
        .iter()
        .map(|album| (album.id, path_of(&albums, album.id)))
        .collect();
    write_albums(dir, &paths).map_err(|e| failed_io(&dir.join(ALBUMS), e))?;
    let paths = &paths;
    let manifest_path = dir.join(MANIFEST);
    let mut previous = previous_entries(&manifest_path).peekable();
    let partial = dir.join(format!("{MANIFEST}{PARTIAL}"));
    let mut manifest =
        io::BufWriter::new(create_fresh(&partial).map_err(|e| failed_io(&partial, e))?);

    let bar = output::progress_bar("exporting {bar:30} {pos}/{len}");
    let (mut fetched, mut unchanged, mut failed) = (0u64, 0u64, 0u64);
    let mut cursor: Option<String> = None;
    loop {
        let page = client.list(MAX_PAGE_SIZE, cursor.as_deref(), None).await?;
        if bar.length().is_none() {
            bar.set_length(page.total);
        }
        let empty = page.results.is_empty();
        // The previous entry of each image, found by walking both lists down.
        let work: Vec<(ImageRecord, Option<Previous>)> = page
            .results
            .into_iter()
            .map(|image| {
                while previous.next_if(|p| p.id > image.id.0).is_some() {}
                let before = previous.next_if(|p| p.id == image.id.0);
                (image, before)
            })
            .collect();
        let mut results = futures_util::stream::iter(work.into_iter().map(|(image, before)| {
            let key = image.object_key.clone();
            async move { (key, export_one(client, dir, image, before, paths).await) }
        }))
        .buffered(CONCURRENCY);
        while let Some((key, outcome)) = results.next().await {
            bar.inc(1);
            let entry = match outcome {
                Outcome::Fetched(entry) => {
                    fetched += 1;
                    bar.suspend(|| crate::upload::print_stdout(&format!("fetched {key}\n")));
                    entry
                }
                Outcome::Unchanged(entry) => {
                    unchanged += 1;
                    entry
                }
                Outcome::Failed(reason) => {
                    failed += 1;
                    bar.suspend(|| eprintln!("error: {key}: {reason}"));
                    continue;
                }
            };
            let line = serde_json::to_string(&entry).expect("an entry serialises");
            writeln!(manifest, "{line}").map_err(|e| failed_io(&partial, e))?;
        }
        match page.next_cursor {
            Some(next) if !empty => cursor = Some(next),
            _ => break,
        }
    }
    bar.finish_and_clear();
    manifest
        .into_inner()
        .map_err(|e| failed_io(&partial, e.into_error()))?
        .sync_all()
        .map_err(|e| failed_io(&partial, e))?;
    fs::rename(&partial, &manifest_path).map_err(|e| failed_io(&manifest_path, e))?;
    eprintln!(
        "{} image(s): {fetched} fetched, {unchanged} already here, {failed} failed; manifest: {}",
        fetched + unchanged + failed,
        manifest_path.display()
    );
    Ok(u8::from(failed > 0))
}

/// `albums.jsonl`: every album's path, parents first.
fn write_albums(dir: &Path, paths: &HashMap<AlbumId, String>) -> io::Result<()> {
    let mut sorted: Vec<&String> = paths.values().collect();
    sorted.sort_by_key(|path| (path.matches('/').count(), path.to_lowercase()));
    let mut text = String::new();
    for path in sorted {
        text.push_str(&serde_json::to_string(path).expect("a path serialises"));
        text.push('\n');
    }
    fs::write(dir.join(ALBUMS), text)
}

/// The previous manifest's lines, read one at a time; unreadable lines
/// are passed over (their images are fetched again).
fn previous_entries(path: &Path) -> impl Iterator<Item = Previous> {
    File::open(path)
        .ok()
        .into_iter()
        .flat_map(|file| BufReader::new(file).lines())
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str(&line).ok())
}

/// Where an object key goes under `dir`, or why it may not go there.
///
/// Keys come from the server, file names must mean the same on every file
/// system: so only ASCII letters, digits, `-`, `_` and `.` in `/`-separated
/// parts (no drive letter, `:` stream or backslash on Windows; nothing that
/// case folding or Unicode normalisation could make another name), and
/// none of the names export writes itself.
pub fn local_path(dir: &Path, key: &str) -> Result<PathBuf, Error> {
    check_key(key)?;
    let path = dir.join(key);
    // Whatever slipped past the check, a path that is not `dir` and plain
    // names below it (a root, a prefix, `..`) is never used.
    let plain = path
        .strip_prefix(dir)
        .is_ok_and(|rest| rest.components().all(|c| matches!(c, Component::Normal(_))));
    if plain {
        Ok(path)
    } else {
        Err(Error::UnsafeFileName("it would leave the folder"))
    }
}

/// Windows opens a device for these names, whatever the extension.
const DEVICE_NAMES: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];

fn check_key(key: &str) -> Result<(), Error> {
    let refused = |reason| Err(Error::UnsafeFileName(reason));
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
    {
        return refused("only ASCII letters, digits, \"-\", \"_\", \".\" and \"/\" are written");
    }
    for part in key.split('/') {
        if matches!(part, "" | "." | "..") {
            return refused("an empty, \".\" or \"..\" part");
        }
        // Windows drops a trailing dot: `manifest.jsonl.` is the manifest.
        if part.ends_with('.') {
            return refused("a part ending in \".\"");
        }
        let stem = part.split('.').next().unwrap_or_default();
        let numbered = stem.len() == 4
            && (stem[..3].eq_ignore_ascii_case("COM") || stem[..3].eq_ignore_ascii_case("LPT"))
            && stem.as_bytes()[3].is_ascii_digit();
        if numbered || DEVICE_NAMES.iter().any(|d| stem.eq_ignore_ascii_case(d)) {
            return refused("a Windows device name (CON, NUL, COM1, …)");
        }
        // Every file fetched is first written as `<key>.partial`.
        if part.to_ascii_lowercase().ends_with(PARTIAL) {
            return refused("a name ending in \".partial\", which export keeps for its own files");
        }
    }
    // Case-insensitive file systems (Windows, macOS) make `MANIFEST.JSONL`
    // the manifest too; as a folder it would stop the manifest's rename.
    let first = key.split('/').next().unwrap_or_default();
    if first.eq_ignore_ascii_case(MANIFEST) || first.eq_ignore_ascii_case(ALBUMS) {
        return refused("the name of export's manifest or album list");
    }
    if !imghost_shared::keys::is_safe_key(key) {
        return refused("in the trash, or too long");
    }
    Ok(())
}

/// Creates the folders between `dir` and `path` one at a time, refusing
/// any that is a symlink (or no folder): a link planted in the export
/// folder must not carry a write, or a read, outside it. With `create`
/// false, nothing is created and a missing folder is left to the read.
pub fn real_folders(dir: &Path, path: &Path, create: bool) -> Result<(), Error> {
    let parent = path.parent().unwrap_or(dir);
    let Ok(rest) = parent.strip_prefix(dir) else {
        return Err(Error::UnsafeFileName("it would leave the folder"));
    };
    let mut folder = dir.to_path_buf();
    for part in rest.components() {
        folder.push(part);
        match fs::symlink_metadata(&folder) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(Error::NotAFolder(folder)),
            // Nothing to follow: the read itself says what is missing.
            Err(error) if error.kind() == io::ErrorKind::NotFound && !create => return Ok(()),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&folder).map_err(|error| Error::CannotWrite {
                    path: folder.clone(),
                    error,
                })?;
            }
            Err(error) => {
                return Err(Error::CannotWrite {
                    path: folder,
                    error,
                })
            }
        }
    }
    // It must still resolve inside (a race could swap a folder for a link).
    let inside = match (dir.canonicalize(), parent.canonicalize()) {
        (Ok(root), Ok(resolved)) => resolved.starts_with(root),
        _ => false,
    };
    if inside {
        Ok(())
    } else {
        Err(Error::NotAFolder(parent.to_path_buf()))
    }
}

async fn export_one(
    client: &Client,
    dir: &Path,
    image: ImageRecord,
    before: Option<Previous>,
    paths: &HashMap<AlbumId, String>,
) -> Outcome {
    let path = match local_path(dir, &image.object_key) {
        Ok(path) => path,
        Err(error) => return Outcome::Failed(error.to_string()),
    };
    if let Some(before) = before.filter(|b| b.key == image.object_key) {
        // Only a file of its own counts: a symlink (or FIFO) there is never
        // read, and is fetched over.
        let own_file = fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file());
        if let Some((hash, size)) = own_file.then(|| hash_file(&path).ok()).flatten() {
            if hash == before.sha256 && size == image.size {
                return Outcome::Unchanged(entry(image, hash, paths));
            }
        }
    }
    match fetch(client, &image, dir, &path).await {
        Ok(hash) => Outcome::Fetched(entry(image, hash, paths)),
        Err(reason) => Outcome::Failed(reason),
    }
}

fn entry(image: ImageRecord, sha256: String, paths: &HashMap<AlbumId, String>) -> Entry {
    Entry {
        albums: image
            .albums
            .iter()
            .filter_map(|id| paths.get(id).cloned())
            .collect(),
        tags: image
            .tags
            .iter()
            .map(|tag| tag.as_str().to_string())
            .collect(),
        id: image.id.0,
        key: image.object_key,
        original_name: image.original_name,
        content_type: image.content_type,
        size: image.size,
        width: image.width,
        height: image.height,
        sha256,
        upload_sha256: image.sha256,
        created_at: image.created_at,
        url: image.image_url,
    }
}

fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut size = 0;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok((hex(&hasher.finalize()), size));
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
}

/// A new, empty file at `path`: whatever was there (a file left by a run
/// that stopped, a symlink) is removed first, never written through.
fn create_fresh(path: &Path) -> io::Result<File> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    File::options().write(true).create_new(true).open(path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Streams the image to a temporary file next to `path`, hashing it, and
/// renames it into place once complete and of the size the row says.
async fn fetch(
    client: &Client,
    image: &ImageRecord,
    dir: &Path,
    path: &Path,
) -> Result<String, String> {
    let url = &image.image_url;
    let response = client
        .http()
        .get(url)
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(|error| format!("cannot download {url}: {error}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "cannot download {url}: HTTP {}",
            response.status().as_u16()
        ));
    }
    real_folders(dir, path, true).map_err(|error| error.to_string())?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(PARTIAL);
    let temporary = PathBuf::from(temporary);
    let result = stream_to(response, &temporary, image.size).await;
    match result {
        Ok(hash) => fs::rename(&temporary, path)
            .map(|()| hash)
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        Err(reason) => {
            let _ = fs::remove_file(&temporary);
            Err(reason)
        }
    }
}

async fn stream_to(
    response: reqwest::Response,
    temporary: &Path,
    expected: u64,
) -> Result<String, String> {
    let cannot_write = |e: io::Error| format!("cannot write {}: {e}", temporary.display());
    let mut file = create_fresh(temporary).map_err(cannot_write)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| format!("download interrupted: {error}"))?;
        size += chunk.len() as u64;
        if size > expected {
            return Err(format!("more bytes than the {expected} stored"));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(cannot_write)?;
    }
    if size != expected {
        return Err(format!("got {size} bytes, {expected} are stored"));
    }
    file.sync_all().map_err(cannot_write)?;
    Ok(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_folder() {
        let dir = Path::new("/out");
        assert_eq!(
            local_path(dir, "2026-11-28/a.png").unwrap(),
            PathBuf::from("/out/2026-11-28/a.png")
        );
        for bad in ["", "../a.png", "/etc/passwd", "a/../../b", "a\\b", "./a"] {
            assert!(local_path(dir, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_plain_keys_that_are_not_exports_own_files_are_written() {
        let dir = Path::new("/out");
        for good in [
            "2026-11-28/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.png",
            "2026-11-28/a.png.thumb.webp",
            "blog/2019/Holiday_photo-2.JPG",
            "sub/manifest.jsonl",
            "manifest.jsonl.bak",
            "console.png",
            "com10.png",
        ] {
            assert!(local_path(dir, good).is_ok(), "{good}");
        }
        let reason = |key| local_path(dir, key).unwrap_err().to_string();
        for (bad, why) in [
            // A drive-relative path on Windows, an NTFS stream, an 8.3 name.
            ("C:AppData/Roaming/x.png", "only ASCII letters"),
            ("a.png:stream", "only ASCII letters"),
            ("MANIFE~1.JSO", "only ASCII letters"),
            ("holiday photo.png", "only ASCII letters"),
            ("猫/照片.jpeg", "only ASCII letters"),
            ("manifeſt.jsonl", "only ASCII letters"),
            ("a\0b.png", "only ASCII letters"),
            ("manifest.jsonl", "manifest"),
            ("MANIFEST.JSONL", "manifest"),
            ("Albums.jsonl", "album list"),
            ("Manifest.Jsonl/a.png", "manifest"),
            ("manifest.jsonl.partial", ".partial"),
            ("2026-11-28/a.png.partial", ".partial"),
            ("x.PARTIAL/a.png", ".partial"),
            ("manifest.jsonl.", "ending in"),
            ("a./b.png", "ending in"),
            ("CON", "device"),
            ("2026/nul.png", "device"),
            ("com1.tar.gz", "device"),
            ("Lpt9.jpg", "device"),
            ("a//b.png", "empty"),
            ("/a.png", "empty"),
            ("a/../b.png", "empty"),
            (".trash/2026-11-28/a.png", "trash"),
        ] {
            let text = reason(bad);
            assert!(text.starts_with("not a safe file name ("), "{bad}: {text}");
            assert!(text.contains(why), "{bad}: {text}");
        }
    }

    #[test]
    fn a_refused_key_is_a_failure_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join(MANIFEST);
        fs::write(&manifest, "{}\n").unwrap();
        // Nothing listens there: a refused key is never even downloaded.
        let client = Client::new(&crate::config::Settings {
            url: "http://127.0.0.1:9".into(),
            token: None,
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for key in ["MANIFEST.JSONL", "manifest.jsonl.partial", "C:x/a.png"] {
            let image = ImageRecord {
                object_key: key.into(),
                image_url: format!("http://127.0.0.1:9/i/{key}"),
                ..crate::fixtures::record(1, "a.png", 3, None)
            };
            let before = Some(Previous {
                id: 1,
                key: key.into(),
                sha256: String::new(),
            });
            match runtime.block_on(export_one(
                &client,
                dir.path(),
                image,
                before,
                &HashMap::new(),
            )) {
                Outcome::Failed(reason) => {
                    assert!(
                        reason.starts_with("not a safe file name"),
                        "{key}: {reason}"
                    )
                }
                _ => panic!("{key} was not refused"),
            }
        }
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, [MANIFEST]);
        assert_eq!(fs::read_to_string(&manifest).unwrap(), "{}\n");
    }

    #[cfg(unix)]
    #[test]
    fn folders_are_made_inside_and_symlinks_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path();
        real_folders(root, &root.join("a/b/c.png"), true).unwrap();
        assert!(root.join("a/b").is_dir());
        // Folders that are there already are taken as they are.
        real_folders(root, &root.join("a/b/d.png"), true).unwrap();
        real_folders(root, &root.join("a/b/d.png"), false).unwrap();

        std::os::unix::fs::symlink(outside.path(), root.join("linked")).unwrap();
        for create in [true, false] {
            let error = real_folders(root, &root.join("linked/sub/c.png"), create).unwrap_err();
            assert!(
                matches!(&error, Error::NotAFolder(p) if p == &root.join("linked")),
                "{error}"
            );
        }
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
        // Reading may go on where there is nothing to follow; a folder that
        // cannot even be looked at (a name too long) is an error either way.
        real_folders(root, &root.join("missing/c.png"), false).unwrap();
        assert!(!root.join("missing").exists());
        let unreadable = root.join("x".repeat(300)).join("c.png");
        for create in [true, false] {
            assert!(real_folders(root, &unreadable, create).is_err(), "{create}");
        }

        // A fresh file where there is none; what cannot be removed is said.
        let new = root.join("a/b/new.png.partial");
        create_fresh(&new).unwrap();
        assert!(new.is_file());
        let error = create_fresh(&root.join("a")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::IsADirectory, "{error}");

        // A file left at the temporary name, even a symlink, is replaced.
        let victim = outside.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let temporary = root.join("a/b/c.png.partial");
        std::os::unix::fs::symlink(&victim, &temporary).unwrap();
        create_fresh(&temporary).unwrap().write_all(b"new").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert!(fs::symlink_metadata(&temporary).unwrap().is_file());
    }

    #[test]
    fn files_hash_as_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"abc").unwrap();
        assert_eq!(
            hash_file(&path).unwrap(),
            (
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
                3
            )
        );
    }

    #[test]
    fn previous_manifests_are_read_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MANIFEST);
        fs::write(
            &path,
            "{\"id\":3,\"key\":\"k3\",\"sha256\":\"a\"}\nnot json\n{\"id\":1,\"key\":\"k1\",\"sha256\":\"b\"}\n",
        )
        .unwrap();
        let ids: Vec<i64> = previous_entries(&path).map(|p| p.id).collect();
        assert_eq!(ids, [3, 1]);
        assert_eq!(previous_entries(&dir.path().join("none")).count(), 0);
    }
}
