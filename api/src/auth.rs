//! Who is calling: `ADMIN_TOKEN`, a named token (looked up by its hash),
//! or anyone when authentication is disabled; and whether they hold the
//! scope a route needs.

use crate::config::AuthMode;
use crate::error::{ApiError, ApiResult};
use imghost_shared::api::audit::{ADMIN_ACTOR, ANONYMOUS_ACTOR};
use imghost_shared::api::{Scope, TOKEN_PREFIX};
use serde::Deserialize;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name, as the audit log records it.
    pub name: String,
    /// A named token's id (`None` for `ADMIN_TOKEN`): the audit log keeps
    /// it, and the tokens it makes are revoked with it.
    pub token_id: Option<i64>,
    pub scopes: Vec<Scope>,
    /// Tokens it creates may not outlive it.
    pub expires_at: Option<i64>,
}

impl Caller {
    fn with_every_scope(name: &str) -> Self {
        Self {
            name: name.into(),
            token_id: None,
            scopes: Scope::ALL.to_vec(),
            expires_at: None,
        }
    }

    /// 403 naming the scope, when the caller lacks it.
    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "This token lacks the `{scope}` scope; ask for a token that has it"
            )))
        }
    }
}

/// What the `Authorization` header holds, before any database read.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented<'a> {
    /// Authentication is disabled, or the header holds `ADMIN_TOKEN`.
    Known(Caller),
    /// Something shaped like a named token: look up its hash.
    Named(&'a str),
}

/// A named token's row, as the lookup by hash reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub scopes: String,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// `last_used_at` is written when it is older than this, so a busy token
/// costs one write an hour, not one per request.
pub const LAST_USED_RESOLUTION_MS: i64 = 3_600_000;

/// Whether `last_used_at` is written on this use: when it is unset or at
/// least `LAST_USED_RESOLUTION_MS` old.
pub fn needs_touch(last_used_at: Option<i64>, now_ms: i64) -> bool {
    last_used_at.is_none_or(|at| now_ms - at >= LAST_USED_RESOLUTION_MS)
}

/// The caller a named token stands for, if it is still good.
pub fn admit(row: Option<TokenRow>, now_ms: i64) -> ApiResult<Caller> {
    let row = row.ok_or(ApiError::Unauthorized)?;
    if row.revoked_at.is_some() {
        return Err(ApiError::TokenRejected(format!(
            "This token ({}) was revoked; use another one",
            row.name
        )));
    }
    if let Some(at) = row.expires_at.filter(|at| *at <= now_ms) {
        return Err(ApiError::TokenRejected(format!(
            "This token ({}) expired on {}; create a new one",
            row.name,
            {
                let when = imghost_shared::time::UtcMinute::from_millis(at);
                format!("{} {:02}:{:02} UTC", when.date(), when.hour, when.minute)
            }
        )));
    }
    // A stored list that does not parse grants nothing.
    let scopes = Scope::parse_list(&row.scopes).map_err(ApiError::Internal)?;
    Ok(Caller {
        name: row.name,
        token_id: Some(row.id),
        scopes,
        expires_at: row.expires_at,
    })
}

/// Reads an `Authorization` header value against the configured mode.
pub fn check<'a>(mode: &AuthMode, authorization: Option<&'a str>) -> ApiResult<Presented<'a>> {
    let given = authorization.and_then(bearer_token);
    match mode {
        AuthMode::Disabled => Ok(Presented::Known(Caller::with_every_scope(ANONYMOUS_ACTOR))),
        AuthMode::Unconfigured => Err(ApiError::NotConfigured(
            "ADMIN_TOKEN is not set. Set it with `wrangler secret put ADMIN_TOKEN` (or in .dev.vars locally), \
             or set AUTH_DISABLED = \"true\" to run without authentication"
                .into(),
        )),
        AuthMode::Token(expected) => {
            let given = given.unwrap_or("");
            if tokens_match(given.as_bytes(), expected.as_bytes()) {
                Ok(Presented::Known(Caller::with_every_scope(ADMIN_ACTOR)))
            } else if given.starts_with(TOKEN_PREFIX) && given.len() <= 128 {
                Ok(Presented::Named(given))
            } else {
                Err(ApiError::Unauthorized)
            }
        }
    }
}

/// Who failed authentication, for counting failures: an IPv4 address, or
/// an IPv6 client's /64 — one subscriber usually gets a whole /64 and could
/// otherwise rotate through its addresses to escape the limit.
pub fn client_key(ip: Option<&str>) -> String {
    use std::net::IpAddr;
    match ip.and_then(|ip| ip.trim().parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".into(),
    }
}

/// Tokens shorter than this are easy to guess whatever they are made of.
const MIN_TOKEN_CHARS: usize = 32;
/// Guessing work, in bits, below which a token counts as weak.
const MIN_TOKEN_BITS: f64 = 96.0;

