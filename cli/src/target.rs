//! What `imghost delete` accepts: an image id, an image URL or an object key.

use crate::error::Error;
use imghost_shared::api::ImageId;
use imghost_shared::keys::{is_date, is_own_key, is_safe_key};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Id(ImageId),
    /// An R2 object key, `YYYY-MM-DD/<name>.<ext>`.
    Key(String),
}

impl Target {
    pub fn parse(arg: &str) -> Result<Self, Error> {
        if let Some(id) = ImageId::parse(arg) {
            return Ok(Self::Id(id));
        }
        object_key(arg).map(Self::Key).ok_or(Error::NotATarget)
    }
}

/// The object key at the end of an image URL, whatever serves it: the
/// Worker (`https://host/i/2026-11-28/<uuid>.png`), a custom domain on the
/// bucket (`https://img.example.com/2026-11-28/<uuid>.png`), or the bare key.
/// A key of another shape (`KEY_TEMPLATE`'s, say `blog/2026/cat-1a2b3c4d.png`)
/// is the whole path, after `/i/` on the Worker: the server says whether an
/// image has it.
pub fn object_key(text: &str) -> Option<String> {
    let text = text.trim();
    let path = match text.split_once("://") {
        Some((_, rest)) => &rest[rest.find('/')?..],
        None => text,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    // imghost's own `<date>/<uuid>.<ext>` wherever it sits in the path
    // (behind a CDN's folder, say); any other key is the whole path, so a
    // template's key with a date in it is not cut short.
    dated_key(path)
        .filter(|key| is_own_key(key, None))
        .or_else(|| whole_path_key(path))
}

/// `YYYY-MM-DD/<file>` at the end of `path`.
fn dated_key(path: &str) -> Option<String> {
    let mut segments = path.split('/').filter(|s| !s.is_empty()).rev();
    let file = percent_encoding::percent_decode_str(segments.next()?)
        .decode_utf8()
        .ok()?;
    let date = segments.next()?;
    (is_date(date) && is_file_name(&file)).then(|| format!("{date}/{file}"))
}

/// The whole of `path` as a key, when it is a safe one naming a file.
fn whole_path_key(path: &str) -> Option<String> {
    let path = path.trim_start_matches('/');
    let path = path.strip_prefix("i/").unwrap_or(path);
    // Each part decoded on its own: an encoded `/` does not make a folder.
    let parts = path
        .split('/')
        .map(|part| {
            let part = percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .ok()?;
            (!part.contains('/')).then(|| part.into_owned())
        })
        .collect::<Option<Vec<String>>>()?;
    let key = parts.join("/");
    let file = parts.last()?;
    (is_safe_key(&key) && is_file_name(file)).then_some(key)
}

/// `<uuid>.<ext>` for imghost's keys; other software stored names with
/// spaces and other characters (they arrive percent-encoded in URLs).
fn is_file_name(text: &str) -> bool {
    let Some((stem, extension)) = text.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && !extension.is_empty()
        && text != ".."
        && !text
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "2026-11-28/0b6f7c1e-3d2a-4f7e-9a51-6c0d2e8b9f10.png";

    #[test]
    fn keys_come_from_worker_and_custom_domain_urls() {
        for url in [
            format!("https://imghost.you.workers.dev/i/{KEY}"),
            format!("http://127.0.0.1:8787/i/{KEY}"),
            format!("https://img.example.com/{KEY}"),
            format!("https://img.example.com/{KEY}?v=2#top"),
            format!("https://example.com/blog/images/{KEY}/"),
            format!("/i/{KEY}"),
            KEY.to_string(),
            format!("  {KEY}\n"),
        ] {
            assert_eq!(object_key(&url).as_deref(), Some(KEY), "{url}");
        }
        assert_eq!(
            object_key("https://img.example/2000-02-29/a.b.jpg").as_deref(),
            Some("2000-02-29/a.b.jpg")
        );
        // Keys written by other software, percent-encoded in their URLs.
        assert_eq!(
            object_key("https://img.example.com/2026-11-28/a%20b.my%20pic").as_deref(),
            Some("2026-11-28/a b.my pic")
        );
    }

    #[test]
    fn keys_of_other_shapes_are_the_whole_path() {
        for (text, key) in [
            (
                "https://img.example.com/blog/2026/cat-1a2b3c4d.png",
                "blog/2026/cat-1a2b3c4d.png",
            ),
            (
                "https://host.workers.dev/i/blog/cat-1a2b3c4d.png",
                "blog/cat-1a2b3c4d.png",
            ),
            ("https://img.example.com/photo.png?v=1", "photo.png"),
            ("cat.png", "cat.png"),
            ("https://img.example.com/2026-1-28/a.png", "2026-1-28/a.png"),
            (
                "https://img.example.com/blog/2026-12-06/cat-1a2b3c4d.png",
                "blog/2026-12-06/cat-1a2b3c4d.png",
            ),
            (
                "https://img.example.com/blog/caf%C3%A9.png",
                "blog/café.png",
            ),
        ] {
            assert_eq!(object_key(text).as_deref(), Some(key), "{text}");
        }
    }

    #[test]
    fn anything_else_has_no_key() {
        for text in [
            "",
            "https://img.example.com/",
            "https://img.example.com/i/2026-11-28",
            "https://img.example.com/i/2026-11-28/",
            "https://img.example.com/2026-11-28/noextension",
            "https://img.example.com/2026-11-28/.png",
            "https://img.example.com/2026-11-28/a.",
            "https://img.example.com/2026-11-28/a%2Fb.png",
            "https://img.example.com/2026-11-28/a%0Ab.png",
            "2026-11-28/../../etc.png",
            "https://img.example.com/blog/noextension",
            "https://img.example.com/blog/../cat.png",
            "blog//cat.png",
        ] {
            assert_eq!(object_key(text), None, "{text:?}");
        }
    }

    #[test]
    fn ids_win_then_urls() {
        assert_eq!(Target::parse("42").unwrap(), Target::Id(ImageId(42)));
        assert_eq!(
            Target::parse(&format!("https://img.example.com/{KEY}")).unwrap(),
            Target::Key(KEY.into())
        );
        for junk in ["0", "-3", "abc", "https://img.example.com/x"] {
            assert!(
                matches!(Target::parse(junk), Err(Error::NotATarget)),
                "{junk}"
            );
        }
    }
}
