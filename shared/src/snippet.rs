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

/// The `sizes` a responsive snippet says unless told otherwise: a blog
/// column of 720 CSS px on screens from 760 px, the whole width below.
pub const DEFAULT_SIZES: &str = "(min-width: 760px) 720px, 100vw";

/// An image a responsive snippet offers: where it is, how large, and the
/// widths stored beside it.
pub struct Responsive<'a> {
    pub url: &'a str,
    pub dimensions: Option<Dimensions>,
    pub widths: &'a [u32],
    /// What the page's layout gives the image (`DEFAULT_SIZES` if unsure).
    pub sizes: &'a str,
}

impl Responsive<'_> {
    /// `srcset` and `sizes`, when the image has widths to offer.
    fn choices(&self) -> Option<(String, &str)> {
        let size = self.dimensions.filter(|_| !self.widths.is_empty())?;
        Some((
            crate::widths::srcset(self.url, self.widths, size.width),
            self.sizes,
        ))
    }
}

/// `<img src srcset sizes width height alt loading="lazy"
/// decoding="async">`: a reader's browser picks the smallest width that is
/// sharp on its screen. Without widths it is the plain tag, lazily loaded.
pub fn responsive_html(alt: &str, image: &Responsive) -> String {
    let choices = image
        .choices()
        .map(|(srcset, sizes)| {
            format!(
                " srcset=\"{}\" sizes=\"{}\"",
                escape_html(&srcset),
                escape_html(sizes)
            )
        })
        .unwrap_or_default();
    let size = image
        .dimensions
        .map(|d| format!(" width=\"{}\" height=\"{}\"", d.width, d.height))
        .unwrap_or_default();
    format!(
        "<img src=\"{}\"{choices}{size} alt=\"{}\" loading=\"lazy\" decoding=\"async\">",
        escape_html(image.url),
        escape_html(alt)
    )
}

/// The same as a Hugo shortcode, `{{< img src srcset sizes width height alt >}}`
/// (the README gives the `layouts/shortcodes/img.html` it expects).
pub fn hugo_shortcode(alt: &str, image: &Responsive) -> String {
    let quoted = |text: &str| format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = format!("{{{{< img src={}", quoted(image.url));
    if let Some((srcset, sizes)) = image.choices() {
        out.push_str(&format!(
            " srcset={} sizes={}",
            quoted(&srcset),
            quoted(sizes)
        ));
    }
    if let Some(d) = image.dimensions {
        out.push_str(&format!(" width=\"{}\" height=\"{}\"", d.width, d.height));
    }
    out.push_str(&format!(" alt={} >}}}}", quoted(alt)));
    out
}

pub fn escape_html(text: &str) -> String {
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

    #[test]
    fn responsive_html_offers_the_widths_then_the_original() {
        let image = Responsive {
            url: URL,
            dimensions: Some(Dimensions {
                width: 4032,
                height: 3024,
            }),
            widths: &[640, 960],
            sizes: DEFAULT_SIZES,
        };
        assert_eq!(
            responsive_html("a \"cat\" <3", &image),
            format!(
                "<img src=\"{URL}\" srcset=\"{URL}@640w.webp 640w, {URL}@960w.webp 960w, {URL} 4032w\" \
                 sizes=\"(min-width: 760px) 720px, 100vw\" width=\"4032\" height=\"3024\" \
                 alt=\"a &quot;cat&quot; &lt;3\" loading=\"lazy\" decoding=\"async\">"
            )
        );
        let plain = Responsive {
            widths: &[],
            ..image
        };
        assert_eq!(
            responsive_html("x", &plain),
            format!(
                "<img src=\"{URL}\" width=\"4032\" height=\"3024\" alt=\"x\" loading=\"lazy\" \
                 decoding=\"async\">"
            )
        );
    }

    #[test]
    fn hugo_shortcodes_quote_what_they_carry() {
        let image = Responsive {
            url: URL,
            dimensions: Some(Dimensions {
                width: 1000,
                height: 500,
            }),
            widths: &[640],
            sizes: "50vw",
        };
        assert_eq!(
            hugo_shortcode("say \"hi\" \\o/", &image),
            format!(
                "{{{{< img src=\"{URL}\" srcset=\"{URL}@640w.webp 640w, {URL} 1000w\" sizes=\"50vw\" \
                 width=\"1000\" height=\"500\" alt=\"say \\\"hi\\\" \\\\o/\" >}}}}"
            )
        );
    }
}
