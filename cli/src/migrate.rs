//! `imghost migrate`: moves the images a blog's Markdown, MDX and HTML
//! files reference (on another host, or on disk) to this imghost, and
//! rewrites only the bytes of those URLs.

mod scan;

use crate::client::Client;
use crate::error::Error;
use crate::upload::{self, Source};
use futures_util::StreamExt;
use imghost_shared::api::albums::AlbumImagesRequest;
use imghost_shared::api::ImageId;
use scan::Kind;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The mapping file a real run appends to, unless `--map` names another.
pub const DEFAULT_MAP: &str = "imghost-migrate-map.tsv";

pub struct Options {
    pub paths: Vec<PathBuf>,
    pub dry_run: bool,
    pub map: PathBuf,
    pub timeout: Duration,
    /// The site's static folder: where `/images/a.png` is.
    pub static_dir: Option<PathBuf>,
    /// Read local images anywhere, not only inside the folders given.
    pub allow_outside: bool,
    /// `--album`: every image moved goes in it (through the client's
    /// labels); with `album_per_post`, the posts' albums go under it.
    pub album: Option<String>,
    /// Each post's images also go in an album named after its file.
    pub album_per_post: bool,
}

/// The album of a post's images: its file name without extension, under
/// `root` if given (`Blog/my-first-post`).
pub fn post_album(root: Option<&str>, post: &Path) -> String {
    let stem = post
        .file_stem()
        .map(|stem| stem.to_string_lossy().replace('/', "-"))
        .unwrap_or_default();
    let stem: String = stem
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(imghost_shared::api::albums::MAX_ALBUM_NAME_CHARS)
        .collect();
    let stem = if stem.trim().is_empty() {
        "post".to_string()
    } else {
        stem
    };
    match root {
        Some(root) => format!("{}/{stem}", root.trim_end_matches('/')),
        None => stem,
    }
}

/// A text file and the image references found in it.
struct Page {
    path: PathBuf,
    text: String,
    /// (span, line, index into the images, URL as written).
    references: Vec<(Range<usize>, usize, usize, String)>,
}

/// One image to move, however many times it is referenced.
struct Image {
    source: Source,
    /// The URL or path as first written.
    written: String,
}

pub async fn run(client: &Client, options: Options) -> Result<u8, Error> {
    let mut failed = false;
    if let Some(dir) = &options.static_dir {
        if !dir.is_dir() {
            return Err(Error::NoSuchFolder(dir.clone()));
        }
    }
    let files = collect(&options.paths, &mut failed);
    let roots = (!options.allow_outside).then(|| allowed_roots(&options));
    let own = own_prefixes(client).await?;

    let mut images: Vec<Image> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut pages = Vec::new();
    for (path, kind) in files {
        let text = match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    eprintln!("error: {}: not UTF-8 text; left alone", path.display());
                    failed = true;
                    continue;
                }
            },
            Err(error) => {
                eprintln!("error: {}: {error}", path.display());
                failed = true;
                continue;
            }
        };
        let mut references = Vec::new();
        for reference in scan::find(&text, kind) {
            let static_dir = options.static_dir.as_deref();
            let Some((key, source)) = classify(&reference.url, &path, static_dir, &own) else {
                continue;
            };
            let at = *index.entry(key).or_insert_with(|| {
                images.push(Image {
                    source,
                    written: reference.url.clone(),
                });
                images.len() - 1
            });
            let line = scan::line_of(&text, reference.span.start);
            references.push((reference.span, line, at, reference.url));
        }
        pages.push(Page {
            path,
            text,
            references,
        });
    }

    let results = move_images(
        client,
        &images,
        roots.as_deref(),
        options.dry_run,
        options.timeout,
    )
    .await;

    let mut map = String::new();
    let mut rewritten = 0;
    let mut changed_files = 0;
    let mut per_post: std::collections::BTreeMap<String, Vec<ImageId>> = Default::default();
    for page in &pages {
        let mut replacements = Vec::new();
        for (span, line, at, written) in &page.references {
            match &results[*at] {
                Ok((new, id)) => {
                    replacements.push((span.clone(), new.as_str(), written));
                    if let Some(id) = id.filter(|_| options.album_per_post) {
                        let post = post_album(options.album.as_deref(), &page.path);
                        let ids = per_post.entry(post).or_default();
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                }
                Err(reason) => {
                    failed = true;
                    eprintln!("error: {}:{line}: {written}: {reason}", page.path.display());
                }
            }
        }
        if replacements.is_empty() {
            continue;
        }
        let new_text = replace(&page.text, &replacements);
        if new_text == page.text {
            continue;
        }
        changed_files += 1;
        rewritten += replacements.len();
        if options.dry_run {
            upload::print_stdout(&unified_diff(&page.path, &page.text, &new_text));
            continue;
        }
        if let Err(error) = write_with_backup(&page.path, &page.text, &new_text) {
            eprintln!("error: {error}");
            failed = true;
            continue;
        }
        let mut seen = std::collections::HashSet::new();
        for (_, new, written) in &replacements {
            if seen.insert(*written) {
                let _ = writeln!(
                    map,
                    "{}\t{}\t{}",
                    tsv(written),
                    tsv(new),
                    tsv(&page.path.display().to_string())
                );
            }
        }
        upload::print_stdout(&format!(
            "{}: {} reference(s) rewritten\n",
            page.path.display(),
            replacements.len()
        ));
    }
    if !map.is_empty() {
        append_map(&options.map, &map)?;
    }
    if !per_post.is_empty() {
        let paths: Vec<String> = per_post.keys().cloned().collect();
        let albums = crate::albums::ensure_all(client, &paths).await?;
        for (path, ids) in &per_post {
            let album = albums[&path.to_ascii_lowercase()];
            for chunk in ids.chunks(imghost_shared::api::albums::MAX_BULK_IMAGES) {
                let request = AlbumImagesRequest {
                    add: chunk.to_vec(),
                    ..AlbumImagesRequest::default()
                };
                client.album_images(album, &request).await?;
            }
            eprintln!("album {path}: {} image(s)", ids.len());
        }
    }
    let moved = results.iter().filter(|r| r.is_ok()).count();
    let verb = if options.dry_run {
        "would be rewritten (dry run: nothing uploaded or written)"
    } else {
        "rewritten"
    };
    eprintln!(
        "{moved} of {} image(s) {}; {rewritten} reference(s) in {changed_files} file(s) {verb}",
        images.len(),
        if options.dry_run { "readable" } else { "moved" },
    );
    Ok(u8::from(failed))
}

