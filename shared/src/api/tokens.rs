//! Named API tokens: created by an admin, stored by the Worker as hashes
//! only, each with its scopes and an optional expiry.

use super::access::Scope;
use super::query_string::{decode_pairs, encode_pairs, first_value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Every named token starts with this, so a leaked one is recognisable
/// (and `ADMIN_TOKEN` never needs a database read).
pub const TOKEN_PREFIX: &str = "ih_";
pub const MAX_NAME_CHARS: usize = 64;

/// A token's name: 1 to 64 letters, digits, `.`, `_` or `-`, so it reads
/// the same in the audit log, a URL and a shell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenName(String);

impl TryFrom<String> for TokenName {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<TokenName> for String {
    fn from(name: TokenName) -> Self {
        name.0
    }
}

impl TokenName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let valid_chars = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if text.is_empty() || text.chars().count() > MAX_NAME_CHARS || !valid_chars {
            return Err(format!(
                "A token name is 1 to {MAX_NAME_CHARS} letters, digits, `.`, `_` or `-`"
            ));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Names the audit log gives to callers that are not named tokens; a
    /// token may not take one, or its changes would read as theirs.
    pub fn is_reserved(&self) -> bool {
        RESERVED_NAMES
            .iter()
            .any(|reserved| reserved.eq_ignore_ascii_case(&self.0))
    }
}

/// See `TokenName::is_reserved`.
pub const RESERVED_NAMES: [&str; 3] = [
    super::audit::ADMIN_ACTOR,
    super::audit::CRON_ACTOR,
    super::audit::ANONYMOUS_ACTOR,
];

/// `POST /tokens` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTokenRequest {
    pub name: TokenName,
    pub scopes: Vec<Scope>,
    /// Milliseconds since the Unix epoch; `None`: never expires.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// A token as listed: everything but its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub name: TokenName,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// To the hour: the Worker writes it at most once an hour per token.
    #[serde(default)]
    pub last_used_at: Option<i64>,
}

impl TokenInfo {
    pub fn expired(&self, now_ms: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now_ms)
    }
}

/// Answer of `POST /tokens`: the secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTokenResponse {
    pub success: bool,
    pub token: String,
    pub info: TokenInfo,
}

/// Answer of `GET /tokens`: the tokens not revoked, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenListResponse {
    pub success: bool,
    pub tokens: Vec<TokenInfo>,
}

/// `DELETE /tokens?name=NAME`: revokes the token at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeTokenQuery {
    pub name: TokenName,
}

impl RevokeTokenQuery {
    pub fn to_query_string(&self) -> String {
        encode_pairs([("name", Cow::Borrowed(self.name.as_str()))])
    }

    pub fn from_query_string(query: &str) -> Result<Self, String> {
        let pairs = decode_pairs(query);
        let name = first_value(&pairs, "name").ok_or("Pass the token's name: ?name=NAME")?;
        Ok(Self {
            name: TokenName::parse(name)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeTokenResponse {
    pub success: bool,
    pub name: TokenName,
    /// The tokens it had made (and those they made), revoked with it.
    #[serde(default)]
    pub also_revoked: Vec<TokenName>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_and_plain() {
        assert_eq!(TokenName::parse(" typora ").unwrap().as_str(), "typora");
        assert!(TokenName::parse("ci.laptop_2-b").is_ok());
        for bad in ["", "a b", "a/b", "ä", &"x".repeat(65)] {
            assert!(TokenName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_name_is_at_most_64_characters_and_travels_as_a_string() {
        assert!(TokenName::parse(&"x".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(TokenName::parse(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        let name = TokenName::parse("typora").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), r#""typora""#);
        assert_eq!(String::from(name), "typora");
    }

    #[test]
    fn a_token_has_expired_from_its_expiry_on() {
        let info = |expires_at| TokenInfo {
            name: TokenName::parse("t").unwrap(),
            scopes: vec![Scope::Read],
            created_at: 0,
            expires_at,
            last_used_at: None,
        };
        assert!(!info(Some(100)).expired(99));
        assert!(info(Some(100)).expired(100));
        assert!(!info(None).expired(i64::MAX));
    }

    #[test]
    fn the_audit_logs_own_names_are_reserved() {
        for reserved in ["admin", "Cron", "ANONYMOUS"] {
            assert!(
                TokenName::parse(reserved).unwrap().is_reserved(),
                "{reserved}"
            );
        }
        assert!(!TokenName::parse("admin2").unwrap().is_reserved());
    }

    #[test]
    fn revoke_queries_round_trip() {
        let query = RevokeTokenQuery {
            name: TokenName::parse("picgo").unwrap(),
        };
        assert_eq!(
            RevokeTokenQuery::from_query_string(&query.to_query_string()),
            Ok(query)
        );
        assert!(RevokeTokenQuery::from_query_string("").is_err());
        assert!(RevokeTokenQuery::from_query_string("name=a%20b").is_err());
    }

    #[test]
    fn scopes_travel_as_words() {
        let request: CreateTokenRequest =
            serde_json::from_str(r#"{"name":"typora","scopes":["upload"]}"#).unwrap();
        assert_eq!(request.scopes, vec![Scope::Upload]);
        assert_eq!(request.expires_at, None);
        assert!(
            serde_json::from_str::<CreateTokenRequest>(r#"{"name":"x","scopes":["root"]}"#)
                .is_err()
        );
    }
}
