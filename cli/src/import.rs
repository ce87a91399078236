//! `imghost import DIR`: an export (its `manifest.jsonl`) back under the
//! same keys and times, so every old URL works again once the domain points
//! here; or any folder of images, recursively, as new uploads. Safe to stop
//! and run again: the server answers what is already there as a duplicate.

use crate::client::Client;
use crate::error::Error;
use crate::output;
use crate::upload::{self, Source};
use futures_util::StreamExt;
use imghost_shared::api::UploadQuery;
use imghost_shared::image;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

/// The file an export writes next to the images.
pub const MANIFEST: &str = "manifest.jsonl";
/// Uploads at once.
const CONCURRENCY: usize = 4;

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
}

enum Item {
    Restore(Entry),
    New(PathBuf),
    /// A manifest line that could not be read: (line number, why).
    Unreadable(usize, String),
}

enum Outcome {
    Stored,
    AlreadyThere,
    Skipped(String),
    Failed(String),
}

pub async fn run(client: &Client, dir: &Path) -> Result<u8, Error> {
    let manifest = dir.join(MANIFEST);
    let items: Box<dyn Iterator<Item = Item>> = if manifest.is_file() {
        Box::new(manifest_items(&manifest)?)
    } else if dir.is_dir() {
        Box::new(image_files(dir).into_iter().map(Item::New))
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
                Item::New(path) => path.display().to_string(),
                Item::Unreadable(line, _) => format!("{MANIFEST}:{line}"),
            };
            (label, import_one(&client, &dir, item).await)
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

async fn import_one(client: &Client, dir: &Path, item: Item) -> Outcome {
    let result = match item {
        Item::Unreadable(_, why) => return Outcome::Failed(why),
        Item::New(path) => {
            let bytes = match fs::read(&path) {
                Ok(bytes) => bytes,
                Err(error) => return Outcome::Failed(error.to_string()),
            };
            if let Err(rejected) = image::detect(&bytes) {
                return Outcome::Skipped(format!("not an image ({rejected})"));
            }
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let source = Source::Bytes {
                name: name.unwrap_or_default(),
                data: bytes.into(),
            };
            upload::upload_one(client, source, "", None).await
        }
        Item::Restore(entry) => restore(client, dir, entry).await,
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
) -> Result<imghost_shared::api::UploadResponse, Error> {
    // A manifest names keys, not paths: one that would climb out of the
    // export is never read.
    let path = crate::export::local_path(dir, &entry.key)
        .ok_or_else(|| Error::UnsafeKey(entry.key.clone()))?;
    let bytes = fs::read(&path).map_err(|error| Error::ExportFileUnreadable {
        path: path.clone(),
        error,
    })?;
    let sha256 = hex(&Sha256::digest(&bytes));
    if sha256 != entry.sha256 {
        return Err(Error::ExportFileChanged(path));
    }
    let prepared = upload::prepare(&entry.original_name, bytes.into())?;
    let thumbnail = upload::thumbnail_for(&prepared, &entry.key, None).await;
    let query = UploadQuery {
        key: Some(entry.key),
        created_at: Some(entry.created_at),
        upload_sha256: entry
            .upload_sha256
            .filter(|hash| imghost_shared::api::is_sha256_hex(hash)),
    };
    Ok(client
        .upload_to(
            &query,
            &prepared.name,
            prepared.mime,
            prepared.data,
            thumbnail.as_ref(),
            None,
        )
        .await?)
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

/// Every file under `dir`, sorted, hidden ones left out.
fn image_files(dir: &Path) -> Vec<PathBuf> {
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
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
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
        let found: Vec<String> = image_files(dir.path())
            .iter()
            .map(|path| path.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(found, ["2024/a.jpg", "2024/trip/c.gif", "b.png"]);
    }
}