/// The folders local images may be read from: each folder given, the
/// folder of each file given, and `--static`, with symlinks resolved.
fn allowed_roots(options: &Options) -> Vec<PathBuf> {
    options
        .paths
        .iter()
        .filter_map(|path| {
            let real = path.canonicalize().ok()?;
            if real.is_dir() {
                Some(real)
            } else {
                real.parent().map(Path::to_path_buf)
            }
        })
        .chain(
            options
                .static_dir
                .iter()
                .filter_map(|dir| dir.canonicalize().ok()),
        )
        .collect()
}

/// The file to read for a local link: its real path, if that lies inside
/// one of `roots` (`None`: anywhere, as it is). Symlinks are resolved
/// first, so that none leads out of the folders.
fn confine(path: &Path, roots: Option<&[PathBuf]>) -> Result<PathBuf, Error> {
    let Some(roots) = roots else {
        return Ok(path.to_path_buf());
    };
    let real = path.canonicalize().map_err(upload::read_error)?;
    if roots.iter().any(|root| real.starts_with(root)) {
        Ok(real)
    } else {
        Err(Error::OutsideFolders(real))
    }
}

/// Files named, and the Markdown, MDX and HTML files under folders named
/// (hidden entries and `node_modules` skipped), each once, sorted per folder.
fn collect(paths: &[PathBuf], failed: &mut bool) -> Vec<(PathBuf, Kind)> {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut files, failed),
            Ok(_) => files.push((path.clone(), scan::kind_of(path).unwrap_or(Kind::Markdown))),
            Err(error) => {
                eprintln!("error: {}: {error}", path.display());
                *failed = true;
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|(path, _)| seen.insert(path.canonicalize().unwrap_or_else(|_| path.clone())));
    files
}

fn walk(dir: &Path, files: &mut Vec<(PathBuf, Kind)>, failed: &mut bool) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            eprintln!("error: {}: {error}", dir.display());
            *failed = true;
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk(&path, files, failed),
            Ok(_) => {
                if let Some(kind) = scan::kind_of(&path) {
                    files.push((path, kind));
                }
            }
            Err(_) => {}
        }
    }
}

