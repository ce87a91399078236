//! The imghost Worker: one fetch handler, one router, named handlers.

mod audit;
mod auth;
mod config;
mod cors;
mod error;
mod files;
mod images;
mod reconcile;
mod stats;
mod tinify;
mod tokens;
mod trash;

use config::Config;
use error::{ApiError, ApiResult};
use imghost_shared::api::{access, routes};
use serde::Serialize;
use std::future::Future;
use std::rc::Rc;
use worker::{event, Bucket, Context, D1Database, Env, RateLimiter, Request, Response, Router};

/// How long a client that failed authentication too often is told to wait;
/// the window of the AUTH_FAILURES rate limit in wrangler.toml.
const AUTH_FAILURE_WINDOW_SECONDS: u32 = 60;

const UNLIMITED_WARNING: &str = "The AUTH_FAILURES rate-limit binding is missing, so failed \
     logins are not limited: add the [[ratelimits]] table of wrangler.toml";

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
    pub bucket: Bucket,
    pub db: D1Database,
    /// Counts failed authentications per client (optional binding).
    auth_failures: Option<RateLimiter>,
}

impl AppContext {
    fn new(env: &Env, config: Rc<Config>) -> worker::Result<Self> {
        let auth_failures = env.rate_limiter("AUTH_FAILURES").ok();
        if auth_failures.is_none() {
            warn_once_unlimited();
        }
        Ok(Self {
            config,
            bucket: env.bucket("IMAGE_BUCKET")?,
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
        warnings.extend(
            self.config
                .unreadable
                .iter()
                .map(|name| unreadable_warning(name)),
        );
        warnings
    }

    /// Who is calling, refused unless they hold the scope the route needs
    /// (`shared::api::access::ACCESS`). A client that keeps sending wrong
    /// tokens gets 429 instead of 401 until its window passes.
    async fn authorize(&self, req: &Request) -> ApiResult<auth::Caller> {
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
        caller.require(access::required_scope(&req.inner().method(), &req.path()))?;
        Ok(caller)
    }

    /// Base of public image URLs: the configured one, else this Worker's
    /// own `/i` at the address the request came to. Built for each answer
    /// and never stored, so a request's Host cannot reach anyone else.
    fn image_base_url(&self, req: &Request) -> ApiResult<String> {
        Ok(self
            .config
            .image_base_url(&req.url()?.origin().ascii_serialization()))
    }
}

#[event(fetch)]
async fn fetch(raw: web_sys::Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let config = Config::from_env(&env);
    let origin = raw.headers().get("Origin")?;
    let response = if raw.method() == "OPTIONS" {
        cors::preflight(&config.allowed_origins, origin.as_deref())
    } else if let Some(image) = files::ImageRequest::from_raw(&raw) {
        // Images are the hot path: served without building the API's router.
        let bucket = env.bucket("IMAGE_BUCKET")?;
        files::handle_serve(&image, &bucket, &config)
            .await
            .unwrap_or_else(ApiError::into_response)
    } else {
        route_api(Request::from(raw), env, config.clone()).await?
    };
    Ok(cors::apply(
        response,
        &config.allowed_origins,
        origin.as_deref(),
    ))
}

async fn route_api(req: Request, env: Env, config: Rc<Config>) -> worker::Result<Response> {
    let app = AppContext::new(&env, config)?;
    let response = Router::with_data(app)
        .post_async(routes::UPLOAD, |req, ctx| {
            respond(images::handle_upload(req, ctx))
        })
        .get_async(routes::QUERY, |req, ctx| {
            respond(images::handle_query(req, ctx))
        })
        .put_async(routes::THUMBNAIL, |req, ctx| {
            respond(images::handle_thumbnail(req, ctx))
        })
        .delete_async(routes::DELETE, |req, ctx| {
            respond(images::handle_delete(req, ctx))
        })
        .get_async(routes::STATS, |req, ctx| {
            respond(stats::handle_stats(req, ctx))
        })
        .get_async(routes::RECONCILE, |req, ctx| {
            respond(reconcile::handle_reconcile(req, ctx))
        })
        .post_async(routes::RECONCILE, |req, ctx| {
            respond(reconcile::handle_reconcile(req, ctx))
        })
        .get_async(routes::TRASH, |req, ctx| {
            respond(trash::handle_list(req, ctx))
        })
        .post_async(routes::TRASH_RESTORE, |req, ctx| {
            respond(trash::handle_restore(req, ctx))
        })
        .delete_async(routes::TRASH, |req, ctx| {
            respond(trash::handle_purge(req, ctx))
        })
        .get_async(routes::AUDIT, |req, ctx| {
            respond(audit::handle_audit(req, ctx))
        })
        .get_async(routes::TOKENS, |req, ctx| {
            respond(tokens::handle_list(req, ctx))
        })
        .post_async(routes::TOKENS, |req, ctx| {
            respond(tokens::handle_create(req, ctx))
        })
        .delete_async(routes::TOKENS, |req, ctx| {
            respond(tokens::handle_revoke(req, ctx))
        })
        .or_else_any_method_async("/*path", |req, _| async move {
            Ok(ApiError::NotFound(format!("No route for {}", req.path())).into_response())
        })
        .run(req, env)
        .await?;
    // The router answers a known path with the wrong method in plain text;
    // give it the JSON shape of every other error.
    Ok(if response.status_code() == 405 {
        ApiError::MethodNotAllowed.into_response()
    } else {
        response
    })
}

/// The Cron Trigger: purges the trash past `TRASH_DAYS` and prunes the
/// audit log past `AUDIT_RETENTION_DAYS`.
#[event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    let config = Config::from_env(&env);
    let outcome = async {
        let app = AppContext::new(&env, config)?;
        trash::clean_up(&app).await
    }
    .await;
    if let Err(error) = outcome {
        worker::console_error!("scheduled clean-up failed: {error:?}");
    }
}

async fn respond(handler: impl Future<Output = ApiResult<Response>>) -> worker::Result<Response> {
    Ok(handler.await.unwrap_or_else(ApiError::into_response))
}

fn json<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(Response::from_json(value)?)
}

/// The request's query string, without the `?`.
fn query_string(req: &Request) -> ApiResult<String> {
    Ok(req.url()?.query().unwrap_or_default().to_string())
}
