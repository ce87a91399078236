//! The imghost Worker: one fetch handler, one router, named handlers.

mod auth;
mod config;
mod cors;
mod error;
mod files;
mod images;

use config::Config;
use error::{ApiError, ApiResult};
use serde::Serialize;
use std::future::Future;
use worker::{event, Bucket, Context, D1Database, Env, Method, Request, Response, Router};

/// What every handler gets: the settings and the storage bindings.
pub struct AppContext {
    pub config: Config,
    pub bucket: Bucket,
    pub db: D1Database,
}

impl AppContext {
    fn new(env: &Env) -> worker::Result<Self> {
        Ok(Self {
            config: Config::from_env(env),
            bucket: env.bucket("IMAGE_BUCKET")?,
            db: env.d1("DB")?,
        })
    }

    /// Checks the admin token on a protected route.
    async fn authorize(&self, req: &Request) -> ApiResult<()> {
        let header = req.headers().get("Authorization")?;
        auth::check(&self.config.auth, header.as_deref())
    }

    /// Base of public image URLs for this request.
    fn image_base_url(&self, req: &Request) -> ApiResult<String> {
        Ok(self
            .config
            .image_base_url(&req.url()?.origin().ascii_serialization()))
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let app = AppContext::new(&env)?;
    let origin = req.headers().get("Origin")?;
    let allowed_origins = app.config.allowed_origins.clone();
    if req.method() == Method::Options {
        return Ok(cors::preflight(&allowed_origins, origin.as_deref()));
    }
    let response = Router::with_data(app)
        .post_async("/upload", |req, ctx| {
            respond(images::handle_upload(req, ctx))
        })
        .get_async("/query", |req, ctx| respond(images::handle_query(req, ctx)))
        .delete_async("/delete", |req, ctx| {
            respond(images::handle_delete(req, ctx))
        })
        .get_async("/i/*key", |req, ctx| respond(files::handle_serve(req, ctx)))
        .head_async("/i/*key", |req, ctx| respond(files::handle_serve(req, ctx)))
        .or_else_any_method_async("/*path", |req, _| async move {
            Ok(ApiError::NotFound(format!("No route for {}", req.path())).into_response())
        })
        .run(req, env)
        .await?;
    // The router answers a known path with the wrong method in plain text;
    // give it the JSON shape of every other error.
    let response = if response.status_code() == 405 {
        ApiError::MethodNotAllowed.into_response()
    } else {
        response
    };
    Ok(cors::apply(response, &allowed_origins, origin.as_deref()))
}

async fn respond(handler: impl Future<Output = ApiResult<Response>>) -> worker::Result<Response> {
    Ok(handler.await.unwrap_or_else(ApiError::into_response))
}

fn json<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(Response::from_json(value)?)
}