/// The API's address and the base of the image URLs it hands out: URLs
/// under either are already on this imghost.
async fn own_prefixes(client: &Client) -> Result<Vec<String>, Error> {
    let base = client.base_url().trim_end_matches('/').to_string();
    // A token that may only upload cannot list: images are then taken to
    // be served under the API's own `/i/`.
    let first = match client.list(1, None, None).await {
        Ok(page) => page.results.into_iter().next(),
        Err(error) if error.is_forbidden() => None,
        Err(error) => return Err(error.into()),
    };
    let images = first
        .and_then(|image| image_base(&image.image_url, &image.object_key))
        .unwrap_or_else(|| format!("{base}/i/"));
    Ok(vec![format!("{base}/"), images])
}

/// `https://img.example/i/` from `https://img.example/i/2026-11-28/x.png`
/// and its key `2026-11-28/x.png`.
fn image_base(url: &str, key: &str) -> Option<String> {
    url.strip_suffix(key)
        .filter(|base| base.ends_with('/'))
        .or_else(|| url.rfind("/i/").map(|at| &url[..at + 3]))
        .map(str::to_string)
}

fn is_web(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// What to upload for a URL as written, and the key that makes two
/// references the same image; `None` for what is not moved (this
/// imghost's own URLs, data: and other schemes, fragments, nothing).
fn classify(
    url: &str,
    page: &Path,
    static_dir: Option<&Path>,
    own: &[String],
) -> Option<(String, Source)> {
    let url = url.trim();
    if url.is_empty() || url.starts_with('#') {
        return None;
    }
    let url = match url.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_string(),
    };
    if is_web(&url) {
        if own.iter().any(|prefix| url.starts_with(prefix.as_str())) {
            return None;
        }
        return Some((format!("url {url}"), Source::Url(url)));
    }
    let scheme = url.split_once(':').map(|(scheme, _)| scheme);
    if scheme.is_some_and(|s| {
        s.len() > 1
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    }) {
        return None;
    }
    let bare = url.split(['?', '#']).next().unwrap_or_default();
    let path = locate(bare, page, static_dir);
    let key = path.canonicalize().unwrap_or_else(|_| path.clone());
    Some((format!("file {}", key.display()), Source::File(path)))
}

/// The file a local link names: relative to its page; or, starting with
/// `/`, in `--static` (a site serves it at its root) if there, else the
/// absolute path on this computer. Each as written, then percent-decoded;
/// the first that exists, or the first tried.
fn locate(bare: &str, page: &Path, static_dir: Option<&Path>) -> PathBuf {
    let decoded = percent_encoding::percent_decode_str(bare).decode_utf8_lossy();
    let written = [bare, decoded.as_ref()];
    let mut candidates = Vec::new();
    if let Some(root) = static_dir.filter(|_| bare.starts_with('/')) {
        candidates.extend(written.map(|link| root.join(link.trim_start_matches('/'))));
    }
    let dir = page.parent().unwrap_or(Path::new(""));
    candidates.extend(written.map(|link| dir.join(link)));
    let first = candidates[0].clone();
    candidates
        .into_iter()
        .find(|path| path.exists())
        .unwrap_or(first)
}

/// Each image read (downloaded within `timeout`; a file only inside
/// `roots`), checked and, unless a dry run, uploaded: its new URL, or why
/// not.
async fn move_images(
    client: &Client,
    images: &[Image],
    roots: Option<&[PathBuf]>,
    dry_run: bool,
    timeout: Duration,
) -> Vec<Result<(String, Option<ImageId>), Error>> {
    futures_util::stream::iter(images.iter().enumerate().map(|(n, image)| async move {
        let source = match &image.source {
            Source::File(path) => Source::File(confine(path, roots)?),
            other => other.clone(),
        };
        let load = upload::load(client, source);
        let prepared = match &image.source {
            Source::Url(url) => tokio::time::timeout(timeout, load)
                .await
                .unwrap_or_else(|_| {
                    Err(Error::DownloadTimedOut {
                        url: url.clone(),
                        seconds: timeout.as_secs(),
                    })
                }),
            _ => load.await,
        }?;
        if dry_run {
            eprintln!("dry run: imghost:dry-run/{} is {}", n + 1, image.written);
            return Ok((format!("imghost:dry-run/{}", n + 1), None));
        }
        let extras = upload::extras_for(&prepared, &image.written, None).await;
        let uploaded = client
            .upload(&prepared.name, prepared.mime, prepared.data, &extras, None)
            .await?;
        if uploaded.duplicate {
            eprintln!(
                "note: {}: duplicate of image {} uploaded before; nothing new stored",
                image.written, uploaded.image.id
            );
        }
        Ok((uploaded.image.image_url, Some(uploaded.image.id)))
    }))
    .buffered(upload::CONCURRENCY)
    .collect()
    .await
}

