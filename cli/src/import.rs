//! `imghost import DIR`: an export (its `manifest.jsonl`) back under the
//! same keys and times, so every old URL works again once the domain points
//! here; or any folder of images, recursively, as new uploads. Safe to stop
//! and run again: the server answers what is already there as a duplicate.

use crate::client::Client;
use crate::error::Error;
use crate::output;
use crate::upload::{self, Source};
use futures_util::StreamExt;
use imghost_shared::api::albums::{AlbumId, AlbumImagesRequest, TagName};
use imghost_shared::api::UploadQuery;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

/// The file an export writes next to the images.
pub const MANIFEST: &str = "manifest.jsonl";
/// Uploads at once.
const CONCURRENCY: usize = 4;
/// The largest file read and sent, unless `--max-bytes` says otherwise: the
/// server's default MAX_UPLOAD_BYTES (api/src/config.rs). The server does
/// not tell its limit before an upload, and a larger file would only come
/// back as a 413 once sent.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The fields of a manifest line that a restore needs.
#[derive(Debug, Deserialize)]
struct Entry {
    key: String,
    original_name: String,
    /// Of the exported file's bytes.
    sha256: String,
    /// Of the bytes first uploaded, so the same file uploaded again is
    /// recognised as this image here too.
    #[serde(default)]
    upload_sha256: Option<String>,
    created_at: i64,
    #[serde(default)]
    albums: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
}

enum Item {
    Restore(Entry),
    New(PathBuf),
    /// A symlink, FIFO, socket or device in the folder: never followed or read.
    NotAFile(PathBuf),
    /// A manifest line that could not be read: (line number, why).
    Unreadable(usize, String),
}

enum Outcome {
    Stored,
    AlreadyThere,
    Skipped(String),
    Failed(String),
}

pub async fn run(client: &Client, dir: &Path, max_bytes: u64) -> Result<u8, Error> {
    let manifest = dir.join(MANIFEST);
    let albums = if manifest.is_file() {
        let paths = album_paths(&dir.join(crate::export::ALBUMS))?;
        crate::albums::ensure_all(client, &paths).await?
    } else {
        HashMap::new()
    };
    let albums = &albums;
    let items: Box<dyn Iterator<Item = Item>> = if manifest.is_file() {
        Box::new(manifest_items(&manifest)?)
    } else if dir.is_dir() {
        Box::new(image_files(dir).into_iter())
    } else {
        return Err(Error::NoSuchFolder(dir.to_path_buf()));
    };
    let bar = output::progress_bar("importing {pos} images {spinner}");
    let mut results = futures_util::stream::iter(items.map(|item| {
        let client = client.clone();
        let dir = dir.to_path_buf();
        async move {
            let label = match &item {
                Item::Restore(entry) => entry.key.clone(),
                Item::New(path) | Item::NotAFile(path) => path.display().to_string(),
                Item::Unreadable(line, _) => format!("{MANIFEST}:{line}"),
            };
            (
                label,
                import_one(&client, &dir, item, max_bytes, albums).await,
            )
        }
    }))
    .buffer_unordered(CONCURRENCY);
    let (mut stored, mut already, mut skipped, mut failed) = (0, 0, 0, 0);
    while let Some((label, outcome)) = results.next().await {
        let note = match outcome {
            Outcome::Stored => {
                stored += 1;
                None
            }
            Outcome::AlreadyThere => {
                already += 1;
                None
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                Some(format!("note: {label}: skipped, {why}"))
            }
            Outcome::Failed(why) => {
                failed += 1;
                Some(format!("error: {label}: {why}"))
            }
        };
        bar.inc(1);
        if let Some(note) = note {
            bar.suspend(|| eprintln!("{note}"));
        }
    }
    bar.finish_and_clear();
    upload::print_stdout(&format!(
        "imported {stored}, already there {already}, skipped {skipped}, failed {failed}\n"
    ));
    Ok(u8::from(failed > 0))
}