/// Why the admin token is weak, if it is: too short, or too few different
/// characters for its length (an estimate: length × log2 of the distinct
/// characters it uses).
pub fn token_weakness(token: &str) -> Option<String> {
    let length = token.chars().count();
    if length < MIN_TOKEN_CHARS {
        return Some(format!(
            "ADMIN_TOKEN is short ({length} characters): use at least {MIN_TOKEN_CHARS} random characters, e.g. `openssl rand -hex 32`"
        ));
    }
    let distinct = token
        .chars()
        .collect::<std::collections::HashSet<_>>()
        .len();
    let bits = length as f64 * (distinct as f64).log2();
    (bits < MIN_TOKEN_BITS).then(|| {
        format!(
            "ADMIN_TOKEN uses only {distinct} different characters: use a random token, e.g. `openssl rand -hex 32`"
        )
    })
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
    fn named_tokens_go_to_the_lookup_and_junk_does_not() {
        let named = "ih_0123456789abcdef";
        assert_eq!(
            check(&token_mode(), Some(&format!("Bearer {named}"))).unwrap(),
            Presented::Named(named)
        );
        let admin = check(&token_mode(), Some("Bearer s3cret-token")).unwrap();
        assert!(matches!(admin, Presented::Known(Caller { ref name, .. }) if name == "admin"));
        let long = format!("Bearer ih_{}", "a".repeat(200));
        assert!(matches!(
            check(&token_mode(), Some(&long)),
            Err(ApiError::Unauthorized)
        ));
    }

    fn row(scopes: &str) -> TokenRow {
        TokenRow {
            id: 1,
            name: "typora".into(),
            scopes: scopes.into(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn named_tokens_are_admitted_only_while_good() {
        let caller = admit(Some(row("upload")), 1_000).unwrap();
        assert_eq!(caller.scopes, vec![Scope::Upload]);
        assert!(caller.require(Scope::Upload).is_ok());
        match caller.require(Scope::Delete) {
            Err(ApiError::Forbidden(message)) => assert!(message.contains("`delete`")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(admit(None, 1_000), Err(ApiError::Unauthorized)));
        let revoked = TokenRow {
            revoked_at: Some(5),
            ..row("upload")
        };
        assert!(
            matches!(admit(Some(revoked), 1_000), Err(ApiError::TokenRejected(m)) if m.contains("revoked"))
        );
        let expiring = TokenRow {
            expires_at: Some(1_000),
            ..row("upload")
        };
        assert!(admit(Some(expiring.clone()), 999).is_ok());
        assert!(
            matches!(admit(Some(expiring), 1_000), Err(ApiError::TokenRejected(m)) if m.contains("expired on 1970-01-01 00:00 UTC"))
        );
        // A damaged scope list grants nothing.
        assert!(matches!(
            admit(Some(row("root")), 1),
            Err(ApiError::Internal(_))
        ));
    }

    #[test]
    fn last_use_is_written_at_most_once_an_hour() {
        let hour = LAST_USED_RESOLUTION_MS;
        assert!(needs_touch(None, 0));
        assert!(!needs_touch(Some(10 * hour), 10 * hour));
        assert!(!needs_touch(Some(10 * hour), 11 * hour - 1));
        assert!(needs_touch(Some(10 * hour), 11 * hour));
    }

    #[test]
    fn comparison_handles_any_lengths() {
        assert!(tokens_match(b"abc", b"abc"));
        assert!(!tokens_match(b"", b"abc"));
        assert!(!tokens_match(b"abc", b""));
        // Lengths differing by a multiple of 256 must not fold to equal.
        assert!(!tokens_match(&[0u8; 256], b""));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(client_key(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(
            client_key(Some("2001:db8:aa:bb:1:2:3:4")),
            "2001:db8:aa:bb::/64"
        );
        assert_eq!(
            client_key(Some("2001:db8:aa:bb:ffff::9")),
            client_key(Some("2001:db8:aa:bb:1:2:3:4"))
        );
        assert_ne!(
            client_key(Some("2001:db8:aa:bc::1")),
            client_key(Some("2001:db8:aa:bb::1"))
        );
        assert_eq!(client_key(Some("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(client_key(None), "unknown");
        assert_eq!(client_key(Some("not an address")), "unknown");
    }

    #[test]
    fn weak_tokens_are_named() {
        assert!(token_weakness("s3cret")
            .unwrap()
            .contains("short (6 characters)"));
        assert!(token_weakness(&"ab".repeat(40))
            .unwrap()
            .contains("only 2 different characters"));
        // 64 hex characters, as `openssl rand -hex 32` prints.
        let hex = "3f9c0d1e7a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5";
        assert_eq!(token_weakness(hex), None);
        assert_eq!(token_weakness("Zx9-Qw3_Lp7!Rt5@Mn1#Vb8$Kj2%Hg6^"), None);
        // 32 characters of 8 kinds: 32 × 3 = 96 bits, just enough.
        assert_eq!(token_weakness(&"abcdefgh".repeat(4)), None);
        assert!(token_weakness(&format!("{}abcd", "abcdefg".repeat(4))).is_some());
    }
}
