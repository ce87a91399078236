//! Tinify's HTTP protocol and imghost's policy around it, without I/O:
//! what to send, how to read each answer, which result to keep.
//! <https://tinypng.com/developers/reference>

use crate::web_url;
use base64::Engine;
use imghost_shared::image::ImageFormat;

/// Where to stop: the result of a shrink call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shrink {
    /// 201 Created: the compressed image waits at `location`.
    Created {
        location: String,
    },
    Failed(String),
}

/// Tinify's `Compression-Count` header: compressions used this month.
pub fn compression_count(header: Option<&str>) -> Option<u64> {
    header?.trim().parse().ok()
}

/// `Authorization` value for an API key (HTTP Basic, user `api`).
pub fn authorization(api_key: &str) -> String {
    let credentials = format!("api:{api_key}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

/// Formats Tinify takes as input.
pub fn accepts(format: ImageFormat) -> bool {
    matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Webp | ImageFormat::Avif
    )
}

/// Why an image is not sent to Tinify, if it is not.
pub fn skip_reason(format: ImageFormat, size: usize, min_bytes: u64) -> Option<String> {
    if !accepts(format) {
        return Some(format!("Tinify does not compress {} images", format.name()));
    }
    if (size as u64) < min_bytes {
        return Some(format!(
            "smaller than COMPRESS_MIN_BYTES ({min_bytes} bytes), not worth a compression"
        ));
    }
    None
}

/// Reads the answer to `POST /shrink`; `message` is the `message` field of
/// its JSON error body, if it had one.
pub fn read_shrink(status: u16, location: Option<&str>, message: Option<&str>) -> Shrink {
    match (status, location.map(str::trim).filter(|l| !l.is_empty())) {
        (201, Some(location)) => Shrink::Created {
            location: location.to_string(),
        },
        (201, None) => Shrink::Failed("Tinify answered 201 without a Location header".into()),
        (status, _) => Shrink::Failed(describe_error(status, message)),
    }
}

/// Where to fetch the result: Tinify's `Location`, resolved against the
/// API's address. The API key goes with that request, so it must stay on
/// the configured Tinify host; any other address is refused.
pub fn output_url(api_url: &str, location: &str) -> Result<String, String> {
    let api = web_url::parse(api_url, None)
        .ok_or_else(|| format!("TINIFY_API_URL is not a URL: {api_url}"))?;
    let output = web_url::parse(location, Some(api_url))
        .ok_or_else(|| format!("Tinify's Location is not a URL: {location}"))?;
    if output.origin != api.origin || api.origin == "null" {
        return Err(format!(
            "Tinify's Location points away from {}; the API key is only sent there",
            api.origin
        ));
    }
    Ok(output.href)
}

/// Words for a failed Tinify call, from its status and the `message` of
/// its JSON error body (read by the runtime's JSON parser: a JSON parser in
/// the Worker's wasm would cost kilobytes for this one field).
pub fn describe_error(status: u16, message: Option<&str>) -> String {
    let message = message.map(str::trim).filter(|m| !m.is_empty());
    let what = match status {
        401 => "Tinify rejected the API key (401)".to_string(),
        429 => "Tinify's compression limit is used up (429)".to_string(),
        415 => "Tinify does not accept this image (415)".to_string(),
        500..=599 => format!("Tinify failed ({status})"),
        _ => format!("Tinify answered {status}"),
    };
    match message {
        Some(message) => format!("{what}: {message}"),
        None => what,
    }
}

/// The JSON body asking Tinify to convert the result.
pub fn convert_request(to: ImageFormat) -> String {
    format!(r#"{{"convert":{{"type":"{}"}}}}"#, to.mime_type())
}

/// Conversion target from `TINIFY_CONVERT`: `webp`, `avif` or nothing.
pub fn convert_target(setting: &str) -> Option<ImageFormat> {
    match setting.trim().to_ascii_lowercase().as_str() {
        "webp" => Some(ImageFormat::Webp),
        "avif" => Some(ImageFormat::Avif),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_with_the_api_user() {
        // base64("api:secret")
        assert_eq!(authorization("secret"), "Basic YXBpOnNlY3JldA==");
    }

    #[test]
    fn results_are_only_fetched_from_the_api_host() {
        let api = "https://api.tinify.com";
        assert_eq!(
            output_url(api, "https://api.tinify.com/output/abc"),
            Ok("https://api.tinify.com/output/abc".into())
        );
        assert_eq!(
            output_url("http://127.0.0.1:9000", "/output/abc"),
            Ok("http://127.0.0.1:9000/output/abc".into())
        );
        for elsewhere in [
            "https://evil.example/output/abc",
            "http://api.tinify.com/output/abc",
            "https://api.tinify.com:8443/output/abc",
            "//evil.example/output",
            "https://api.tinify.com.evil.example/output",
        ] {
            let refused = output_url(api, elsewhere).unwrap_err();
            assert!(
                refused.contains("points away from https://api.tinify.com"),
                "{elsewhere}: {refused}"
            );
        }
        assert!(output_url(api, "http://[::1").is_err());
    }

    #[test]
    fn created_needs_a_location() {
        assert_eq!(
            read_shrink(201, Some("https://api.tinify.com/output/abc"), None),
            Shrink::Created {
                location: "https://api.tinify.com/output/abc".into()
            }
        );
        assert_eq!(
            read_shrink(201, None, None),
            Shrink::Failed("Tinify answered 201 without a Location header".into())
        );
        assert_eq!(
            read_shrink(201, Some("  "), None),
            Shrink::Failed("Tinify answered 201 without a Location header".into())
        );
    }

    #[test]
    fn errors_are_put_in_words_with_tinifys_message() {
        assert_eq!(
            read_shrink(401, None, Some("Credentials are invalid.")),
            Shrink::Failed("Tinify rejected the API key (401): Credentials are invalid.".into())
        );
        let cases = [
            (429, "compression limit is used up (429)"),
            (415, "does not accept this image (415)"),
            (503, "Tinify failed (503)"),
            (418, "Tinify answered 418"),
        ];
        for (status, expected) in cases {
            let Shrink::Failed(message) = read_shrink(status, None, Some(" ")) else {
                panic!("{status} is a failure");
            };
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn compression_count_is_read_leniently() {
        assert_eq!(compression_count(Some("42")), Some(42));
        assert_eq!(compression_count(Some(" 7 ")), Some(7));
        assert_eq!(compression_count(Some("many")), None);
        assert_eq!(compression_count(None), None);
    }

    #[test]
    fn skips_gif_and_small_images() {
        assert!(skip_reason(ImageFormat::Gif, 1 << 20, 10_240)
            .unwrap()
            .contains("GIF"));
        assert!(skip_reason(ImageFormat::Png, 500, 10_240)
            .unwrap()
            .contains("COMPRESS_MIN_BYTES"));
        assert_eq!(skip_reason(ImageFormat::Jpeg, 20_000, 10_240), None);
        assert_eq!(skip_reason(ImageFormat::Avif, 20_000, 10_240), None);
    }

    #[test]
    fn conversion_settings() {
        assert_eq!(convert_target("WebP"), Some(ImageFormat::Webp));
        assert_eq!(convert_target("avif"), Some(ImageFormat::Avif));
        assert_eq!(convert_target(""), None);
        assert_eq!(convert_target("off"), None);
        assert_eq!(
            convert_request(ImageFormat::Webp),
            r#"{"convert":{"type":"image/webp"}}"#
        );
    }
}
