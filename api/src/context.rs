//! What every handler gets: the settings and the bindings, and who is
//! calling (`AppContext::authorize`).

use crate::config::{self, Config};
use crate::error::{ApiError, ApiResult};
use crate::{auth, tokens};
use imghost_shared::api::access;
use std::rc::Rc;
use worker::{Bucket, D1Database, Env, RateLimiter, Request};

/// How long a client that failed authentication too often is told to wait;
/// the window of the AUTH_FAILURES rate limit in wrangler.toml.
const AUTH_FAILURE_WINDOW_SECONDS: u32 = 60;

const UNLIMITED_WARNING: &str = "The AUTH_FAILURES rate-limit binding is missing, so failed \
     logins are not limited: add the [[ratelimits]] table of wrangler.toml";

const NO_TRASH_BUCKET: &str = "The TRASH_BUCKET binding is missing, so nothing can be \
     deleted (a trash in the image bucket would stay public): create a private bucket \
     (`wrangler r2 bucket create imghost-trash`) and add its [[r2_buckets]] table from \
     wrangler.toml";

/// Says once per isolate, in the Worker's log, that failed logins are not
/// limited (a Worker has no start-up hook; its first request is the start).
fn warn_once_unlimited() {
    thread_local!(static WARNED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if !WARNED.replace(true) {
        worker::console_warn!("{UNLIMITED_WARNING}");
    }
}

/// Why a limit has no effect: its value is not a whole number.
pub fn unreadable_warning(name: &str) -> String {
    format!(
        "{name} is not a whole number: fix it in wrangler.toml [vars]. Until then {}",
        if config::QUOTA_VARS.contains(&name) {
            "uploads are refused"
        } else {
            "the daily clean-up leaves what it governs alone"
        }
    )
}

/// What every handler gets: the settings and the bindings.
pub struct AppContext {
    pub config: Rc<Config>,
    /// The image bucket: what a custom domain on it serves.
    pub bucket: Bucket,
    /// The private bucket the trash lives in; `None` when the binding is
    /// missing (then nothing can be deleted: see `trash_bucket`).
    trash: Option<Bucket>,
    pub db: D1Database,
    /// Counts failed authentications per client (optional binding).
    auth_failures: Option<RateLimiter>,
}

impl AppContext {
    pub fn new(env: &Env, config: Rc<Config>) -> worker::Result<Self> {
        let auth_failures = env.rate_limiter("AUTH_FAILURES").ok();
        if auth_failures.is_none() {
            warn_once_unlimited();
        }
        Ok(Self {
            config,
            bucket: env.bucket("IMAGE_BUCKET")?,
            trash: env.bucket("TRASH_BUCKET").ok(),
            db: env.d1("DB")?,
            auth_failures,
        })
    }

    /// What the operator should fix, in words; shown in stats and the UI.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if let config::AuthMode::Token(token) = &self.config.auth {
            warnings.extend(auth::token_weakness(token));
        }
        if self.auth_failures.is_none() {
            warnings.push(UNLIMITED_WARNING.into());
        }
        if self.trash.is_none() {
            warnings.push(NO_TRASH_BUCKET.into());
        }
        warnings.extend(
            self.config
                .unreadable
                .iter()
                .map(|name| unreadable_warning(name)),
        );
        warnings.extend(self.config.key_template.as_ref().err().cloned());
        warnings
    }

    /// Who is calling, refused unless they hold the scope the route needs
    /// (`shared::api::access::ACCESS`). A client that keeps sending wrong
    /// tokens gets 429 instead of 401 until its window passes.
    pub async fn authorize(&self, req: &Request) -> ApiResult<auth::Caller> {
        let header = req.headers().get("Authorization")?;
        let outcome = match auth::check(&self.config.auth, header.as_deref()) {
            Ok(auth::Presented::Known(caller)) => Ok(caller),
            Ok(auth::Presented::Named(token)) => tokens::admit(&self.db, token).await,
            Err(error) => Err(error),
        };
        let failed = matches!(
            outcome,
            Err(ApiError::Unauthorized | ApiError::TokenRejected(_))
        );
        if let (true, Some(limiter)) = (failed, &self.auth_failures) {
            let ip = req.headers().get("CF-Connecting-IP")?;
            if !limiter
                .limit(auth::client_key(ip.as_deref()))
                .await?
                .success
            {
                return Err(ApiError::TooManyRequests {
                    retry_after_seconds: AUTH_FAILURE_WINDOW_SECONDS,
                });
            }
        }
        let caller = outcome?;
        let url = crate::web_url::of_request(req)?;
        caller.require(access::scope_for_request(
            &req.inner().method(),
            &url.pathname,
            &url.query,
        ))?;
        Ok(caller)
    }

    /// Base of public image URLs: the configured one, else this Worker's
    /// own `/i` at the address the request came to. Built for each answer
    /// and never stored, so a request's Host cannot reach anyone else.
    pub fn image_base_url(&self, req: &Request) -> ApiResult<String> {
        Ok(self
            .config
            .image_base_url(&crate::web_url::of_request(req)?.origin))
    }
}

impl AppContext {
    /// The private trash bucket, or 503 saying how to add it: without it a
    /// deleted image would have nowhere private to go.
    pub fn trash_bucket(&self) -> ApiResult<&Bucket> {
        self.trash
            .as_ref()
            .ok_or_else(|| ApiError::NotConfigured(NO_TRASH_BUCKET.into()))
    }
}
