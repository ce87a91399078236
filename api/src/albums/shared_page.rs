//! A shared album's public page, `/a/<token>`: plain HTML from the Worker,
//! so it works without JavaScript. It shows the album's name and its
//! images, linked to their usual URLs, and nothing else: no other album,
//! no other image, no count, no admin control.

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use imghost_shared::api::routes;
use imghost_shared::snippet::escape_html;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Date, Response};

/// Images per page of a shared album.
pub const PAGE_SIZE: u32 = 60;

/// One image as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SharedImage {
    pub id: i64,
    pub object_key: String,
    pub original_name: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumbnail_key: Option<String>,
}

/// The page: `base_url` serves the images, and the cover (`cover_key`)
/// that link previews show; `older` is the number of the next page when
/// this one is full.
pub fn render(
    album: &str,
    cover_key: Option<&str>,
    images: &[SharedImage],
    base_url: &str,
    older: Option<u32>,
) -> String {
    let title = escape_html(album);
    // What a link preview (a chat, a social site) shows of the album.
    let mut link_preview = format!("<meta property=\"og:title\" content=\"{title}\">");
    if let Some(key) = cover_key {
        let cover = escape_html(&routes::image_url(base_url, key));
        link_preview.push_str(&format!("<meta property=\"og:image\" content=\"{cover}\">"));
    }
    let mut items = String::new();
    for image in images {
        let full = routes::image_url(base_url, &image.object_key);
        let preview = image
            .thumbnail_key
            .as_deref()
            .map_or_else(|| full.clone(), |key| routes::image_url(base_url, key));
        let ratio = match (image.width, image.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => format!(" style=\"aspect-ratio:{w}/{h}\""),
            _ => String::new(),
        };
        items.push_str(&format!(
            "<li><a href=\"{}\"><img src=\"{}\" alt=\"{}\" loading=\"lazy\" decoding=\"async\"{ratio}></a></li>",
            escape_html(&full),
            escape_html(&preview),
            escape_html(&image.original_name),
        ));
    }
    let body = if images.is_empty() {
        "<p>This album has no images.</p>".to_string()
    } else {
        format!("<ul>{items}</ul>")
    };
    let more = older
        .map(|page| format!("<nav><a href=\"?page={page}\" rel=\"next\">Older images</a></nav>"))
        .unwrap_or_default();
    page(
        &title,
        &link_preview,
        &format!("<h1>{title}</h1>{body}{more}"),
    )
}

/// What a link that does not (or no longer) open an album shows.
pub fn not_shared() -> String {
    page(
        "Album not found",
        "",
        "<h1>Album not found</h1><p>This link does not open an album: it may have \
         been revoked or have expired.</p>",
    )
}

fn page(title: &str, head: &str, main: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>{head}<style>{STYLE}</style>\
         </head><body><main>{main}</main></body></html>"
    )
}

const STYLE: &str = ":root{color-scheme:light dark;font-family:system-ui,sans-serif}\
body{margin:0;background:Canvas;color:CanvasText}\
main{max-width:72rem;margin:0 auto;padding:1rem}\
h1{font-size:1.5rem;overflow-wrap:anywhere}\
ul{list-style:none;margin:0;padding:0;display:grid;gap:.75rem;\
grid-template-columns:repeat(auto-fill,minmax(min(100%,14rem),1fr))}\
li a{display:block;border-radius:.4rem;overflow:hidden;outline-offset:3px}\
li a:focus-visible{outline:3px solid Highlight}\
img{display:block;width:100%;height:auto;object-fit:cover;background:#8882}\
nav{margin:1.5rem 0;text-align:center}nav a{color:LinkText;font-size:1.1rem}";

/// Pages past this are empty (and the offset stays small).
const MAX_PAGE: u32 = 10_000;

/// The `page` of a page's query string: 1 unless a number from 1 on.
pub fn page_of(query: &str) -> u32 {
    let pairs = imghost_shared::api::query_string::decode_pairs(query);
    imghost_shared::api::query_string::first_value(&pairs, "page")
        .and_then(|text| text.parse::<u32>().ok())
        .filter(|page| *page > 0)
        .map_or(1, |page| page.min(MAX_PAGE))
}

