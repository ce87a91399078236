use super::albums::{AlbumId, TagName, MAX_FILTER_TAGS};
use super::query_string::{decode_pairs, encode_pairs};
use super::{ImageId, ImageRecord};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 50;
/// Deeper page numbers are treated as this one: beyond it every page is empty
/// anyway, and the offset stays far from overflowing.
const MAX_PAGE_NUM: u64 = 10_000_000;
const CURSOR_PREFIX: &str = "1.";
const MAX_SEARCH_CHARS: usize = 100;

/// Answer of `GET /query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResponse {
    pub success: bool,
    pub results: Vec<ImageRecord>,
    /// Images stored in all (or, with `search`, `album` or `tag`, the
    /// images matching them).
    pub total: u64,
    /// Pass as `cursor` to get the next page. Present whenever this page is
    /// full, so a last page that happens to be full is followed by an empty
    /// one; absent once a page comes back short.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// Which page of the newest-first listing a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRequest {
    /// `pageNum=N` (1-based), kept for clients of the original Worker.
    Number(u64),
    /// `cursor=...`: the images older than the last one of the previous page.
    After(ImageId),
}

/// A parsed `GET /query` query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub page: PageRequest,
    pub page_size: u32,
    /// Text to look for in original names, already trimmed; `None` lists all.
    pub search: Option<String>,
    /// Only the images in this album (`album=N`).
    pub album: Option<AlbumId>,
    /// Only the images carrying every one of these tags (`tag=a&tag=b`).
    pub tags: Vec<TagName>,
    /// Each image with its `albums` and `tags` (`labels=1`): a few more
    /// rows read per image, so only for clients that show or keep them.
    pub labels: bool,
}

/// A query string the listing cannot read: a cursor it did not hand out,
/// an album id or tag that cannot be one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidListQuery(pub String);

impl fmt::Display for InvalidListQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<InvalidCursor> for InvalidListQuery {
    fn from(error: InvalidCursor) -> Self {
        Self(error.to_string())
    }
}

/// A `cursor` this server did not hand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidCursor;

impl fmt::Display for InvalidCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Invalid cursor: pass back the next_cursor of a previous answer")
    }
}

impl std::error::Error for InvalidCursor {}

impl ListQuery {
    /// The newest `page_size` images (clamped to what the server allows).
    pub fn first_page(page_size: u32) -> Self {
        Self {
            page: PageRequest::Number(1),
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            search: None,
            album: None,
            tags: Vec::new(),
            labels: false,
        }
    }

    /// With each image's albums and tags.
    pub fn with_labels(self) -> Self {
        Self {
            labels: true,
            ..self
        }
    }

    /// Only images in `album` and carrying every tag of `tags`.
    pub fn with_filters(self, album: Option<AlbumId>, tags: Vec<TagName>) -> Self {
        Self {
            album,
            tags,
            ..self
        }
    }

    /// Whether an album or a tag narrows the listing.
    pub fn is_filtered(&self) -> bool {
        self.album.is_some() || !self.tags.is_empty()
    }

    /// Only images whose name matches `text`, as the server will read it.
    pub fn with_search(self, text: &str) -> Self {
        Self {
            search: normalize_search(text),
            ..self
        }
    }

    /// The page after the one that answered with `next_cursor`.
    pub fn after(self, next_cursor: &str) -> Result<Self, InvalidCursor> {
        Ok(Self {
            page: PageRequest::After(decode_cursor(next_cursor).ok_or(InvalidCursor)?),
            ..self
        })
    }

    /// The query string of `GET /query`, without the `?`.
    pub fn to_query_string(&self) -> String {
        let mut pairs = vec![("pageSize", Cow::Owned(self.page_size.to_string()))];
        match self.page {
            PageRequest::Number(1) => {}
            PageRequest::Number(n) => pairs.push(("pageNum", n.to_string().into())),
            PageRequest::After(last) => pairs.push(("cursor", encode_cursor(last).into())),
        }
        if let Some(search) = &self.search {
            pairs.push(("search", search.as_str().into()));
        }
        if let Some(album) = self.album {
            pairs.push(("album", album.to_string().into()));
        }
        for tag in &self.tags {
            pairs.push(("tag", tag.as_str().into()));
        }
        if self.labels {
            pairs.push(("labels", "1".into()));
        }
        encode_pairs(pairs)
    }

