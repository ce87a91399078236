//! The audit log: who changed what. Each row is written in the same D1
//! batch as the change it records, so no change goes unrecorded and no
//! refused change leaves a row.

use crate::auth::Caller;
use crate::context::AppContext;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_string};
use crate::images::queries;
use imghost_shared::api::audit::CRON_ACTOR;
use imghost_shared::api::{AuditAction, AuditEntry, AuditQuery, AuditResponse};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Date, Request, Response};

/// User agents are kept to this many characters.
const MAX_USER_AGENT_CHARS: usize = 256;

/// Who is making a change, as the log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub token: String,
    /// The named token's id; `None` for `ADMIN_TOKEN` and the cron.
    pub token_id: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Actor {
    pub fn of(caller: &Caller, req: &Request) -> ApiResult<Self> {
        let headers = req.headers();
        Ok(Self {
            token: caller.name.clone(),
            token_id: caller.token_id,
            ip: headers.get("CF-Connecting-IP")?,
            user_agent: headers
                .get("User-Agent")?
                .map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect()),
        })
    }

    pub fn cron() -> Self {
        Self {
            token: CRON_ACTOR.into(),
            token_id: None,
            ip: None,
            user_agent: None,
        }
    }

    /// The statement that records `action` if the statement before it in
    /// the same batch changed a row.
    pub fn record(
        &self,
        db: &D1Database,
        action: AuditAction,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> worker::Result<D1PreparedStatement> {
        self.statement(db, queries::AUDIT_RECORD_IF_CHANGED, action, target, detail)
    }

    /// The statement that records `action` whatever ran before it.
    pub fn record_always(
        &self,
        db: &D1Database,
        action: AuditAction,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> worker::Result<D1PreparedStatement> {
        self.statement(db, queries::AUDIT_RECORD, action, target, detail)
    }

    fn statement(
        &self,
        db: &D1Database,
        sql: &str,
        action: AuditAction,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> worker::Result<D1PreparedStatement> {
        let text = |value: Option<&str>| value.map_or(JsValue::NULL, JsValue::from_str);
        db.prepare(sql).bind(&[
            JsValue::from_f64(Date::now().as_millis() as f64),
            self.token.as_str().into(),
            action.as_str().into(),
            text(target),
            text(detail),
            text(self.ip.as_deref()),
            text(self.user_agent.as_deref()),
            self.token_id
                .map_or(JsValue::NULL, |id| JsValue::from_f64(id as f64)),
        ])
    }
}

/// Runs `change` and its audit row in one batch; the change's result.
pub async fn batch_with_record(
    db: &D1Database,
    change: D1PreparedStatement,
    record: D1PreparedStatement,
) -> worker::Result<worker::D1Result> {
    db.batch(vec![change, record])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| worker::Error::RustError("D1 batch returned no result".into()))
}

/// `GET /audit?limit=&cursor=`: newest first.
pub async fn handle_audit(req: Request, app: &AppContext) -> ApiResult<Response> {
    app.authorize(&req).await?;
    let query =
        AuditQuery::from_query_string(&query_string(&req)?).map_err(ApiError::BadRequest)?;
    let results: Vec<AuditEntry> = app
        .db
        .prepare(queries::AUDIT_PAGE)
        .bind(&[
            JsValue::from_f64(query.before.unwrap_or(i64::MAX) as f64),
            JsValue::from_f64(f64::from(query.limit)),
        ])?
        .all()
        .await?
        .results()?;
    let next_cursor = (results.len() == query.limit as usize)
        .then(|| results.last().map(|entry| entry.id.to_string()))
        .flatten();
    json(&AuditResponse {
        success: true,
        results,
        next_cursor,
    })
}

/// Deletes rows older than the retention; run by the Cron Trigger.
pub async fn prune(db: &D1Database, retention_days: u64, now_ms: i64) -> worker::Result<()> {
    let cutoff = now_ms - (retention_days as i64) * 86_400_000;
    db.prepare(queries::AUDIT_PRUNE)
        .bind(&[JsValue::from_f64(cutoff as f64)])?
        .run()
        .await?;
    Ok(())
}