/// The album paths of an export's `albums.jsonl` (none if it has none:
/// an export from before albums).
fn album_paths(path: &Path) -> Result<Vec<String>, Error> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(Error::ExportFileUnreadable {
                path: path.into(),
                error,
            })
        }
    };
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str::<String>(line).map_err(|error| {
                Error::Usage(format!("{}: not an album path: {error}", path.display()))
            })
        })
        .collect()
}

async fn import_one(
    client: &Client,
    dir: &Path,
    item: Item,
    max_bytes: u64,
    albums: &HashMap<String, AlbumId>,
) -> Outcome {
    let result = match item {
        Item::Unreadable(_, why) => return Outcome::Failed(why),
        Item::NotAFile(_) => {
            return Outcome::Skipped("not a regular file (symlinks are not followed)".into())
        }
        Item::New(path) => {
            let bytes = match read_file(&path, max_bytes) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => return Outcome::Failed(too_large(max_bytes).to_string()),
                Err(error) => return Outcome::Failed(error.to_string()),
            };
            if let Err(rejected) = upload::accepts(&bytes) {
                return Outcome::Skipped(format!("not an image ({rejected})"));
            }
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let source = Source::Bytes {
                name: name.unwrap_or_default(),
                data: bytes.into(),
            };
            upload::upload_one(client, source, "", None).await
        }
        Item::Restore(entry) => {
            let key = entry.key.clone();
            match restore(client, dir, entry, max_bytes, albums).await {
                // Its old URL works only under its own key: anything else
                // (an older server answering with another image) is a failure.
                Ok(answer) if answer.image.object_key != key => {
                    return Outcome::Failed(format!(
                        "the server answered with {} instead of restoring it under its own key",
                        answer.image.object_key
                    ))
                }
                other => other,
            }
        }
    };
    match result {
        Ok(answer) if answer.duplicate => Outcome::AlreadyThere,
        Ok(_) => Outcome::Stored,
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

/// Sends an exported file back under its key, once its bytes are checked
/// against the manifest: a damaged file is never restored.
async fn restore(
    client: &Client,
    dir: &Path,
    entry: Entry,
    max_bytes: u64,
    albums: &HashMap<String, AlbumId>,
) -> Result<imghost_shared::api::UploadResponse, Error> {
    // Its albums and tags, checked before anything is sent.
    let mut album_ids = Vec::new();
    for path in &entry.albums {
        let id = albums.get(&path.to_ascii_lowercase()).ok_or_else(|| {
            Error::Usage(format!(
                "album {path:?} is not in {}",
                crate::export::ALBUMS
            ))
        })?;
        album_ids.push(*id);
    }
    album_ids.extend(client.labels().album);
    album_ids.dedup();
    let mut tags = client.labels().tags.clone();
    for tag in &entry.tags {
        let tag = TagName::parse(tag).map_err(Error::Usage)?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    // A manifest names keys, not paths: one that export would not write, or
    // that a symlinked folder would carry out of the export, is never read.
    let path = crate::export::local_path(dir, &entry.key)
        .map_err(|_| Error::UnsafeKey(entry.key.clone()))?;
    crate::export::real_folders(dir, &path, false)?;
    let bytes = read_file(&path, max_bytes)
        .map_err(|error| Error::ExportFileUnreadable {
            path: path.clone(),
            error,
        })?
        .ok_or_else(|| too_large(max_bytes))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    if sha256 != entry.sha256 {
        return Err(Error::ExportFileChanged(path));
    }
    let prepared = upload::prepare(&entry.original_name, bytes.into())?;
    let extras = upload::extras_for(&prepared, &entry.key, None).await;
    let query = UploadQuery {
        key: Some(entry.key),
        created_at: Some(entry.created_at),
        upload_sha256: entry
            .upload_sha256
            .filter(|hash| imghost_shared::api::is_sha256_hex(hash)),
        album: album_ids.first().copied(),
        tags,
    };
    let answer = client
        .upload_to(
            &query,
            &prepared.name,
            prepared.mime,
            prepared.data,
            &extras,
            None,
        )
        .await?;
    for album in album_ids.iter().skip(1) {
        let request = AlbumImagesRequest {
            add: vec![answer.image.id],
            ..AlbumImagesRequest::default()
        };
        client.album_images(*album, &request).await?;
    }
    Ok(answer)
}

/// The bytes of the regular file at `path`, or `None` past `max_bytes`
/// (no more than `max_bytes + 1` are read). A symlink there is not
/// followed, nor a FIFO or device read: either could lead anywhere, or
/// never end.
fn read_file(path: &Path, max_bytes: u64) -> io::Result<Option<Vec<u8>>> {
    let not_a_file = || io::Error::other("not a regular file");
    if !fs::symlink_metadata(path)?.is_file() {
        return Err(not_a_file());
    }
    let file = fs::File::open(path)?;
    // Swapped since it was looked at: the open file decides.
    if !file.metadata()?.is_file() {
        return Err(not_a_file());
    }
    upload::read_capped(file, max_bytes)
}

fn too_large(limit: u64) -> Error {
    Error::OverMaxBytes { limit }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One item per manifest line, read as they are needed.
fn manifest_items(path: &Path) -> Result<impl Iterator<Item = Item>, Error> {
    let file = fs::File::open(path).map_err(|error| Error::ExportFileUnreadable {
        path: path.into(),
        error,
    })?;
    Ok(io::BufReader::new(file)
        .lines()
        .enumerate()
        .filter(|(_, line)| !matches!(line, Ok(text) if text.trim().is_empty()))
        .map(|(index, line)| {
            let parsed = line.map_err(|error| error.to_string()).and_then(|text| {
                serde_json::from_str::<Entry>(&text).map_err(|error| error.to_string())
            });
            match parsed {
                Ok(entry) => Item::Restore(entry),
                Err(why) => Item::Unreadable(index + 1, format!("not a manifest line: {why}")),
            }
        }))
}

/// Every file under `dir`, sorted, hidden ones left out; what is not a
/// regular file (a symlink, even to a folder, a FIFO, a device) is named
/// only to be skipped.
fn image_files(dir: &Path) -> Vec<Item> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            // The entry's own type: a symlink is not followed.
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(kind) => files.push((path, kind.is_file())),
                Err(_) => files.push((path, false)),
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|(path, regular)| {
            if regular {
                Item::New(path)
            } else {
                Item::NotAFile(path)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lines_are_read_one_by_one_and_bad_ones_named() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join(MANIFEST);
        fs::write(
            &manifest,
            concat!(
                r#"{"id":1,"key":"2025-01-02/a.png","original_name":"a.png","sha256":"ab","created_at":5,"url":"u"}"#,
                "\n\n",
                "not json\n",
            ),
        )
        .unwrap();
        let items: Vec<Item> = manifest_items(&manifest).unwrap().collect();
        assert!(
            matches!(&items[0], Item::Restore(entry) if entry.key == "2025-01-02/a.png" && entry.created_at == 5)
        );
        assert!(
            matches!(&items[1], Item::Unreadable(3, why) if why.starts_with("not a manifest line"))
        );
        assert_eq!(items.len(), 2);
    }

    /// What the folder walk found, relative to `dir`; `!` marks an entry
    /// only to be skipped.
    fn walked(dir: &Path) -> Vec<String> {
        image_files(dir)
            .iter()
            .map(|item| match item {
                Item::New(path) => path.strip_prefix(dir).unwrap().display().to_string(),
                Item::NotAFile(path) => format!("!{}", path.strip_prefix(dir).unwrap().display()),
                _ => unreachable!("a folder walk finds files"),
            })
            .collect()
    }

    #[test]
    fn folders_are_walked_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("2024/trip")).unwrap();
        fs::create_dir_all(dir.path().join(".git")).unwrap();
        for file in [
            "b.png",
            "2024/a.jpg",
            "2024/trip/c.gif",
            ".DS_Store",
            ".git/x",
        ] {
            fs::write(dir.path().join(file), b"x").unwrap();
        }
        assert_eq!(
            walked(dir.path()),
            ["2024/a.jpg", "2024/trip/c.gif", "b.png"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_fifos_and_devices_are_skipped_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.png"), b"x").unwrap();
        fs::write(dir.path().join("a.png"), b"x").unwrap();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap()
        };
        link(&outside.path().join("secret.png"), "file-link.png");
        link(outside.path(), "folder-link");
        link(Path::new("/dev/zero"), "zero.png");
        let fifo = dir.path().join("pipe.png");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let mut expected = vec!["a.png", "!file-link.png", "!folder-link", "!zero.png"];
        if made.is_ok_and(|status| status.success()) {
            expected.insert(2, "!pipe.png");
        }
        expected.sort_by_key(|name| name.trim_start_matches('!').to_string());
        assert_eq!(walked(dir.path()), expected);
        for name in ["file-link.png", "zero.png"] {
            let error = read_file(&dir.path().join(name), 100).unwrap_err();
            assert_eq!(error.to_string(), "not a regular file", "{name}");
        }
    }

    #[test]
    fn files_are_read_up_to_the_cap_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        fs::write(&path, [7; 1000]).unwrap();
        assert_eq!(read_file(&path, 1000).unwrap(), Some(vec![7; 1000]));
        assert_eq!(read_file(&path, 999).unwrap(), None);
        // A file far larger than memory (sparse, so it takes no disk) is
        // refused after reading one byte past the cap.
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(1 << 36)
            .unwrap();
        assert_eq!(read_file(&path, DEFAULT_MAX_BYTES).unwrap(), None);
    }

    #[test]
    fn what_is_skipped_or_too_large_is_said_and_never_sent() {
        let dir = tempfile::tempdir().unwrap();
        let large = dir.path().join("large.png");
        fs::write(&large, [0; 2000]).unwrap();
        // Nothing listens there: nothing may be sent.
        let client = Client::new(&crate::config::Settings {
            url: "http://127.0.0.1:9".into(),
            token: None,
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let outcome =
            |item| runtime.block_on(import_one(&client, dir.path(), item, 1000, &HashMap::new()));
        assert!(matches!(
            outcome(Item::New(large)),
            Outcome::Failed(why) if why == "larger than 1000 B, the upload limit (--max-bytes); nothing sent"
        ));
        assert!(matches!(
            outcome(Item::NotAFile(dir.path().join("pipe"))),
            Outcome::Skipped(why) if why == "not a regular file (symlinks are not followed)"
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_restore_reads_only_files_of_the_export_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("big.png"), [0; 2000]).unwrap();
        fs::write(outside.path().join("a.png"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("a.png"), root.join("link.png")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("linked")).unwrap();
        let client = Client::new(&crate::config::Settings {
            url: "http://127.0.0.1:9".into(),
            token: None,
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for (key, why) in [
            (
                "big.png",
                "larger than 1000 B, the upload limit (--max-bytes); nothing sent".to_string(),
            ),
            (
                "link.png",
                format!(
                    "cannot read {}: not a regular file",
                    root.join("link.png").display()
                ),
            ),
            (
                "linked/a.png",
                format!(
                    "{} is a symlink or not a folder; not followed",
                    root.join("linked").display()
                ),
            ),
            (
                "MANIFEST.JSONL",
                "the manifest names \"MANIFEST.JSONL\", which is not a safe key; nothing read"
                    .to_string(),
            ),
        ] {
            let line = format!(
                r#"{{"key":"{key}","original_name":"a.png","sha256":"00","created_at":1}}"#
            );
            let entry = serde_json::from_str(&line).unwrap();
            match runtime.block_on(import_one(
                &client,
                root,
                Item::Restore(entry),
                1000,
                &HashMap::new(),
            )) {
                Outcome::Failed(reason) => assert_eq!(reason, why, "{key}"),
                _ => panic!("{key} was restored"),
            }
        }
    }
}