/// `text` with each span replaced (a span given twice is replaced once).
fn replace(text: &str, replacements: &[(Range<usize>, &str, &String)]) -> String {
    let mut sorted: Vec<_> = replacements.iter().collect();
    sorted.sort_by_key(|(span, _, _)| span.start);
    sorted.dedup_by_key(|(span, _, _)| span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, new, _) in sorted {
        out.push_str(&text[at..span.start]);
        out.push_str(new);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A unified diff of two texts with the same number of lines (a URL never
/// holds a line break, so a rewrite changes lines but never adds any).
fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    const CONTEXT: usize = 3;
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    debug_assert_eq!(old_lines.len(), new_lines.len());
    let changed: Vec<usize> = (0..old_lines.len())
        .filter(|&i| old_lines[i] != new_lines[i])
        .collect();
    let mut out = format!("--- {0}\n+++ {0}\n", path.display());
    let mut i = 0;
    while i < changed.len() {
        let start = changed[i].saturating_sub(CONTEXT);
        let mut last = changed[i];
        while i + 1 < changed.len() && changed[i + 1] <= last + 2 * CONTEXT + 1 {
            i += 1;
            last = changed[i];
        }
        let end = (last + CONTEXT + 1).min(old_lines.len());
        let count = end - start;
        let _ = writeln!(out, "@@ -{0},{count} +{0},{count} @@", start + 1);
        let mut line = start;
        while line < end {
            if old_lines[line] == new_lines[line] {
                push_line(&mut out, ' ', old_lines[line]);
                line += 1;
                continue;
            }
            let run_end = (line..end)
                .find(|&l| old_lines[l] == new_lines[l])
                .unwrap_or(end);
            for removed in &old_lines[line..run_end] {
                push_line(&mut out, '-', removed);
            }
            for added in &new_lines[line..run_end] {
                push_line(&mut out, '+', added);
            }
            line = run_end;
        }
        i += 1;
    }
    out
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// Keeps the original as `FILE.orig` (never overwriting one already
/// there), then replaces the file through a temporary file and a rename.
fn write_with_backup(path: &Path, old: &str, new: &str) -> Result<(), Error> {
    let failed = |path: &Path, error| Error::CannotWrite {
        path: path.to_path_buf(),
        error,
    };
    let mut backup = path.as_os_str().to_owned();
    backup.push(".orig");
    let backup = PathBuf::from(backup);
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&backup)
    {
        Ok(mut file) => file
            .write_all(old.as_bytes())
            .map_err(|e| failed(&backup, e))?,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(failed(&backup, error)),
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".imghost-tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, new).map_err(|e| failed(&temporary, e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&temporary, meta.permissions());
    }
    std::fs::rename(&temporary, path).map_err(|e| failed(path, e))
}

fn append_map(path: &Path, lines: &str) -> Result<(), Error> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(lines.as_bytes()))
        .map_err(|error| Error::CannotWrite {
            path: path.to_path_buf(),
            error,
        })
}

