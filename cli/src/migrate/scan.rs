//! Finds the image references of Markdown, MDX and HTML text, and where
//! each URL's bytes are, so that a rewrite replaces those bytes and no other.
//!
//! Not a full CommonMark parser: it knows what decides which bytes are an
//! image URL — inline images, reference definitions used by images, `<img>`
//! tags — and what must be left alone: fenced code blocks, code spans,
//! backslash escapes and HTML comments. Links that are not images are never
//! touched.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Markdown and MDX: images, reference definitions and `<img>` tags.
    Markdown,
    /// HTML: `<img src>` only.
    Html,
}

/// One image URL as written in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The bytes of the URL (inside its angle brackets or quotes).
    pub span: Range<usize>,
    /// The URL with backslash escapes and character references decoded.
    pub url: String,
}

/// The kind of a file found in a folder, by its extension; `None` for a
/// file that is neither.
pub fn kind_of(path: &Path) -> Option<Kind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "md" | "markdown" | "mdx" => Some(Kind::Markdown),
        "html" | "htm" => Some(Kind::Html),
        _ => None,
    }
}

/// Every image URL of `text`, in order, each span once (a definition used
/// by several images is one reference).
pub fn find(text: &str, kind: Kind) -> Vec<Reference> {
    let mut found = Vec::new();
    match kind {
        Kind::Html => scan(text, 0..text.len(), Kind::Html, &HashMap::new(), &mut found),
        Kind::Markdown => {
            let prose = prose_ranges(text);
            let definitions = definitions(text, &prose);
            for range in prose {
                scan(text, range, Kind::Markdown, &definitions, &mut found);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|r: &Reference| seen.insert(r.span.start));
    found.sort_by_key(|r| r.span.start);
    found
}

/// The 1-based line of byte `offset`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Lines with their byte ranges (each with its line ending).
fn lines(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        let line = start..end;
        start = end;
        Some(line)
    })
}

/// A fence opening or closing: its character and length, after any
/// indentation or blockquote markers.
fn fence(line: &str) -> Option<(u8, usize, &str)> {
    let rest = line.trim_start_matches([' ', '\t', '>']);
    let c = *rest.as_bytes().first()?;
    if c != b'`' && c != b'~' {
        return None;
    }
    let n = rest.bytes().take_while(|&b| b == c).count();
    (n >= 3).then(|| (c, n, &rest[n..]))
}

/// The text outside fenced code blocks, as runs of whole lines. An
/// unclosed fence runs to the end, as in CommonMark.
fn prose_ranges(text: &str) -> Vec<Range<usize>> {
    let mut prose = Vec::new();
    let mut open: Option<(u8, usize)> = None;
    let mut run: Option<Range<usize>> = None;
    for line in lines(text) {
        let content = &text[line.clone()];
        match open {
            Some((c, n)) => {
                if let Some((c2, n2, rest)) = fence(content) {
                    if c2 == c && n2 >= n && rest.trim().is_empty() {
                        open = None;
                    }
                }
            }
            None => match fence(content) {
                Some((c, n, info)) if c == b'~' || !info.contains('`') => {
                    prose.extend(run.take());
                    open = Some((c, n));
                }
                _ => match &mut run {
                    Some(run) => run.end = line.end,
                    None => run = Some(line),
                },
            },
        }
    }
    prose.extend(run);
    prose
}