    /// Reads a `GET /query` query string (without the `?`).
    pub fn from_query_string(query: &str) -> Result<Self, InvalidListQuery> {
        let pairs = decode_pairs(query);
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Reads `pageNum`, `pageSize`, `cursor`, `search`, `album` and `tag`
    /// from query pairs.
    ///
    /// Junk or out-of-range paging values fall back to the defaults the
    /// original Worker used, so no paging makes the listing fail; a cursor
    /// that this server did not hand out, or a filter that cannot name an
    /// album or a tag, is an error (a filter is never silently dropped).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, InvalidListQuery> {
        let mut query = Self::first_page(DEFAULT_PAGE_SIZE);
        let mut cursor = None;
        for (key, value) in pairs {
            match key {
                "pageNum" => {
                    if let PageRequest::Number(_) = query.page {
                        query.page = PageRequest::Number(parse_page_num(value));
                    }
                }
                "pageSize" => query.page_size = parse_page_size(value),
                "cursor" if !value.is_empty() => cursor = Some(value),
                "search" => query.search = normalize_search(value),
                "labels" => query.labels = value == "1" || value == "true",
                "album" if !value.is_empty() => {
                    query.album = Some(AlbumId::parse(value).ok_or_else(|| {
                        InvalidListQuery(format!("album must be an album's id, not `{value}`"))
                    })?)
                }
                "tag" if !value.is_empty() => {
                    let tag = TagName::parse(value).map_err(InvalidListQuery)?;
                    if !query.tags.contains(&tag) {
                        query.tags.push(tag);
                    }
                }
                _ => {}
            }
        }
        if query.tags.len() > MAX_FILTER_TAGS {
            return Err(InvalidListQuery(format!(
                "At most {MAX_FILTER_TAGS} tags at once"
            )));
        }
        match cursor {
            Some(cursor) => Ok(query.after(cursor)?),
            None => Ok(query),
        }
    }

    /// Rows to skip for a `pageNum` request.
    pub fn offset(&self) -> u64 {
        match self.page {
            PageRequest::Number(n) => (n - 1) * u64::from(self.page_size),
            PageRequest::After(_) => 0,
        }
    }
}

/// A search as the server runs it: control characters dropped, capped,
/// trimmed. Names are searched by their letters and digits only (see
/// migration 0004), so a text without any is no search.
fn normalize_search(text: &str) -> Option<String> {
    let text: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_SEARCH_CHARS)
        .collect();
    let text = text.trim();
    text.chars()
        .any(char::is_alphanumeric)
        .then(|| text.to_string())
}

fn parse_page_num(value: &str) -> u64 {
    use std::num::IntErrorKind;
    match value.trim().parse::<i64>() {
        Ok(n) if n >= 1 => (n as u64).min(MAX_PAGE_NUM),
        Err(e) if *e.kind() == IntErrorKind::PosOverflow => MAX_PAGE_NUM,
        _ => 1,
    }
}

fn parse_page_size(value: &str) -> u32 {
    use std::num::IntErrorKind;
    match value.trim().parse::<i64>() {
        Ok(0) => DEFAULT_PAGE_SIZE,
        Ok(n) => n.clamp(1, i64::from(MAX_PAGE_SIZE)) as u32,
        Err(e) if *e.kind() == IntErrorKind::PosOverflow => MAX_PAGE_SIZE,
        Err(e) if *e.kind() == IntErrorKind::NegOverflow => 1,
        Err(_) => DEFAULT_PAGE_SIZE,
    }
}

/// The opaque cursor that resumes a listing after `last`.
pub fn encode_cursor(last: ImageId) -> String {
    format!("{CURSOR_PREFIX}{:x}", last.0)
}