fn tsv(text: &str) -> String {
    text.replace('\t', "%09").replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_urls_are_not_moved() {
        let own = vec!["http://h:87/".to_string(), "https://img.x/i/".to_string()];
        let page = Path::new("/blog/post.md");
        assert!(classify("http://h:87/i/a.png", page, None, &own).is_none());
        assert!(classify("https://img.x/i/2026/a.png", page, None, &own).is_none());
        assert!(classify("http://h:8787/a.png", page, None, &own).is_some());
        assert!(classify("data:image/png;base64,AA", page, None, &own).is_none());
        assert!(classify("#top", page, None, &own).is_none());
        assert_eq!(
            classify("img/a.png?v=2", page, None, &own).unwrap().1,
            Source::File("/blog/img/a.png".into())
        );
        assert_eq!(
            classify("//cdn.x/a.png", page, None, &own).unwrap().1,
            Source::Url("https://cdn.x/a.png".into())
        );
    }

    #[cfg(unix)]
    #[test]
    fn local_images_are_read_only_inside_the_folders_given() {
        let top = tempfile::tempdir().unwrap();
        let top = top.path().canonicalize().unwrap();
        let posts = top.join("blog/posts");
        let site = top.join("blog/static");
        for dir in [posts.join("img"), site.join("images")] {
            std::fs::create_dir_all(dir).unwrap();
        }
        for file in [
            "blog/posts/post.md",
            "blog/posts/img/a.png",
            "blog/static/images/b.png",
            "secret.png",
        ] {
            std::fs::write(top.join(file), b"x").unwrap();
        }
        std::os::unix::fs::symlink(top.join("secret.png"), posts.join("img/link.png")).unwrap();
        let page = posts.join("post.md");
        let options = |static_dir: Option<PathBuf>| Options {
            paths: vec![page.clone()],
            dry_run: true,
            map: DEFAULT_MAP.into(),
            timeout: Duration::from_secs(1),
            static_dir,
            allow_outside: false,
            album: None,
            album_per_post: false,
        };
        let roots = allowed_roots(&options(None));
        assert_eq!(roots, std::slice::from_ref(&posts));
        let read = |link: &str, static_dir: Option<&Path>, roots: Option<&[PathBuf]>| {
            confine(&locate(link, &page, static_dir), roots)
        };
        let inside = Some(roots.as_slice());

        assert_eq!(
            read("img/a.png", None, inside).unwrap(),
            posts.join("img/a.png")
        );
        let secret = top.join("secret.png");
        let absolute = secret.display().to_string();
        for link in ["../../secret.png", absolute.as_str(), "img/link.png"] {
            let error = read(link, None, inside).unwrap_err();
            assert!(
                matches!(&error, Error::OutsideFolders(path) if path == &secret),
                "{link}: {error}"
            );
        }
        assert_eq!(
            read("../../secret.png", None, inside)
                .unwrap_err()
                .to_string(),
            format!(
                "{absolute} lies outside the folders given; not read (give its folder on the \
                 command line or with --static, or pass --allow-outside)"
            )
        );
        assert_eq!(
            read("img/nowhere.png", None, inside)
                .unwrap_err()
                .to_string(),
            "no such file"
        );

        // Root-relative links are found in --static, and may be read from it.
        let with_static = allowed_roots(&options(Some(site.clone())));
        assert_eq!(with_static, [posts.clone(), site.clone()]);
        assert!(read("/images/b.png", None, inside).is_err());
        assert_eq!(
            read("/images/b.png", Some(&site), Some(&with_static)).unwrap(),
            site.join("images/b.png")
        );
        // Not there: the absolute path, which must still be inside.
        assert!(read(&absolute, Some(&site), Some(&with_static)).is_err());

        // --allow-outside: read as written.
        assert_eq!(
            read("../../secret.png", None, None).unwrap(),
            posts.join("../../secret.png")
        );
    }

    #[test]
    fn the_image_base_comes_from_a_url_and_its_key() {
        assert_eq!(
            image_base("https://img.x/i/2026-11-28/a.png", "2026-11-28/a.png").as_deref(),
            Some("https://img.x/i/")
        );
        assert_eq!(
            image_base("https://cdn.x/photos/a.png", "other").as_deref(),
            None
        );
    }

    #[test]
    fn only_the_spans_change() {
        let text = "a ![x](old.png) b\n[d]: old.png\n";
        let written = "old.png".to_string();
        let out = replace(
            text,
            &[
                (7..14, "NEW", &written),
                (23..30, "NEW", &written),
                (7..14, "NEW", &written),
            ],
        );
        assert_eq!(out, "a ![x](NEW) b\n[d]: NEW\n");
    }

    #[test]
    fn diffs_are_unified() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16";
        let new = old.replace("\n2\n", "\ntwo\n").replace("16", "sixteen");
        assert_eq!(
            unified_diff(Path::new("p.md"), old, &new),
            "--- p.md\n+++ p.md\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n\
             @@ -13,4 +13,4 @@\n 13\n 14\n 15\n-16\n\\ No newline at end of file\n\
             +sixteen\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn each_post_names_its_album_under_the_root() {
        assert_eq!(
            post_album(None, Path::new("blog/posts/first-post.md")),
            "first-post"
        );
        assert_eq!(
            post_album(Some("Blog/"), Path::new("x/2026 trip.mdx")),
            "Blog/2026 trip"
        );
        assert_eq!(post_album(None, Path::new(".md")), ".md");
        assert_eq!(
            post_album(None, Path::new(&"y".repeat(300)))
                .chars()
                .count(),
            100
        );
    }
}