/// CommonMark's label matching: case-insensitive, whitespace collapsed.
fn normalize(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `[label]: url "title"` lines (destination and title on one line).
fn definitions(text: &str, prose: &[Range<usize>]) -> HashMap<String, Reference> {
    let mut found = HashMap::new();
    for range in prose {
        for line in lines(&text[range.clone()]) {
            let start = range.start + line.start;
            let end = range.start + line.end;
            if let Some((label, reference)) = definition(text, start, end) {
                found.entry(label).or_insert(reference);
            }
        }
    }
    found
}

fn definition(text: &str, start: usize, end: usize) -> Option<(String, Reference)> {
    let b = text.as_bytes();
    let indent = b[start..end].iter().take_while(|&&c| c == b' ').count();
    let mut i = start + indent;
    if indent > 3 || b.get(i) != Some(&b'[') {
        return None;
    }
    let close = closing_bracket(b, i + 1, end, false)?;
    let label = &text[i + 1..close];
    if label.trim().is_empty() || b.get(close + 1) != Some(&b':') {
        return None;
    }
    i = skip_blanks(b, close + 2, end);
    let (span, after) = destination(b, i, end)?;
    if span.is_empty() && b.get(i) != Some(&b'<') {
        return None;
    }
    let rest = &text[after..end];
    let ok = rest.trim().is_empty() || (rest.starts_with([' ', '\t']) && is_title(rest.trim()));
    ok.then(|| {
        let url = decode(&text[span.clone()], true);
        (normalize(label), Reference { span, url })
    })
}

fn is_title(text: &str) -> bool {
    let (Some(first), Some(last)) = (text.chars().next(), text.chars().last()) else {
        return false;
    };
    text.len() >= 2 && matches!((first, last), ('"', '"') | ('\'', '\'') | ('(', ')'))
}

fn skip_blanks(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

/// Where the `]` closing a bracket opened before `i` is, backslash escapes
/// and nested brackets considered; never past a blank line.
fn closing_bracket(b: &[u8], mut i: usize, end: usize, nested: bool) -> Option<usize> {
    let mut depth = 0usize;
    while i < end {
        match b[i] {
            b'\\' => i += 1,
            b'[' if nested => depth += 1,
            b'[' => return None,
            b']' if depth == 0 => return Some(i),
            b']' => depth -= 1,
            b'\n' if b.get(i + 1) == Some(&b'\n') => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// A link destination at `i`: `<…>` or a run without spaces and with
/// balanced parentheses. Its bytes, and where it ends.
fn destination(b: &[u8], i: usize, end: usize) -> Option<(Range<usize>, usize)> {
    if b.get(i) == Some(&b'<') {
        let mut j = i + 1;
        while j < end {
            match b[j] {
                b'\\' => j += 1,
                b'>' => return Some((i + 1..j, j + 1)),
                b'<' | b'\n' => return None,
                _ => {}
            }
            j += 1;
        }
        return None;
    }
    let mut j = i;
    let mut depth = 0usize;
    while j < end {
        match b[j] {
            b'\\' => j += 1,
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            c if c.is_ascii_whitespace() || c.is_ascii_control() => break,
            _ => {}
        }
        j += 1;
    }
    let j = j.min(end);
    (depth == 0).then_some((i..j, j))
}

/// After `![alt](`: destination, optional title, `)`. The URL's bytes and
/// the end of the image.
fn inline_tail(b: &[u8], i: usize, end: usize) -> Option<(Range<usize>, usize)> {
    let mut i = skip_space(b, i, end)?;
    let (span, mut j) = destination(b, i, end)?;
    i = skip_space(b, j, end)?;
    if i > j && matches!(b.get(i), Some(b'"' | b'\'' | b'(')) {
        let close = if b[i] == b'(' { b')' } else { b[i] };
        j = i + 1;
        while j < end && b[j] != close {
            if b[j] == b'\\' {
                j += 1;
            }
            j += 1;
        }
        i = skip_space(b, j + 1, end)?;
    }
    (b.get(i) == Some(&b')')).then_some((span, i + 1))
}

/// Spaces and tabs with at most one line ending among them.
fn skip_space(b: &[u8], mut i: usize, end: usize) -> Option<usize> {
    let mut newlines = 0;
    while i < end && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        if b[i] == b'\n' {
            newlines += 1;
        }
        i += 1;
    }
    (newlines <= 1).then_some(i)
}

fn scan(
    text: &str,
    range: Range<usize>,
    kind: Kind,
    definitions: &HashMap<String, Reference>,
    found: &mut Vec<Reference>,
) {
    let b = text.as_bytes();
    let end = range.end;
    let mut i = range.start;
    while i < end {
        if b[i..end].starts_with(b"<!--") {
            i = text[i + 4..end].find("-->").map_or(end, |j| i + 4 + j + 3);
            continue;
        }
        if let Some(after) = img_tag(text, i, end, found) {
            i = after;
            continue;
        }
        if kind == Kind::Html {
            i += 1;
            continue;
        }
        match b[i] {
            b'\\' => i += 2,
            b'`' => {
                let n = b[i..end].iter().take_while(|&&c| c == b'`').count();
                i = code_span_end(b, i + n, end, n).unwrap_or(i + n);
            }
            b'!' if b.get(i + 1) == Some(&b'[') => {
                i = match image(text, i, end, definitions) {
                    Some((reference, after)) => {
                        found.push(reference);
                        after
                    }
                    None => i + 2,
                };
            }
            _ => i += 1,
        }
    }
}

/// The end of a code span opened by `n` backticks: after the next run of
/// exactly `n`.
fn code_span_end(b: &[u8], mut i: usize, end: usize, n: usize) -> Option<usize> {
    while i < end {
        if b[i] == b'`' {
            let run = b[i..end].iter().take_while(|&&c| c == b'`').count();
            if run == n {
                return Some(i + n);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// `![alt](url "title")`, `![alt][label]`, `![alt][]` or `![alt]` at `i`.
fn image(
    text: &str,
    i: usize,
    end: usize,
    definitions: &HashMap<String, Reference>,
) -> Option<(Reference, usize)> {
    let b = text.as_bytes();
    let close = closing_bracket(b, i + 2, end, true)?;
    let alt = &text[i + 2..close];
    match b.get(close + 1) {
        Some(b'(') => {
            let (span, after) = inline_tail(b, close + 2, end)?;
            let url = decode(&text[span.clone()], true);
            Some((Reference { span, url }, after))
        }
        Some(b'[') => {
            let label_end = closing_bracket(b, close + 2, end, false)?;
            let label = &text[close + 2..label_end];
            let label = if label.trim().is_empty() { alt } else { label };
            let found = definitions.get(&normalize(label))?;
            Some((found.clone(), label_end + 1))
        }
        _ => {
            let found = definitions.get(&normalize(alt))?;
            Some((found.clone(), close + 1))
        }
    }
}

/// An `<img …>` tag at `i`: records its `src` and returns the tag's end.
fn img_tag(text: &str, i: usize, end: usize, found: &mut Vec<Reference>) -> Option<usize> {
    let b = text.as_bytes();
    if !b[i..end]
        .get(..4)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"<img"))
        || !matches!(b.get(i + 4), Some(c) if c.is_ascii_whitespace() || *c == b'/' || *c == b'>')
    {
        return None;
    }
    let mut j = i + 4;
    loop {
        while j < end && (b[j].is_ascii_whitespace() || b[j] == b'/') {
            j += 1;
        }
        if j >= end {
            return Some(end);
        }
        if b[j] == b'>' {
            return Some(j + 1);
        }
        let name_start = j;
        while j < end && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>' | b'/') {
            j += 1;
        }
        let name = &text[name_start..j];
        if name.is_empty() {
            return Some(j + 1);
        }
        let k = skip_ws(b, j, end);
        if b.get(k) != Some(&b'=') {
            j = k;
            continue;
        }
        j = skip_ws(b, k + 1, end);
        let value = match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let close = text[j + 1..end].find(q as char).map(|c| j + 1 + c)?;
                let span = j + 1..close;
                j = close + 1;
                Some(span)
            }
            // A JSX expression (MDX): left alone.
            Some(b'{') => {
                let mut depth = 0usize;
                while j < end {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                j += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                None
            }
            _ => {
                let start = j;
                while j < end && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                    j += 1;
                }
                Some(start..j)
            }
        };
        if let Some(span) = value {
            if name.eq_ignore_ascii_case("src") {
                let url = decode(&text[span.clone()], false);
                found.push(Reference { span, url });
            }
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Backslash escapes (Markdown only) and the common character references.
fn decode(raw: &str, markdown: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if markdown && c == '\\' {
            if let Some(&(_, next)) = chars.peek() {
                if next.is_ascii_punctuation() {
                    out.push(next);
                    chars.next();
                    continue;
                }
            }
        }
        if c == '&' {
            if let Some(len) = raw[i..].find(';').filter(|&len| len <= 10) {
                if let Some(decoded) = entity(&raw[i + 1..i + len]) {
                    out.push(decoded);
                    for _ in 0..len {
                        chars.next();
                    }
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str, kind: Kind) -> Vec<(String, String)> {
        find(text, kind)
            .into_iter()
            .map(|r| (text[r.span].to_string(), r.url))
            .collect()
    }

    fn written(text: &str) -> Vec<String> {
        urls(text, Kind::Markdown)
            .into_iter()
            .map(|(w, _)| w)
            .collect()
    }

    #[test]
    fn inline_images_with_titles_and_angle_brackets() {
        assert_eq!(
            written("a ![x](http://h/a.png \"t\") b ![y](<my pic.png>) ![z](c(1).png 'q')"),
            ["http://h/a.png", "my pic.png", "c(1).png"]
        );
        assert_eq!(written("![a [nested] alt](x.png)"), ["x.png"]);
        assert_eq!(
            urls("![e](a\\_b&amp;c.png)", Kind::Markdown),
            [("a\\_b&amp;c.png".to_string(), "a_b&c.png".to_string())]
        );
    }

    #[test]
    fn links_are_not_images() {
        assert!(written("[text](http://h/a.png) \\![no](b.png)").is_empty());
        assert_eq!(written("[![badge](b.svg)](http://h/page)"), ["b.svg"]);
    }

    #[test]
    fn reference_images_point_at_their_definition() {
        let text = "![a][Logo] ![b][] ![c]\n[link][other]\n\n[logo]: http://h/l.png \"L\"\n[b]: <b b.png>\n[c]: c.png\n[other]: http://h/page\n";
        assert_eq!(written(text), ["http://h/l.png", "b b.png", "c.png"]);
        assert!(written("![a][missing]\n").is_empty());
    }

    #[test]
    fn code_is_left_alone() {
        let text = "`![a](x.png)` ``![b](`y`.png)``\n```md\n![c](z.png)\n<img src=\"w.png\">\n```\n~~~\n![d](v.png)\n~~~\n![e](u.png)\n";
        assert_eq!(written(text), ["u.png"]);
        assert!(written("````\n```\n![a](x.png)\n````\n").is_empty());
        assert!(written("<!-- ![a](x.png) -->").is_empty());
    }

    #[test]
    fn img_tags_in_html_and_markdown() {
        let html = "<IMG alt='a > b' src=\"http://h/a.png?x=1&amp;y=2\"><img src=b.png />\n<img src={pic} />";
        assert_eq!(
            urls(html, Kind::Html),
            [
                (
                    "http://h/a.png?x=1&amp;y=2".into(),
                    "http://h/a.png?x=1&y=2".into()
                ),
                ("b.png".into(), "b.png".into())
            ]
        );
        assert_eq!(
            written("text <img src=\"c.png\"> `<img src=\"d.png\">`"),
            ["c.png"]
        );
        assert!(urls("<image src=\"x.png\">", Kind::Html).is_empty());
    }

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
