//! Named tokens over HTTP: create (the secret is answered once, only its
//! hash is kept), list, revoke; and the lookup that admits a request.

use crate::audit::{batch_with_record, Actor};
use crate::auth::{self, Caller, TokenRow};
use crate::context::AppContext;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_string, read_json};
use crate::images::queries;
use crate::images::service::sha256_hex;
use imghost_shared::api::access::join_scopes;
use imghost_shared::api::{
    AuditAction, CreateTokenRequest, CreateTokenResponse, RevokeTokenQuery, RevokeTokenResponse,
    Scope, TokenInfo, TokenListResponse, TokenName, TOKEN_PREFIX,
};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, Date, Request, Response};

/// Random bytes in a token: 256 bits.
const TOKEN_BYTES: usize = 32;

/// The caller a named token stands for: one indexed read, and a write at
/// most once an hour to keep `last_used_at`.
pub async fn admit(db: &D1Database, token: &str) -> ApiResult<Caller> {
    let hash = sha256_hex(token.as_bytes()).await?;
    let row = db
        .prepare(queries::TOKEN_FIND_BY_HASH)
        .bind(&[hash.into()])?
        .first::<TokenRow>(None)
        .await?;
    let now = Date::now().as_millis() as i64;
    let touch = row
        .as_ref()
        .and_then(|row| auth::needs_touch(row.last_used_at, now).then_some(row.id));
    let caller = auth::admit(row, now)?;
    if let Some(id) = touch {
        db.prepare(queries::TOKEN_TOUCH)
            .bind(&[JsValue::from_f64(id as f64), JsValue::from_f64(now as f64)])?
            .run()
            .await?;
    }
    Ok(caller)
}

