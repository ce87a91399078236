//! `imghost token create|list|revoke`: named tokens, each with only the
//! scopes an editor, plugin or machine needs. Managing them needs a token
//! with the `admin` scope.

use crate::client::Client;
use crate::error::Error;
use crate::output;
use crate::upload::print_stdout;
use imghost_shared::api::access::join_scopes;
use imghost_shared::api::{CreateTokenRequest, Scope, TokenInfo, TokenName};

const DAY_MS: i64 = 86_400_000;

/// Milliseconds since the Unix epoch, as the API counts time.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// When a token made at `now_ms` that lives `days` days expires; `None`
/// (never) without `days`.
pub fn expires_at(now_ms: i64, days: Option<u32>) -> Option<i64> {
    days.map(|days| now_ms.saturating_add(i64::from(days) * DAY_MS))
}

/// `imghost token create`: the new token alone on stdout (so it can be
/// piped or captured), what it can do on stderr.
pub async fn create(
    client: &Client,
    name: TokenName,
    scopes: Vec<Scope>,
    expires_in_days: Option<u32>,
) -> Result<u8, Error> {
    let request = CreateTokenRequest {
        name,
        scopes,
        expires_at: expires_at(now_ms(), expires_in_days),
    };
    let created = client.create_token(&request).await?;
    print_stdout(&format!("{}\n", created.token));
    eprintln!("{}", created_note(&created.info));
    Ok(0)
}

/// The stderr line after a token is made.
pub fn created_note(info: &TokenInfo) -> String {
    let expiry = match info.expires_at {
        Some(at) => format!("expires {} UTC", output::utc_minute(at)),
        None => "never expires".into(),
    };
    format!(
        "note: token `{}` ({}; {expiry}) is shown this once: store it now",
        info.name.as_str(),
        join_scopes(&info.scopes)
    )
}

/// `imghost token list`: the tokens not revoked, newest first.
pub async fn list(client: &Client, json: bool) -> Result<u8, Error> {
    let tokens = client.tokens().await?.tokens;
    if json {
        crate::print_json(&tokens);
    } else if tokens.is_empty() {
        eprintln!("no named tokens yet (ADMIN_TOKEN is never listed)");
    } else {
        print_stdout(&output::token_table(&tokens, now_ms()));
    }
    Ok(0)
}

/// `imghost token revoke NAME`: the token answers 401 from now on.
pub async fn revoke(client: &Client, name: &TokenName) -> Result<u8, Error> {
    let revoked = client.revoke_token(name).await?;
    print_stdout(&format!("revoked {}\n", revoked.name.as_str()));
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_whole_days_from_now_or_never() {
        let now = 1_795_910_400_000;
        assert_eq!(expires_at(now, None), None);
        assert_eq!(expires_at(now, Some(1)), Some(now + 86_400_000));
        assert_eq!(expires_at(now, Some(30)), Some(now + 30 * 86_400_000));
        assert_eq!(expires_at(i64::MAX - 1, Some(1)), Some(i64::MAX));
        // The clock is read as the API counts: milliseconds, after 2020.
        assert!(now_ms() > 1_577_836_800_000);
    }

    #[test]
    fn the_note_says_what_the_token_may_do_and_until_when() {
        let info = TokenInfo {
            name: TokenName::parse("typora").unwrap(),
            scopes: vec![Scope::Upload, Scope::Read],
            created_at: 1_795_910_400_000,
            expires_at: None,
            last_used_at: None,
        };
        assert_eq!(
            created_note(&info),
            "note: token `typora` (upload,read; never expires) is shown this once: store it now"
        );
        let expiring = TokenInfo {
            expires_at: Some(1_795_910_400_000 + 7 * 86_400_000),
            ..info
        };
        assert_eq!(
            created_note(&expiring),
            "note: token `typora` (upload,read; expires 2026-12-06 00:00 UTC) is shown this once: store it now"
        );
    }
}
