//! Every path and header of the HTTP API, written once: the Worker's router
//! and the web and command line clients all use these.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

pub const UPLOAD: &str = "/upload";
pub const QUERY: &str = "/query";
pub const DELETE: &str = "/delete";
pub const STATS: &str = "/stats";
pub const RECONCILE: &str = "/reconcile";
/// `PUT /thumbnail?id=N`: attaches a thumbnail to an image that has none.
pub const THUMBNAIL: &str = "/thumbnail";
/// `PUT /widths?id=N` (multipart, `width_<N>` fields): attaches responsive
/// widths to an image that has none.
pub const WIDTHS: &str = "/widths";
/// `GET` lists the trash, `DELETE` empties it (or purges one `?id=`).
pub const TRASH: &str = "/trash";
/// `POST /trash/restore?id=N`: back under the same URL.
pub const TRASH_RESTORE: &str = "/trash/restore";
/// `GET /audit?cursor=&limit=`: the audit log, newest first.
pub const AUDIT: &str = "/audit";
/// `GET` lists, `POST` creates, `DELETE ?name=` revokes named tokens.
pub const TOKENS: &str = "/tokens";

/// `GET` lists albums, `POST` makes one, `PATCH ?id=` renames, moves,
/// sets its cover or shares it, `DELETE ?id=` deletes it (never its images).
pub const ALBUMS: &str = "/albums";
/// `POST /albums/images?id=N`: images into and out of an album.
pub const ALBUM_IMAGES: &str = "/albums/images";
/// `GET` lists tags, `DELETE ?name=` removes one from every image.
pub const TAGS: &str = "/tags";
/// `POST /tags/images`: tags onto and off images.
pub const TAG_IMAGES: &str = "/tags/images";

/// A shared album's public page is `/a/<token>`; it needs no token.
pub const SHARED_ALBUM_PREFIX: &str = "/a/";

/// Public image URLs are `/i/<object key>`; they need no token.
pub const IMAGE_PREFIX: &str = "/i/";

/// Response header of `GET /query`: the D1 rows the listing read.
pub const ROWS_READ_HEADER: &str = "X-D1-Rows-Read";

/// Characters that cannot stand as they are in a URL path segment.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The public URL of the image stored under `key`, served from `base_url`
/// (no trailing slash). Keys written by other software may hold spaces and
/// the like; they are escaped, `/` is kept.
pub fn image_url(base_url: &str, key: &str) -> String {
    format!("{base_url}/{}", utf8_percent_encode(key, PATH))
}

/// The object key in a path or URL on this API: what follows `/i/`, without
/// query or fragment.
pub fn image_key(url_or_path: &str) -> Option<&str> {
    let path = match url_or_path.find("://") {
        Some(scheme_end) => {
            let rest = &url_or_path[scheme_end + 3..];
            &rest[rest.find('/')?..]
        }
        None => url_or_path,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.strip_prefix(IMAGE_PREFIX)
        .filter(|key| !key.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_urls_escape_what_a_path_cannot_hold() {
        assert_eq!(
            image_url("https://img.example/i", "2026-11-28/ab.png"),
            "https://img.example/i/2026-11-28/ab.png"
        );
        assert_eq!(
            image_url("http://127.0.0.1:8787/i", "old/my photo#1?.jpg"),
            "http://127.0.0.1:8787/i/old/my%20photo%231%3F.jpg"
        );
        assert_eq!(image_url("https://x", "猫.png"), "https://x/%E7%8C%AB.png");
    }

    #[test]
    fn image_keys_come_from_paths_and_urls() {
        assert_eq!(image_key("/i/2026-11-28/a.png"), Some("2026-11-28/a.png"));
        assert_eq!(
            image_key("https://img.example/i/2026-11-28/a.png"),
            Some("2026-11-28/a.png")
        );
        assert_eq!(
            image_key("http://127.0.0.1:8787/i/k.png?v=1#top"),
            Some("k.png")
        );
        assert_eq!(image_key("http://127.0.0.1:8787/i/"), None);
        assert_eq!(image_key("http://127.0.0.1:8787/x/i/k.png"), None);
        assert_eq!(image_key("https://img.example"), None);
        assert_eq!(image_key("http://127.0.0.1:8787/query"), None);
    }
}