/// What a caller may grant: only scopes it holds, and no later expiry
/// than its own.
pub fn check_grant(caller: &Caller, request: &CreateTokenRequest, now_ms: i64) -> ApiResult<()> {
    if request.scopes.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "Give the token at least one scope: {}",
            join_scopes(&Scope::ALL)
        )));
    }
    if let Some(scope) = request
        .scopes
        .iter()
        .find(|scope| !caller.scopes.contains(scope))
    {
        return Err(ApiError::Forbidden(format!(
            "This token lacks the `{scope}` scope, so it cannot give it to another"
        )));
    }
    if request.expires_at.is_some_and(|at| at <= now_ms) {
        return Err(ApiError::BadRequest(
            "expires_at is in the past: give a time to come, in milliseconds since 1970".into(),
        ));
    }
    if request.name.is_reserved() {
        return Err(ApiError::BadRequest(format!(
            "`{}` is the audit log's name for {}; choose another name",
            request.name.as_str(),
            match request.name.as_str().to_ascii_lowercase().as_str() {
                "admin" => "ADMIN_TOKEN",
                "cron" => "the daily clean-up",
                _ => "requests when authentication is off",
            }
        )));
    }
    if let Some(limit) = caller.expires_at {
        if request.expires_at.is_none_or(|at| at > limit) {
            return Err(ApiError::Forbidden(
                "A token cannot outlive the token that creates it: give an earlier expires_at"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// `ih_` and 64 hex digits from the runtime's CSPRNG.
fn new_secret() -> ApiResult<String> {
    Ok(format!("{TOKEN_PREFIX}{}", random_hex(TOKEN_BYTES)?))
}

/// `bytes` random bytes from the runtime's CSPRNG, in hex.
pub fn random_hex(count: usize) -> ApiResult<String> {
    let crypto: web_sys::Crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())
        .map_err(|error| ApiError::Internal(format!("{error:?}")))?
        .unchecked_into();
    let mut bytes = vec![0u8; count];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|error| ApiError::Internal(format!("{error:?}")))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[derive(Deserialize)]
struct StoredToken {
    name: String,
    scopes: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl StoredToken {
    fn info(self) -> ApiResult<TokenInfo> {
        Ok(TokenInfo {
            name: imghost_shared::api::TokenName::parse(&self.name).map_err(ApiError::Internal)?,
            scopes: Scope::parse_list(&self.scopes).map_err(ApiError::Internal)?,
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
        })
    }
}

pub async fn handle_create(mut req: Request, app: &AppContext) -> ApiResult<Response> {
    let caller = app.authorize(&req).await?;
    let request: CreateTokenRequest = read_json(
        &mut req,
        r#"{"name": "typora", "scopes": ["upload"], "expires_at": null}"#,
    )
    .await?;
    let now = Date::now().as_millis() as i64;
    check_grant(&caller, &request, now)?;
    let mut scopes = request.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let secret = new_secret()?;
    let hash = sha256_hex(secret.as_bytes()).await?;
    let actor = Actor::of(&caller, &req)?;
    let name = request.name.as_str();
    let change = app.db.prepare(queries::TOKEN_CREATE).bind(&[
        name.into(),
        hash.into(),
        join_scopes(&scopes).into(),
        JsValue::from_f64(now as f64),
        request
            .expires_at
            .map_or(JsValue::NULL, |at| JsValue::from_f64(at as f64)),
        caller
            .token_id
            .map_or(JsValue::NULL, |id| JsValue::from_f64(id as f64)),
    ])?;
    let detail = join_scopes(&scopes);
    let record = actor.record(&app.db, AuditAction::TokenCreate, Some(name), Some(&detail))?;
    let created = batch_with_record(&app.db, change, record)
        .await?
        .results::<StoredToken>()?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ApiError::Conflict(format!(
                "A token named {name} exists: revoke it first, or choose another name"
            ))
        })?;
    json(&CreateTokenResponse {
        success: true,
        token: secret,
        info: created.info()?,
    })
}

pub async fn handle_list(req: Request, app: &AppContext) -> ApiResult<Response> {
    app.authorize(&req).await?;
    let tokens = app
        .db
        .prepare(queries::TOKEN_LIST)
        .all()
        .await?
        .results::<StoredToken>()?
        .into_iter()
        .map(StoredToken::info)
        .collect::<ApiResult<Vec<_>>>()?;
    json(&TokenListResponse {
        success: true,
        tokens,
    })
}

/// The names of a revoke but the token's own: those revoked with it.
fn others(names: Vec<String>, name: &TokenName) -> Vec<String> {
    names
        .into_iter()
        .filter(|made| made != name.as_str())
        .collect()
}

/// `DELETE /tokens?name=`: revokes the token, and with it every token it
/// made (and those they made): a token it handed out must not outlive it.
pub async fn handle_revoke(req: Request, app: &AppContext) -> ApiResult<Response> {
    let caller = app.authorize(&req).await?;
    let RevokeTokenQuery { name } =
        RevokeTokenQuery::from_query_string(&query_string(&req)?).map_err(ApiError::BadRequest)?;
    let actor = Actor::of(&caller, &req)?;
    let now = Date::now().as_millis() as f64;
    #[derive(Deserialize)]
    struct Named {
        name: String,
    }
    let with_it: Vec<String> = app
        .db
        .prepare(queries::TOKEN_REVOKED_WITH)
        .bind(&[name.as_str().into()])?
        .all()
        .await?
        .results::<Named>()?
        .into_iter()
        .map(|row| row.name)
        .collect();
    let with_it = others(with_it, &name);
    // One audit row per token revoked, each written only if the one before
    // it was (the first only if the revoke changed anything).
    let mut statements = vec![app
        .db
        .prepare(queries::TOKEN_REVOKE)
        .bind(&[name.as_str().into(), JsValue::from_f64(now)])?];
    statements.push(actor.record(&app.db, AuditAction::TokenRevoke, Some(name.as_str()), None)?);
    let detail = format!("made by {}, revoked with it", name.as_str());
    for made in &with_it {
        statements.push(actor.record(
            &app.db,
            AuditAction::TokenRevoke,
            Some(made),
            Some(&detail),
        )?);
    }
    let revoked = app.db.batch(statements).await?;
    let revoked: Vec<Named> = revoked
        .first()
        .ok_or_else(|| ApiError::Internal("D1 batch returned no result".into()))?
        .results()?;
    if revoked.is_empty() {
        return Err(ApiError::NotFound(format!(
            "No live token named {}",
            name.as_str()
        )));
    }
    let also_revoked = others(revoked.into_iter().map(|row| row.name).collect(), &name)
        .iter()
        .map(|made| TokenName::parse(made).map_err(ApiError::Internal))
        .collect::<ApiResult<Vec<_>>>()?;
    json(&RevokeTokenResponse {
        success: true,
        name,
        also_revoked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(scopes: &[Scope], expires_at: Option<i64>) -> Caller {
        Caller {
            name: "maker".into(),
            token_id: Some(1),
            scopes: scopes.to_vec(),
            expires_at,
        }
    }

    fn request(scopes: &[Scope], expires_at: Option<i64>) -> CreateTokenRequest {
        CreateTokenRequest {
            name: TokenName::parse("new").unwrap(),
            scopes: scopes.to_vec(),
            expires_at,
        }
    }

    #[test]
    fn a_token_grants_only_what_it_holds() {
        let admin_only = caller(&[Scope::Admin], None);
        assert!(check_grant(&admin_only, &request(&[Scope::Admin], None), 0).is_ok());
        match check_grant(
            &admin_only,
            &request(&[Scope::Admin, Scope::Upload], None),
            0,
        ) {
            Err(ApiError::Forbidden(message)) => assert!(message.contains("`upload`")),
            other => panic!("{other:?}"),
        }
        let everything = caller(&Scope::ALL, None);
        assert!(check_grant(&everything, &request(&Scope::ALL, None), 0).is_ok());
        assert!(matches!(
            check_grant(&everything, &request(&[], None), 0),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn a_revoke_lists_the_tokens_revoked_with_it_not_itself() {
        let name = TokenName::parse("parent").unwrap();
        let names = ["parent", "child", "grandchild"].map(String::from).to_vec();
        assert_eq!(others(names, &name), ["child", "grandchild"]);
    }

    #[test]
    fn reserved_names_are_refused() {
        let admin = caller(&Scope::ALL, None);
        for reserved in ["admin", "CRON", "anonymous"] {
            let request = CreateTokenRequest {
                name: TokenName::parse(reserved).unwrap(),
                ..request(&[Scope::Read], None)
            };
            match check_grant(&admin, &request, 0) {
                Err(ApiError::BadRequest(message)) => assert!(message.contains("audit log")),
                other => panic!("{reserved}: {other:?}"),
            }
        }
    }

    #[test]
    fn expiry_is_to_come_and_never_later_than_the_makers() {
        let forever = caller(&Scope::ALL, None);
        assert!(matches!(
            check_grant(&forever, &request(&[Scope::Read], Some(100)), 100),
            Err(ApiError::BadRequest(_))
        ));
        assert!(check_grant(&forever, &request(&[Scope::Read], Some(101)), 100).is_ok());
        let mortal = caller(&Scope::ALL, Some(1_000));
        for expires in [None, Some(1_001)] {
            assert!(matches!(
                check_grant(&mortal, &request(&[Scope::Read], expires), 100),
                Err(ApiError::Forbidden(_))
            ));
        }
        assert!(check_grant(&mortal, &request(&[Scope::Read], Some(1_000)), 100).is_ok());
    }
}