fn decode_cursor(cursor: &str) -> Option<ImageId> {
    let hex = cursor.strip_prefix(CURSOR_PREFIX)?;
    if hex.is_empty() || hex.len() > 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    i64::from_str_radix(hex, 16)
        .ok()
        .filter(|id| *id > 0)
        .map(ImageId)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<ListQuery, InvalidListQuery> {
        ListQuery::from_query_string(query)
    }

    #[test]
    fn defaults_without_parameters() {
        let query = parse("").unwrap();
        assert_eq!(query.page, PageRequest::Number(1));
        assert_eq!(query.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(query.search, None);
        assert_eq!(query.offset(), 0);
    }

    #[test]
    fn page_size_is_clamped_and_junk_falls_back() {
        for (raw, expected) in [
            ("10", 10),
            ("50", 50),
            ("51", 50),
            ("100000000000000000000000", 50),
            ("-5", 1),
            ("-100000000000000000000000", 1),
            ("0", 20),
            ("abc", 20),
            ("", 20),
            ("2.5", 20),
        ] {
            let query = parse(&format!("pageSize={raw}")).unwrap();
            assert_eq!(query.page_size, expected, "pageSize={raw}");
        }
    }

    #[test]
    fn page_num_junk_falls_back_to_first_page() {
        for raw in ["0", "-3", "x", "", "1.5", "-99999999999999999999999"] {
            let query = parse(&format!("pageNum={raw}")).unwrap();
            assert_eq!(query.page, PageRequest::Number(1), "pageNum={raw}");
        }
        let query = parse("pageNum=3&pageSize=10").unwrap();
        assert_eq!(query.offset(), 20);
        for raw in ["9223372036854775807", "99999999999999999999999"] {
            let deep = parse(&format!("pageNum={raw}&pageSize=50")).unwrap();
            assert_eq!(
                deep.page,
                PageRequest::Number(MAX_PAGE_NUM),
                "pageNum={raw}"
            );
        }
    }

    #[test]
    fn cursor_round_trips_and_wins_over_page_num() {
        let cursor = encode_cursor(ImageId(1234));
        let query = parse(&format!("pageNum=7&cursor={cursor}&pageSize=5")).unwrap();
        assert_eq!(query.page, PageRequest::After(ImageId(1234)));
        assert_eq!(query.offset(), 0);
    }

    #[test]
    fn foreign_cursors_are_rejected() {
        for junk in ["abc", "1.", "1.zz", "2.10", "1.0", "1.ffffffffffffffffff"] {
            assert!(parse(&format!("cursor={junk}")).is_err(), "{junk}");
        }
        // Numbers the server never writes, though Rust's parser reads them:
        // a sign, or more than 16 digits.
        for odd in ["1.+1a", "1.0000000000000001a"] {
            assert!(parse(&format!("cursor={odd}")).is_err(), "{odd}");
        }
        // The message a client sees says what to send instead.
        assert_eq!(
            InvalidCursor.to_string(),
            "Invalid cursor: pass back the next_cursor of a previous answer"
        );
    }

    #[test]
    fn an_empty_cursor_is_no_cursor() {
        let query = parse("cursor=&pageNum=2").unwrap();
        assert_eq!(query.page, PageRequest::Number(2));
    }

    #[test]
    fn search_is_trimmed_and_capped() {
        assert_eq!(parse("search=   ").unwrap().search, None);
        assert_eq!(
            parse("search=a\0b\x07").unwrap().search.as_deref(),
            Some("ab")
        );
        assert_eq!(parse("search=\0").unwrap().search, None);
        assert_eq!(parse("search=.*-").unwrap().search, None);
        assert_eq!(
            parse("search=*.png").unwrap().search.as_deref(),
            Some("*.png")
        );
        assert_eq!(
            parse("search= cat ").unwrap().search.as_deref(),
            Some("cat")
        );
        let long = "x".repeat(500);
        let query = parse(&format!("search={long}")).unwrap();
        assert_eq!(query.search.unwrap().chars().count(), MAX_SEARCH_CHARS);
    }

    #[test]
    fn queries_round_trip_through_their_query_string() {
        let first = ListQuery::first_page(20);
        let cases = [
            first.clone(),
            ListQuery::first_page(50).with_search(" cat & dog/猫+1 "),
            first.clone().after(&encode_cursor(ImageId(0x2a))).unwrap(),
            ListQuery::first_page(5)
                .with_search("100%")
                .after(&encode_cursor(ImageId(i64::MAX)))
                .unwrap(),
            ListQuery {
                page: PageRequest::Number(7),
                ..first.clone()
            },
            ListQuery::first_page(50)
                .with_search("cat")
                .with_filters(
                    Some(AlbumId(3)),
                    vec![
                        TagName::parse("tokyo").unwrap(),
                        TagName::parse("night sky").unwrap(),
                    ],
                )
                .with_labels(),
        ];
        for query in cases {
            let text = query.to_query_string();
            assert_eq!(ListQuery::from_query_string(&text), Ok(query), "{text}");
        }
        assert_eq!(first.to_query_string(), "pageSize=20");
        assert_eq!(
            ListQuery::first_page(50)
                .with_search(" cat & dog/猫 ")
                .after("1.2a")
                .unwrap()
                .to_query_string(),
            "pageSize=50&cursor=1.2a&search=cat%20%26%20dog%2F%E7%8C%AB"
        );
    }

    #[test]
    fn clients_cannot_build_what_the_server_would_not_read() {
        assert_eq!(ListQuery::first_page(0).page_size, 1);
        assert_eq!(ListQuery::first_page(500).page_size, MAX_PAGE_SIZE);
        assert_eq!(ListQuery::first_page(20).with_search(" .-* ").search, None);
        assert_eq!(ListQuery::first_page(20).after("2.10"), Err(InvalidCursor));
    }

    #[test]
    fn filters_that_cannot_name_an_album_or_tag_are_errors() {
        assert!(ListQuery::from_query_string("album=x").is_err());
        assert!(ListQuery::from_query_string("album=-1").is_err());
        assert!(ListQuery::from_query_string("tag=a%2Cb").is_err());
        assert!(ListQuery::from_query_string("tag=a&tag=b&tag=c&tag=d").is_err());
        let query = ListQuery::from_query_string("tag=Tokyo&tag=tokyo&album=").unwrap();
        assert_eq!(query.tags, vec![TagName::parse("tokyo").unwrap()]);
        assert_eq!(query.album, None);
    }
}
