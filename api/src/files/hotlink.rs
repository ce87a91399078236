//! Hotlink protection: which pages may embed the images.

/// Whether a request with this `Referer` may be served. No Referer (direct
/// visits, feed readers, privacy settings) and this Worker's own pages are
/// always allowed; otherwise the referring host must match an entry:
/// `blog.example.com` exactly, or `*.example.com` for its subdomains.
pub fn referer_allowed(referer: Option<&str>, allowed: &[String], own_host: &str) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let Some(referer) = referer.filter(|r| !r.trim().is_empty()) else {
        return true;
    };
    let Some(host) = crate::web_url::parse(referer.trim(), None)
        .map(|url| url.hostname.to_ascii_lowercase())
        .filter(|host| !host.is_empty())
    else {
        return false;
    };
    host == own_host.to_ascii_lowercase() || allowed.iter().any(|entry| host_matches(&host, entry))
}

fn host_matches(host: &str, entry: &str) -> bool {
    let entry = entry.trim().to_ascii_lowercase();
    // Accept full origins too: "https://blog.example.com/".
    let entry = entry
        .split("://")
        .last()
        .unwrap_or("")
        .trim_end_matches('/');
    match entry.strip_prefix("*.") {
        Some(domain) => host.len() > domain.len() + 1 && host.ends_with(&format!(".{domain}")),
        None => host == entry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec![
            "blog.example.com".into(),
            "*.example.org".into(),
            "https://notes.example.net/".into(),
        ]
    }

    #[test]
    fn no_list_or_no_referer_is_allowed() {
        assert!(referer_allowed(
            Some("https://evil.example"),
            &[],
            "img.example.com"
        ));
        assert!(referer_allowed(None, &allowed(), "img.example.com"));
        assert!(referer_allowed(Some(""), &allowed(), "img.example.com"));
    }

    #[test]
    fn listed_hosts_and_own_pages_are_allowed() {
        for referer in [
            "https://blog.example.com/2026/11/post.html",
            "http://BLOG.example.com:8080/",
            "https://www.example.org/a",
            "https://notes.example.net/x",
            "https://img.example.com/",
        ] {
            assert!(
                referer_allowed(Some(referer), &allowed(), "img.example.com"),
                "{referer}"
            );
        }
    }

    #[test]
    fn other_sites_are_refused() {
        for referer in [
            "https://evil.example/",
            "https://example.org/",
            "https://blog.example.com.evil.example/",
            "https://evilexample.org/",
            "not a url",
        ] {
            assert!(
                !referer_allowed(Some(referer), &allowed(), "img.example.com"),
                "{referer}"
            );
        }
    }
}
