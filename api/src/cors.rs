//! CORS: which browser origins may call the API.

use worker::{Headers, Response};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    Any,
    List(Vec<String>),
}

impl AllowedOrigins {
    /// `"*"` or a comma-separated list of origins such as `https://blog.example`.
    pub fn parse(text: &str) -> Self {
        let origins: Vec<String> = text
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_string())
            .filter(|origin| !origin.is_empty())
            .collect();
        if origins.is_empty() || origins.iter().any(|origin| origin == "*") {
            Self::Any
        } else {
            Self::List(origins)
        }
    }

    /// The value for `Access-Control-Allow-Origin`, if this origin may call.
    pub fn allow(&self, request_origin: Option<&str>) -> Option<String> {
        match (self, request_origin) {
            (Self::Any, _) => Some("*".into()),
            (Self::List(list), Some(origin)) if list.iter().any(|allowed| allowed == origin) => {
                Some(origin.to_string())
            }
            _ => None,
        }
    }
}

const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "Authorization, Content-Type, Range, If-None-Match";
const EXPOSE_HEADERS: &str = "Content-Length, Content-Range, ETag, Retry-After, X-D1-Rows-Read";

/// Adds the CORS headers for `request_origin` to any response.
pub fn apply(
    mut response: Response,
    allowed: &AllowedOrigins,
    request_origin: Option<&str>,
) -> Response {
    let headers = response.headers_mut();
    set_headers(headers, allowed, request_origin);
    response
}

/// The answer to an `OPTIONS` preflight.
pub fn preflight(allowed: &AllowedOrigins, request_origin: Option<&str>) -> Response {
    let mut response = Response::builder().with_status(204).empty();
    let headers = response.headers_mut();
    set_headers(headers, allowed, request_origin);
    let _ = headers.set("Access-Control-Allow-Methods", ALLOW_METHODS);
    let _ = headers.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
    let _ = headers.set("Access-Control-Max-Age", "86400");
    response
}

fn set_headers(headers: &mut Headers, allowed: &AllowedOrigins, request_origin: Option<&str>) {
    if let Some(origin) = allowed.allow(request_origin) {
        let _ = headers.set("Access-Control-Allow-Origin", &origin);
        let _ = headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    }
    if matches!(allowed, AllowedOrigins::List(_)) {
        let _ = headers.append("Vary", "Origin");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_origin_by_default() {
        assert_eq!(AllowedOrigins::parse(""), AllowedOrigins::Any);
        assert_eq!(AllowedOrigins::parse(" * "), AllowedOrigins::Any);
        assert_eq!(AllowedOrigins::Any.allow(None).as_deref(), Some("*"));
    }

    #[test]
    fn listed_origins_are_echoed_others_refused() {
        let allowed = AllowedOrigins::parse("https://blog.example/, http://localhost:8080");
        assert_eq!(
            allowed.allow(Some("https://blog.example")).as_deref(),
            Some("https://blog.example")
        );
        assert_eq!(
            allowed.allow(Some("http://localhost:8080")).as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(allowed.allow(Some("https://evil.example")), None);
        assert_eq!(allowed.allow(None), None);
    }
}
