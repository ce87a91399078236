//! Query strings as the API reads and writes them: `application/x-www-form-urlencoded`
//! pairs, percent-encoded on the way out and decoded on the way in.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::borrow::Cow;

/// Everything but RFC 3986's unreserved characters is escaped.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one query-string key or value.
pub fn encode_component(text: &str) -> Cow<'_, str> {
    utf8_percent_encode(text, COMPONENT).into()
}

/// `key=value&...`, each part encoded.
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, Cow<'a, str>)>) -> String {
    pairs
        .into_iter()
        .map(|(key, value)| format!("{}={}", encode_component(key), encode_component(&value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The decoded `(key, value)` pairs of a query string (without its `?`),
/// read the way browsers and the runtime's URL parser read them: `+` is a
/// space, invalid UTF-8 becomes U+FFFD.
pub fn decode_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(key), decode_component(value))
        })
        .collect()
}

fn decode_component(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// The first value of `name` among decoded pairs.
pub fn first_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_escaped_and_read_back() {
        let text = " cat & dog/猫+=%";
        let encoded = encode_component(text);
        assert_eq!(encoded, "%20cat%20%26%20dog%2F%E7%8C%AB%2B%3D%25");
        let pairs = decode_pairs(&format!("search={encoded}&x"));
        assert_eq!(
            pairs,
            vec![
                ("search".to_string(), text.to_string()),
                ("x".to_string(), String::new())
            ]
        );
    }

    #[test]
    fn decoding_follows_form_encoding() {
        let pairs = decode_pairs("a=1+2&&b=%ZZ&c=%FF&a=3");
        assert_eq!(first_value(&pairs, "a"), Some("1 2"));
        assert_eq!(first_value(&pairs, "b"), Some("%ZZ"));
        assert_eq!(first_value(&pairs, "c"), Some("\u{FFFD}"));
        assert_eq!(first_value(&pairs, "d"), None);
    }
}
