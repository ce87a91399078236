//! Original file names: kept as metadata only, never used in object keys.

/// Longest name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Makes a client-supplied file name safe to store and display: only the
/// last path component, no control or bidirectional-override characters,
/// trimmed and capped. Empty results become `fallback`.
///
/// Browsers send `"` in multipart file names as `%22` (and line breaks as
/// `%0D`/`%0A`); those are turned back, so the name is the one the user saw.
pub fn clean_file_name(raw: &str, fallback: &str) -> String {
    let raw = raw
        .replace("%22", "\"")
        .replace("%0D", "\r")
        .replace("%0A", "\n");
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(&raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(MAX_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        fallback.to_string()
    } else {
        cleaned.to_string()
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ordinary_names() {
        assert_eq!(
            clean_file_name("holiday photo.JPG", "x"),
            "holiday photo.JPG"
        );
        assert_eq!(clean_file_name("猫咪 照片.png", "x"), "猫咪 照片.png");
    }

    #[test]
    fn drops_paths_and_control_characters() {
        assert_eq!(clean_file_name("C:\\fakepath\\cat.png", "x"), "cat.png");
        assert_eq!(clean_file_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(clean_file_name("a\u{0}b\r\n\u{7f}c.png", "x"), "abc.png");
        assert_eq!(clean_file_name("evil\u{202E}gnp.exe", "x"), "evilgnp.exe");
    }

    #[test]
    fn undoes_the_browsers_multipart_escapes() {
        assert_eq!(clean_file_name("say %22hi%22.png", "x"), "say \"hi\".png");
        assert_eq!(clean_file_name("two%0D%0Alines.png", "x"), "twolines.png");
    }

    #[test]
    fn empty_or_dot_names_fall_back() {
        for raw in ["", "   ", "\n", "dir/", "..", "a/."] {
            assert_eq!(clean_file_name(raw, "image.png"), "image.png", "{raw:?}");
        }
    }

    #[test]
    fn long_names_are_capped_by_characters() {
        let long = "图".repeat(1000);
        assert_eq!(clean_file_name(&long, "x").chars().count(), MAX_NAME_CHARS);
    }
}
