use super::{ImageId, ImageRecord};
use serde::{Deserialize, Serialize};

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
    /// Images stored in all (or, with `search`, images matching it).
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
}

impl ListQuery {
    /// Reads `pageNum`, `pageSize`, `cursor` and `search` from query pairs.
    ///
    /// Junk or out-of-range paging values fall back to the defaults the
    /// original Worker used, so no query string makes the listing fail; only
    /// a cursor that this server did not hand out is an error.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, String> {
        let mut query = Self {
            page: PageRequest::Number(1),
            page_size: DEFAULT_PAGE_SIZE,
            search: None,
        };
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
                "search" => {
                    let text: String = value
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(MAX_SEARCH_CHARS)
                        .collect();
                    let text = text.trim().to_string();
                    // Names are searched by their letters and digits only
                    // (see migration 0004): a search without any is no search.
                    query.search = text.chars().any(char::is_alphanumeric).then_some(text);
                }
                _ => {}
            }
        }
        if let Some(cursor) = cursor {
            let after = decode_cursor(cursor).ok_or_else(|| {
                "Invalid cursor: pass back the next_cursor of a previous answer".to_string()
            })?;
            query.page = PageRequest::After(after);
        }
        Ok(query)
    }

    /// Rows to skip for a `pageNum` request.
    pub fn offset(&self) -> u64 {
        match self.page {
            PageRequest::Number(n) => (n - 1) * u64::from(self.page_size),
            PageRequest::After(_) => 0,
        }
    }
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

    fn parse(query: &str) -> Result<ListQuery, String> {
        ListQuery::from_pairs(query.split('&').filter_map(|pair| pair.split_once('=')))
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
}
