//! The imghost Worker: one fetch handler, one router, named handlers.

mod albums;
mod audit;
mod auth;
mod config;
mod context;
mod cors;
mod error;
mod files;
mod http;
mod images;
mod reconcile;
mod stats;
mod tinify;
mod tokens;
mod trash;
pub mod web_url;

use albums::Route;
use config::Config;
use context::AppContext;
use error::ApiError;
use imghost_shared::api::{access, routes};
use std::rc::Rc;
use worker::{event, Context, Env, Method, Request, Response};

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
    } else if let Some(shared) = shared_album_request(&raw) {
        // A shared album's page: public, read-only, no API token.
        let (token, query, origin) = shared;
        let db = env.d1("DB")?;
        albums::shared_page::handle_shared(&token, &query, &db, &config, &origin)
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

/// The token, query string and origin of a `GET /a/<token>`.
fn shared_album_request(raw: &web_sys::Request) -> Option<(String, String, String)> {
    if raw.method() != "GET" && raw.method() != "HEAD" {
        return None;
    }
    let url = web_url::parse(&raw.url(), None)?;
    let token = url.pathname.strip_prefix(routes::SHARED_ALBUM_PREFIX)?;
    Some((token.to_string(), url.query, url.origin))
}

/// The API's routes are fixed paths (`shared::api::routes`), so routing is
/// one match on method and path, each to its named handler.
async fn route_api(req: Request, env: Env, config: Rc<Config>) -> worker::Result<Response> {
    let app = AppContext::new(&env, config)?;
    let path = req.path();
    let answer = match (req.method(), path.as_str()) {
        (Method::Post, routes::UPLOAD) => images::handle_upload(req, &app).await,
        (Method::Get, routes::QUERY) => images::handle_query(req, &app).await,
        (Method::Put, routes::THUMBNAIL) => {
            images::handle_extra(req, &app, images::ExtraKind::Thumbnail).await
        }
        (Method::Put, routes::WIDTHS) => {
            images::handle_extra(req, &app, images::ExtraKind::Widths).await
        }
        (Method::Delete, routes::DELETE) => images::handle_delete(req, &app).await,
        (Method::Get, routes::STATS) => stats::handle_stats(req, &app).await,
        (Method::Get | Method::Post, routes::RECONCILE) => {
            reconcile::handle_reconcile(req, &app).await
        }
        (Method::Get, routes::TRASH) => trash::handle_list(req, &app).await,
        (Method::Post, routes::TRASH_RESTORE) => trash::handle_restore(req, &app).await,
        (Method::Delete, routes::TRASH) => trash::handle_purge(req, &app).await,
        (Method::Get, routes::AUDIT) => audit::handle_audit(req, &app).await,
        (Method::Get, routes::TOKENS) => tokens::handle_list(req, &app).await,
        (Method::Post, routes::TOKENS) => tokens::handle_create(req, &app).await,
        (Method::Delete, routes::TOKENS) => tokens::handle_revoke(req, &app).await,
        (Method::Get, routes::ALBUMS) => albums::handle(req, &app, Route::ListAlbums).await,
        (Method::Post, routes::ALBUMS) => albums::handle(req, &app, Route::CreateAlbum).await,
        (Method::Patch, routes::ALBUMS) => albums::handle(req, &app, Route::UpdateAlbum).await,
        (Method::Delete, routes::ALBUMS) => albums::handle(req, &app, Route::DeleteAlbum).await,
        (Method::Post, routes::ALBUM_IMAGES) => albums::handle(req, &app, Route::AlbumImages).await,
        (Method::Get, routes::TAGS) => albums::handle(req, &app, Route::ListTags).await,
        (Method::Post, routes::TAG_IMAGES) => albums::handle(req, &app, Route::TagImages).await,
        (Method::Delete, routes::TAGS) => albums::handle(req, &app, Route::DeleteTag).await,
        (_, known) if access::ACCESS.iter().any(|(_, route, _)| *route == known) => {
            Err(ApiError::MethodNotAllowed)
        }
        (_, unknown) => Err(ApiError::NotFound(format!("No route for {unknown}"))),
    };
    Ok(answer.unwrap_or_else(ApiError::into_response))
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
