//! Which addresses the page puts into links and images, and where a
//! deleted image may live on in a cache.

/// `url` if it is an `http:` or `https:` address; anything else (such as
/// `javascript:` or `data:`) is never put into an `href` or `src`.
pub fn web_link(url: &str) -> Option<&str> {
    let url = url.trim();
    let scheme = url.split_once("://")?.0;
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")).then_some(url)
}

/// The host of an image served by R2 through a custom domain on the bucket
/// rather than by the Worker's `/i/` route: Cloudflare's cache there keeps
/// serving an image after it is deleted, until purged. (The Worker's own
/// answers are not kept by that cache.)
pub fn cache_host(image_url: &str) -> Option<String> {
    let after_scheme = web_link(image_url)?.split_once("://")?.1;
    let (host, path) = after_scheme.split_at(after_scheme.find('/')?);
    (!host.is_empty() && !path.starts_with("/i/")).then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_are_links() {
        assert_eq!(
            web_link("https://img.example/a.png"),
            Some("https://img.example/a.png")
        );
        assert_eq!(web_link(" HTTP://x/a.png "), Some("HTTP://x/a.png"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript://%0aalert(1)",
            "data:image/svg+xml,<svg/>",
            "/i/a.png",
            "",
            "ftp://x/a.png",
        ] {
            assert_eq!(web_link(bad), None, "{bad}");
        }
    }

    #[test]
    fn images_served_from_the_bucket_name_their_cache() {
        assert_eq!(cache_host("http://127.0.0.1:8787/i/2026-11-29/a.png"), None);
        assert_eq!(
            cache_host("https://img.example.com/i/2026-11-29/a.png"),
            None
        );
        assert_eq!(
            cache_host("https://img.example.com/2026-11-29/a.png"),
            Some("img.example.com".into())
        );
        assert_eq!(cache_host("https://img.example.com"), None);
        assert_eq!(cache_host("javascript:alert(1)"), None);
    }
}
