//! The admin token check guarding upload, listing, stats and delete.

use crate::config::AuthMode;
use crate::error::{ApiError, ApiResult};

/// Checks an `Authorization` header value against the configured mode.
pub fn check(mode: &AuthMode, authorization: Option<&str>) -> ApiResult<()> {
    match mode {
        AuthMode::Disabled => Ok(()),
        AuthMode::Unconfigured => Err(ApiError::NotConfigured(
            "ADMIN_TOKEN is not set. Set it with `wrangler secret put ADMIN_TOKEN` (or in .dev.vars locally), \
             or set AUTH_DISABLED = \"true\" to run without authentication"
                .into(),
        )),
        AuthMode::Token(expected) => {
            let given = authorization.and_then(bearer_token).unwrap_or("");
            if tokens_match(given.as_bytes(), expected.as_bytes()) {
                Ok(())
            } else {
                Err(ApiError::Unauthorized)
            }
        }
    }
}

fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Compares in time that depends only on the expected token's length, so a
/// client cannot find the token byte by byte from response times.
fn tokens_match(given: &[u8], expected: &[u8]) -> bool {
    let mut difference = given.len() ^ expected.len();
    for (i, byte) in expected.iter().enumerate() {
        let other = given.get(i).copied().unwrap_or(0);
        difference |= usize::from(std::hint::black_box(byte ^ other));
    }
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_mode() -> AuthMode {
        AuthMode::Token("s3cret-token".into())
    }

    #[test]
    fn accepts_the_right_bearer_token_only() {
        assert!(check(&token_mode(), Some("Bearer s3cret-token")).is_ok());
        assert!(check(&token_mode(), Some("bearer   s3cret-token ")).is_ok());
        for wrong in [
            None,
            Some(""),
            Some("s3cret-token"),
            Some("Basic s3cret-token"),
            Some("Bearer s3cret-toke"),
            Some("Bearer s3cret-tokenX"),
            Some("Bearer S3CRET-TOKEN"),
        ] {
            assert!(
                matches!(check(&token_mode(), wrong), Err(ApiError::Unauthorized)),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn unconfigured_refuses_and_says_how_to_fix() {
        match check(&AuthMode::Unconfigured, Some("Bearer anything")) {
            Err(ApiError::NotConfigured(message)) => {
                assert!(message.contains("wrangler secret put ADMIN_TOKEN"))
            }
            other => panic!("{other:?}"),
        }
        assert!(check(&AuthMode::Disabled, None).is_ok());
    }

    #[test]
    fn comparison_handles_any_lengths() {
        assert!(tokens_match(b"abc", b"abc"));
        assert!(!tokens_match(b"", b"abc"));
        assert!(!tokens_match(b"abc", b""));
        // Lengths differing by a multiple of 256 must not fold to equal.
        assert!(!tokens_match(&[0u8; 256], b""));
    }
}
