//! URLs read by the WHATWG parser: in the Worker the runtime's own `URL`
//! (the `url` crate's parser and host tables cost about 10 KB gzipped of
//! wasm), natively the `url` crate, which follows the same standard, so
//! that the pure code using it is tested as it runs.

/// The parts of a parsed URL that imghost reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl {
    pub href: String,
    /// `https://host:port`; `null` for URLs without one.
    pub origin: String,
    /// The host without its port, lowercase.
    pub hostname: String,
    pub pathname: String,
    /// The query string without its `?`.
    pub query: String,
}

/// `input`, resolved against `base` when given; `None` if it is not a URL.
#[cfg(target_arch = "wasm32")]
pub fn parse(input: &str, base: Option<&str>) -> Option<WebUrl> {
    let url = match base {
        Some(base) => web_sys::Url::new_with_base(input, base),
        None => web_sys::Url::new(input),
    }
    .ok()?;
    let search = url.search();
    Some(WebUrl {
        href: url.href(),
        origin: url.origin(),
        hostname: url.hostname(),
        pathname: url.pathname(),
        query: search.strip_prefix('?').unwrap_or(&search).to_string(),
    })
}

#[cfg(not(target_arch = "wasm32"))]
pub fn parse(input: &str, base: Option<&str>) -> Option<WebUrl> {
    let url = match base {
        Some(base) => url::Url::parse(base).ok()?.join(input),
        None => url::Url::parse(input),
    }
    .ok()?;
    Some(WebUrl {
        href: url.to_string(),
        origin: url.origin().ascii_serialization(),
        hostname: url.host_str().unwrap_or_default().to_string(),
        pathname: url.path().to_string(),
        query: url.query().unwrap_or_default().to_string(),
    })
}

/// The URL a request was sent to.
pub fn of_request(req: &worker::Request) -> crate::error::ApiResult<WebUrl> {
    let href = req.inner().url();
    parse(&href, None)
        .ok_or_else(|| crate::error::ApiError::BadRequest(format!("Not a URL: {href}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_relative_resolution() {
        let url = parse("https://Img.Example.com:8443/i/a%20b.png?x=1#f", None).unwrap();
        assert_eq!(url.origin, "https://img.example.com:8443");
        assert_eq!(url.hostname, "img.example.com");
        assert_eq!(url.pathname, "/i/a%20b.png");
        assert_eq!(url.query, "x=1");
        let joined = parse("/output/abc", Some("http://127.0.0.1:9000")).unwrap();
        assert_eq!(joined.href, "http://127.0.0.1:9000/output/abc");
        assert!(parse("not a url", None).is_none());
        assert!(parse("http://[::1", None).is_none());
    }
}
