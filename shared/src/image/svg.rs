/// Whether the text starts (after a BOM, an XML declaration, comments and a
/// doctype) with an `<svg` element.
pub(super) fn is_svg(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    let Some(mut text) = utf8_prefix(head) else {
        return false;
    };
    text = text.trim_start_matches('\u{feff}');
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix("<?") {
            let Some(end) = rest.find("?>") else {
                return false;
            };
            text = &rest[end + 2..];
        } else if let Some(rest) = text.strip_prefix("<!--") {
            let Some(end) = rest.find("-->") else {
                return false;
            };
            text = &rest[end + 3..];
        } else if text
            .get(..9)
            .is_some_and(|head| head.eq_ignore_ascii_case("<!doctype"))
        {
            let Some(end) = text.find('>') else {
                return false;
            };
            text = &text[end + 1..];
        } else {
            let mut after = text.chars().skip(4);
            return text
                .get(..4)
                .is_some_and(|tag| tag.eq_ignore_ascii_case("<svg"))
                && after
                    .next()
                    .is_some_and(|c| c.is_whitespace() || c == '>' || c == '/');
        }
    }
}

/// The longest valid UTF-8 prefix, if it is most of the data (a cut in the
/// middle of a character at the end is fine).
pub(super) fn utf8_prefix(data: &[u8]) -> Option<&str> {
    match std::str::from_utf8(data) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&data[..e.valid_up_to()]).ok(),
        Err(_) => None,
    }
}
