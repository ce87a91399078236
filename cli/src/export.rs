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
use imghost_shared::api::{ImageRecord, MAX_PAGE_SIZE};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const MANIFEST: &str = "manifest.jsonl";
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
    let manifest_path = dir.join(MANIFEST);
    let mut previous = previous_entries(&manifest_path).peekable();
    let partial = dir.join(format!("{MANIFEST}.partial"));
    let mut manifest =
        io::BufWriter::new(File::create(&partial).map_err(|e| failed_io(&partial, e))?);

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
            async move { (key, export_one(client, dir, image, before).await) }
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

/// Where an object key goes under `dir`; `None` for a key that would
/// leave it.
pub fn local_path(dir: &Path, key: &str) -> Option<PathBuf> {
    imghost_shared::keys::is_safe_key(key).then(|| dir.join(key))
}

async fn export_one(
    client: &Client,
    dir: &Path,
    image: ImageRecord,
    before: Option<Previous>,
) -> Outcome {
    let Some(path) = local_path(dir, &image.object_key) else {
        return Outcome::Failed("not a safe file name; skipped".into());
    };
    if let Some(before) = before.filter(|b| b.key == image.object_key) {
        if let Ok((hash, size)) = hash_file(&path) {
            if hash == before.sha256 && size == image.size {
                return Outcome::Unchanged(entry(image, hash));
            }
        }
    }
    match fetch(client, &image, &path).await {
        Ok(hash) => Outcome::Fetched(entry(image, hash)),
        Err(reason) => Outcome::Failed(reason),
    }
}

fn entry(image: ImageRecord, sha256: String) -> Entry {
    Entry {
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Streams the image to a temporary file next to `path`, hashing it, and
/// renames it into place once complete and of the size the row says.
async fn fetch(client: &Client, image: &ImageRecord, path: &Path) -> Result<String, String> {
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
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
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
    let mut file = File::create(temporary).map_err(cannot_write)?;
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
            local_path(dir, "2026-11-28/a.png"),
            Some(PathBuf::from("/out/2026-11-28/a.png"))
        );
        for bad in ["", "../a.png", "/etc/passwd", "a/../../b", "a\\b", "./a"] {
            assert_eq!(local_path(dir, bad), None, "{bad}");
        }
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
