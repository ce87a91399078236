//! HTTP `Range` and `If-None-Match` headers, for serving images.

/// A single byte range from a `Range: bytes=...` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=start-end` (inclusive) or `bytes=start-`.
    From { start: u64, end: Option<u64> },
    /// `bytes=-n`: the last n bytes.
    Suffix(u64),
}

/// Parses a `Range` header. Multiple ranges and other units are not
/// supported and yield `None`, which means "send the whole object" as RFC
/// 9110 allows.
pub fn parse(header: &str) -> Option<ByteRange> {
    let spec = header.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    if start.trim().is_empty() {
        return number(end).map(ByteRange::Suffix);
    }
    let start = number(start)?;
    let end = if end.trim().is_empty() {
        None
    } else {
        Some(number(end)?)
    };
    if end.is_some_and(|end| end < start) {
        return None;
    }
    Some(ByteRange::From { start, end })
}

/// The inclusive (first, last) byte positions of `range` in an object of
/// `size` bytes, or `None` if the range is not satisfiable (answer 416).
pub fn resolve(range: ByteRange, size: u64) -> Option<(u64, u64)> {
    if size == 0 {
        return None;
    }
    match range {
        ByteRange::From { start, .. } if start >= size => None,
        ByteRange::From { start, end } => {
            Some((start, end.map_or(size - 1, |end| end.min(size - 1))))
        }
        ByteRange::Suffix(0) => None,
        ByteRange::Suffix(length) => Some((size - length.min(size), size - 1)),
    }
}

/// An entity tag without its weak marker and quotes.
pub fn bare_etag(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/").trim_matches('"')
}

/// Whether an `If-None-Match` header matches the object's quoted ETag
/// (weak comparison, as RFC 9110 prescribes for this header).
pub fn none_match_hits(header: &str, etag: &str) -> bool {
    let etag = bare_etag(etag);
    header
        .split(',')
        .any(|candidate| candidate.trim() == "*" || bare_etag(candidate) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_ranges() {
        assert_eq!(
            parse("bytes=0-99"),
            Some(ByteRange::From {
                start: 0,
                end: Some(99)
            })
        );
        assert_eq!(
            parse("bytes=100-"),
            Some(ByteRange::From {
                start: 100,
                end: None
            })
        );
        assert_eq!(parse("bytes=-500"), Some(ByteRange::Suffix(500)));
        // One byte: the end may equal the start.
        assert_eq!(
            parse(" bytes= 7-7 "),
            Some(ByteRange::From {
                start: 7,
                end: Some(7)
            })
        );
        for unsupported in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=5-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=--1",
            // Only digits: Rust's integer parser would take a sign.
            "bytes=+1-2",
            "bytes=1-+2",
            "bytes=-+5",
            "",
        ] {
            assert_eq!(parse(unsupported), None, "{unsupported}");
        }
    }

    #[test]
    fn resolves_against_the_size() {
        let from = |start, end| ByteRange::From { start, end };
        assert_eq!(resolve(from(0, Some(99)), 1000), Some((0, 99)));
        assert_eq!(resolve(from(900, Some(5000)), 1000), Some((900, 999)));
        assert_eq!(resolve(from(10, None), 1000), Some((10, 999)));
        assert_eq!(resolve(ByteRange::Suffix(100), 1000), Some((900, 999)));
        assert_eq!(resolve(ByteRange::Suffix(5000), 1000), Some((0, 999)));
        assert_eq!(resolve(from(1000, None), 1000), None);
        assert_eq!(resolve(ByteRange::Suffix(0), 1000), None);
        assert_eq!(resolve(from(0, None), 0), None);
    }

    #[test]
    fn if_none_match_uses_weak_comparison() {
        let etag = "\"abc123\"";
        assert!(none_match_hits("\"abc123\"", etag));
        assert!(none_match_hits("W/\"abc123\"", etag));
        assert!(none_match_hits("\"x\", \"abc123\"", etag));
        assert!(none_match_hits("*", etag));
        assert!(!none_match_hits("\"abc124\"", etag));
    }
}