#[derive(Deserialize)]
struct SharedAlbum {
    id: i64,
    name: String,
    share_expires_at: Option<i64>,
    /// The cover's thumbnail key, or its image's.
    cover_key: Option<String>,
}

/// `GET /a/<token>`: needs no token, answers 404 for a link that opens
/// nothing, and is never cached, so a revoke takes effect at once.
pub async fn handle_shared(
    token: &str,
    query: &str,
    db: &D1Database,
    config: &Config,
    origin: &str,
) -> ApiResult<Response> {
    let now = Date::now().as_millis() as i64;
    let page = page_of(query);
    let valid_token = token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let album = if valid_token {
        db.prepare(super::queries::SHARED_ALBUM)
            .bind(&[token.into()])?
            .first::<SharedAlbum>(None)
            .await?
            .filter(|album| album.share_expires_at.is_none_or(|at| at > now))
    } else {
        None
    };
    let (status, html) = match album {
        None => (404, not_shared()),
        Some(album) => {
            let images: Vec<SharedImage> = db
                .prepare(super::queries::SHARED_PAGE)
                .bind(&[
                    JsValue::from_f64(album.id as f64),
                    JsValue::from_f64(f64::from(PAGE_SIZE)),
                    JsValue::from_f64(f64::from((page - 1) * PAGE_SIZE)),
                ])?
                .all()
                .await?
                .results()?;
            let older = (images.len() == PAGE_SIZE as usize && page < MAX_PAGE).then_some(page + 1);
            let base_url = config.image_base_url(origin);
            let cover = album.cover_key.as_deref();
            (200, render(&album.name, cover, &images, &base_url, older))
        }
    };
    let response = Response::from_html(html)?.with_status(status);
    let headers = response.headers();
    for (name, value) in [
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Robots-Tag", "noindex"),
        ("X-Content-Type-Options", "nosniff"),
        (
            "Content-Security-Policy",
            "default-src 'none'; img-src *; style-src 'unsafe-inline'; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
        ),
    ] {
        headers
            .set(name, value)
            .map_err(|error| ApiError::Internal(error.to_string()))?;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: i64, name: &str, thumbnail: Option<&str>) -> SharedImage {
        SharedImage {
            id,
            object_key: format!("2026/{id}.png"),
            original_name: name.into(),
            width: Some(800),
            height: Some(600),
            thumbnail_key: thumbnail.map(str::to_string),
        }
    }

    #[test]
    fn the_page_escapes_names_and_links_images_to_their_urls() {
        let html = render(
            "Trips <2026> & \"more\"",
            Some("2026/7.thumb.webp"),
            &[
                image(
                    7,
                    "<script>alert(1)</script>.png",
                    Some("2026/7.thumb.webp"),
                ),
                image(5, "plain.png", None),
            ],
            "https://img.example/i",
            Some(2),
        );
        assert!(html.contains("<h1>Trips &lt;2026&gt; &amp; &quot;more&quot;</h1>"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("alt=\"&lt;script&gt;alert(1)&lt;/script&gt;.png\""));
        assert!(html.contains(
            "<a href=\"https://img.example/i/2026/7.png\"><img src=\"https://img.example/i/2026/7.thumb.webp\""
        ));
        assert!(html.contains("<img src=\"https://img.example/i/2026/5.png\""));
        assert!(html.contains("href=\"?page=2\" rel=\"next\""));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains(
            "<meta property=\"og:title\" content=\"Trips &lt;2026&gt; &amp; &quot;more&quot;\">\
             <meta property=\"og:image\" content=\"https://img.example/i/2026/7.thumb.webp\">"
        ));
    }

    #[test]
    fn an_empty_album_and_a_dead_link_say_so() {
        let empty = render("Empty", None, &[], "https://x/i", None);
        assert!(empty.contains("no images"));
        assert!(!empty.contains("Older"));
        assert!(!empty.contains("og:image"));
        assert!(not_shared().contains("revoked"));
    }

    #[test]
    fn page_reads_a_number_from_one_or_starts_at_the_top() {
        assert_eq!(page_of("page=3"), 3);
        assert_eq!(page_of("page=0"), 1);
        assert_eq!(page_of("page=-3"), 1);
        assert_eq!(page_of("page=x&y=1"), 1);
        assert_eq!(page_of(""), 1);
        assert_eq!(page_of("page=4000000000"), MAX_PAGE);
    }
}
