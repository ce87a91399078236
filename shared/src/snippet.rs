//! Text a blogger pastes: Markdown and HTML for an image.

use crate::image::Dimensions;

/// `![alt](url)` with `[`, `]` and `\` in the alt text escaped.
pub fn markdown(alt: &str, url: &str) -> String {
    let mut escaped = String::with_capacity(alt.len());
    for c in alt.chars() {
        if matches!(c, '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("![{escaped}]({url})")
}

/// `[![alt](thumbnail)](url)`: a small image that opens the full one, for
/// blogs that show thumbnails in the text.
pub fn linked_thumbnail(alt: &str, thumbnail_url: &str, url: &str) -> String {
    format!("[{}]({url})", markdown(alt, thumbnail_url))
}

/// `<img src alt width height>`; the size attributes (which stop the page
/// from jumping while it loads) only when known.
pub fn html(alt: &str, url: &str, dimensions: Option<Dimensions>) -> String {
    let size = dimensions
        .map(|d| format!(" width=\"{}\" height=\"{}\"", d.width, d.height))
        .unwrap_or_default();
    format!(
        "<img src=\"{}\" alt=\"{}\"{size}>",
        escape_html(url),
        escape_html(alt)
    )
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://img.example/2026-11-28/a.png";

    #[test]
    fn markdown_escapes_brackets_and_backslashes() {
        assert_eq!(markdown("cat.png", URL), format!("![cat.png]({URL})"));
        assert_eq!(
            markdown("a [b] \\c.png", URL),
            format!("![a \\[b\\] \\\\c.png]({URL})")
        );
    }

    #[test]
    fn linked_thumbnails_open_the_image() {
        assert_eq!(
            linked_thumbnail("a [b].png", "https://img.example/t.webp", URL),
            format!("[![a \\[b\\].png](https://img.example/t.webp)]({URL})")
        );
    }

    #[test]
    fn html_escapes_and_sizes() {
        let size = Some(Dimensions {
            width: 640,
            height: 427,
        });
        assert_eq!(
            html("\"quoted\" <b>&.jpg", URL, size),
            format!("<img src=\"{URL}\" alt=\"&quot;quoted&quot; &lt;b&gt;&amp;.jpg\" width=\"640\" height=\"427\">")
        );
        assert_eq!(
            html("x", URL, None),
            format!("<img src=\"{URL}\" alt=\"x\">")
        );
        // Apostrophes too, so the text stays inert if pasted into a
        // single-quoted attribute.
        assert_eq!(
            html("cat's.png", "https://img.example/it's.png", None),
            "<img src=\"https://img.example/it&#39;s.png\" alt=\"cat&#39;s.png\">"
        );
    }
}
