//! Albums and tags over HTTP: listed with `read`, changed with `organize`,
//! every change audited in the batch that makes it. Keys and URLs never
//! change: albums and tags are rows beside the images.

pub mod queries;
pub mod shared_page;

use crate::audit::Actor;
use crate::context::AppContext;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, json_body, query_string};
use crate::web_url;
use imghost_shared::api::albums::{
    bulk_ids, check_placement, json_ids, json_tags, Album, AlbumId, AlbumImagesRequest,
    AlbumListResponse, AlbumName, AlbumResponse, AlbumShare, CreateAlbumRequest,
    LabelChangeResponse, RemovedResponse, ShareAlbumRequest, Tag, TagImagesRequest,
    TagListResponse, TagName, UpdateAlbumRequest, MAX_BULK_TAGS,
};
use imghost_shared::api::query_string::{decode_pairs, first_value};
use imghost_shared::api::{routes, AuditAction, ImageId};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Date, Request, Response};

/// Random bytes in a share link's token: 128 bits.
const SHARE_TOKEN_BYTES: usize = 16;

/// An album as D1 keeps it.
#[derive(Deserialize)]
struct AlbumRow {
    id: i64,
    name: String,
    parent_id: Option<i64>,
    cover_image_id: Option<i64>,
    image_count: i64,
    created_at: i64,
    share_token: Option<String>,
    share_expires_at: Option<i64>,
    /// The cover's thumbnail key, or its image's.
    cover_key: Option<String>,
}

impl AlbumRow {
    /// The album as the API shows it, its link only if not past `now`.
    fn album(self, urls: &Urls, now: i64) -> ApiResult<Album> {
        Ok(Album {
            id: AlbumId(self.id),
            name: AlbumName::parse(&self.name).map_err(ApiError::Internal)?,
            parent_id: self.parent_id.map(AlbumId),
            cover_image_id: self.cover_image_id.map(ImageId),
            cover_url: self
                .cover_key
                .map(|key| routes::image_url(&urls.images, &key)),
            image_count: self.image_count.max(0) as u64,
            created_at: self.created_at,
            // A link past its expiry opens nothing: the album is not shared.
            share: self
                .share_token
                .filter(|_| self.share_expires_at.is_none_or(|at| at > now))
                .map(|token| AlbumShare {
                    url: format!("{}{}{token}", urls.origin, routes::SHARED_ALBUM_PREFIX),
                    expires_at: self.share_expires_at,
                }),
        })
    }
}

/// `sql` with its parameters (one function, not inlined in each handler:
/// the Worker's wasm has a size budget).
#[inline(never)]
fn statement(db: &D1Database, sql: &str, params: &[JsValue]) -> ApiResult<D1PreparedStatement> {
    Ok(db.prepare(sql).bind(params)?)
}

fn int(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}

fn optional(value: Option<i64>) -> JsValue {
    value.map_or(JsValue::NULL, int)
}

async fn all_albums(db: &D1Database) -> ApiResult<Vec<AlbumRow>> {
    Ok(db.prepare(queries::ALBUM_LIST).all().await?.results()?)
}

async fn album_row(db: &D1Database, id: AlbumId) -> ApiResult<AlbumRow> {
    statement(db, queries::ALBUM_GET, &[int(id.0)])?
        .first::<AlbumRow>(None)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("No album {id}")))
}

/// Runs `statements` and the audit row after them in one batch; their
/// results, the audit row's left out.
async fn audited_batch(
    db: &D1Database,
    mut statements: Vec<D1PreparedStatement>,
    record: D1PreparedStatement,
) -> ApiResult<Vec<D1Result>> {
    statements.push(record);
    let mut results = db.batch(statements).await?;
    results.pop();
    Ok(results)
}

fn changes(result: &D1Result) -> u64 {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|meta| meta.changes)
        .unwrap_or(0) as u64
}

fn first_album(results: Vec<D1Result>, urls: &Urls) -> ApiResult<Option<Album>> {
    results
        .into_iter()
        .next()
        .map(|result| result.results::<AlbumRow>())
        .transpose()?
        .and_then(|rows| rows.into_iter().next())
        .map(|row| row.album(urls, Date::now().as_millis() as i64))
        .transpose()
}

fn name_taken(name: &AlbumName) -> ApiError {
    ApiError::Conflict(format!(
        "An album named {} is already there: choose another name or place",
        name.as_str()
    ))
}

/// The album and tag routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    ListAlbums,
    CreateAlbum,
    UpdateAlbum,
    DeleteAlbum,
    AlbumImages,
    ListTags,
    TagImages,
    DeleteTag,
}

/// Where the API's pages (shared albums) and the images are served.
struct Urls {
    origin: String,
    images: String,
}

/// What a route reads before it plans its change.
struct Known {
    query: String,
    urls: Urls,
    albums: Vec<AlbumRow>,
    actor: Actor,
}

impl Known {
    fn album(&self, id: AlbumId) -> ApiResult<&AlbumRow> {
        self.albums
            .iter()
            .find(|row| row.id == id.0)
            .ok_or_else(|| ApiError::NotFound(format!("No album {id}")))
    }

    fn placement(&self) -> Vec<(AlbumId, Option<AlbumId>)> {
        self.albums
            .iter()
            .map(|row| (AlbumId(row.id), row.parent_id.map(AlbumId)))
            .collect()
    }

    fn album_id(&self) -> ApiResult<AlbumId> {
        let pairs = decode_pairs(&self.query);
        let value = first_value(&pairs, "id").unwrap_or_default();
        AlbumId::parse(value).ok_or_else(|| {
            ApiError::BadRequest(format!("Give the album's id: ?id=N (not `{value}`)"))
        })
    }

    fn tag_name(&self) -> ApiResult<TagName> {
        let pairs = decode_pairs(&self.query);
        TagName::parse(first_value(&pairs, "name").unwrap_or_default())
            .map_err(ApiError::BadRequest)
    }

    /// Whether a sibling under `parent` other than `album` has `name`.
    fn name_taken(&self, name: &AlbumName, parent: Option<i64>, album: Option<i64>) -> bool {
        self.albums.iter().any(|row| {
            row.parent_id == parent
                && Some(row.id) != album
                && row.name.eq_ignore_ascii_case(name.as_str())
        })
    }
}

/// How a planned batch is answered.
enum Answer {
    Albums,
    /// The album the first statement returns; else this error.
    Album(ApiError),
    /// Whether the statement at this index changed a row; else this error.
    Removed(usize, Option<ApiError>),
    /// Links added and removed by the statements at these indexes.
    Changes(Vec<usize>, Vec<usize>),
    Tags,
}

/// Every album and tag route: authorize, read the body and the albums,
/// plan the change (checks and statements, no I/O), run it in one batch
/// with its audit row, answer. One async path for all of them keeps the
/// Worker's wasm small.
pub async fn handle(mut req: Request, app: &AppContext, route: Route) -> ApiResult<Response> {
    let caller = app.authorize(&req).await?;
    let body = match route {
        Route::CreateAlbum | Route::UpdateAlbum | Route::AlbumImages | Route::TagImages => {
            Some(json_body(&mut req).await)
        }
        _ => None,
    };
    // The tag routes never look at albums: no read of them.
    let albums = match route {
        Route::ListTags | Route::TagImages | Route::DeleteTag => Vec::new(),
        _ => all_albums(&app.db).await?,
    };
    let origin = web_url::of_request(&req)?.origin;
    let known = Known {
        query: query_string(&req)?,
        urls: Urls {
            images: app.config.image_base_url(&origin),
            origin,
        },
        albums,
        actor: Actor::of(&caller, &req)?,
    };
    let (statements, answer) = plan(route, &known, &app.db, body)?;
    let results = match statements.is_empty() {
        true => Vec::new(),
        false => app.db.batch(statements).await?,
    };
    respond(answer, results, known)
}

fn body<T: serde::de::DeserializeOwned>(
    body: Option<Result<JsValue, ()>>,
    example: &str,
) -> ApiResult<T> {
    crate::http::from_json(body.unwrap_or(Err(())), example)
}

type Plan = (Vec<D1PreparedStatement>, Answer);

fn plan(
    route: Route,
    known: &Known,
    db: &D1Database,
    sent: Option<Result<JsValue, ()>>,
) -> ApiResult<Plan> {
    let record = |action, target: Option<&str>, detail: Option<&str>| {
        Ok::<_, ApiError>(known.actor.record(db, action, target, detail)?)
    };
    let record_always = |action, target: Option<&str>, detail: Option<&str>| {
        Ok::<_, ApiError>(known.actor.record_always(db, action, target, detail)?)
    };
    Ok(match route {
        Route::ListAlbums => (Vec::new(), Answer::Albums),
        Route::ListTags => (vec![statement(db, queries::TAG_LIST, &[])?], Answer::Tags),
        Route::CreateAlbum => {
            let request: CreateAlbumRequest =
                body(sent, r#"{"name": "Travel", "parent_id": null}"#)?;
            check_placement(&known.placement(), None, request.parent_id)
                .map_err(ApiError::BadRequest)?;
            let name = request.name.as_str();
            let create = statement(
                db,
                queries::ALBUM_CREATE,
                &[
                    name.into(),
                    optional(request.parent_id.map(|id| id.0)),
                    int(Date::now().as_millis() as i64),
                ],
            )?;
            (
                vec![create, record(AuditAction::AlbumCreate, None, Some(name))?],
                Answer::Album(name_taken(&request.name)),
            )
        }
        Route::UpdateAlbum => {
            let id = known.album_id()?;
            let request: UpdateAlbumRequest = body(
                sent,
                r#"{"name": "Japan", "parent_id": 3, "cover_image_id": 41, "share": {"expires_at": null}}"#,
            )?;
            let current = known.album(id)?;
            let parent = request
                .parent_id
                .map_or(current.parent_id, |parent| parent.map(|p| p.0));
            if let Some(parent) = request.parent_id {
                check_placement(&known.placement(), Some(id), parent)
                    .map_err(ApiError::BadRequest)?;
            }
            let name = request
                .name
                .clone()
                .unwrap_or_else(|| AlbumName::parse(&current.name).unwrap_or(request_name(id)));
            if known.name_taken(&name, parent, Some(id.0)) {
                return Err(name_taken(&name));
            }
            let now = Date::now().as_millis() as i64;
            let share = request.share.clone();
            if let Some(Some(ShareAlbumRequest {
                expires_at: Some(at),
            })) = share
            {
                if at <= now {
                    return Err(ApiError::BadRequest(
                        "share.expires_at is in the past: give a time to come, \
                         in milliseconds since 1970"
                            .into(),
                    ));
                }
            }
            let update = statement(
                db,
                queries::ALBUM_UPDATE,
                &[
                    int(id.0),
                    request
                        .name
                        .as_ref()
                        .map_or(JsValue::NULL, |name| name.as_str().into()),
                    request.parent_id.is_some().into(),
                    optional(request.parent_id.flatten().map(|p| p.0)),
                    request.cover_image_id.is_some().into(),
                    optional(request.cover_image_id.flatten().map(|c| c.0)),
                    share.is_some().into(),
                    match &share {
                        Some(Some(_)) => crate::tokens::random_hex(SHARE_TOKEN_BYTES)?.into(),
                        _ => JsValue::NULL,
                    },
                    optional(share.flatten().and_then(|share| share.expires_at)),
                    int(now),
                ],
            )?;
            let detail = describe_update(&request);
            // No row changed: the cover was not the album's, or (a request
            // racing this one) the name was taken or the album deleted.
            let unchanged = match request.cover_image_id.flatten() {
                Some(cover) => ApiError::BadRequest(format!(
                    "Image {cover} is not in album {id}: a cover is one of the album's images"
                )),
                None => ApiError::Conflict(format!(
                    "Album {id} changed meanwhile: list the albums again and retry"
                )),
            };
            (
                vec![
                    update,
                    record(
                        AuditAction::AlbumUpdate,
                        Some(&id.to_string()),
                        Some(&detail),
                    )?,
                ],
                Answer::Album(unchanged),
            )
        }
        Route::DeleteAlbum => {
            let id = known.album_id()?;
            let album = known.album(id)?;
            if known.albums.iter().any(|row| row.parent_id == Some(id.0)) {
                return Err(ApiError::Conflict(format!(
                    "Album {} has sub-albums: delete or move them first",
                    album.name
                )));
            }
            let target = id.to_string();
            (
                vec![
                    statement(db, queries::ALBUM_DELETE, &[int(id.0)])?,
                    record(AuditAction::AlbumDelete, Some(&target), Some(&album.name))?,
                    statement(db, queries::ALBUM_UNLINK_ALL, &[int(id.0)])?,
                ],
                Answer::Removed(0, None),
            )
        }
        Route::AlbumImages => {
            let id = known.album_id()?;
            let request: AlbumImagesRequest = body(
                sent,
                r#"{"add": [12, 13], "remove": [7], "from_album_id": null}"#,
            )?;
            known.album(id)?;
            if let Some(from) = request.from_album_id {
                known.album(from)?;
            }
            let add = bulk_ids(&request.add).map_err(ApiError::BadRequest)?;
            let remove = bulk_ids(&request.remove).map_err(ApiError::BadRequest)?;
            let add = json_ids(add.iter().map(|image| image.0));
            let remove = json_ids(remove.iter().map(|image| image.0));
            let mut statements = vec![
                statement(db, queries::ALBUM_ADD, &[int(id.0), add.as_str().into()])?,
                statement(
                    db,
                    queries::ALBUM_REMOVE,
                    &[int(id.0), remove.as_str().into()],
                )?,
                statement(
                    db,
                    queries::ALBUM_UNCOVER,
                    &[int(id.0), remove.as_str().into()],
                )?,
            ];
            let from = request.from_album_id.filter(|from| *from != id);
            if let Some(from) = from {
                statements.push(statement(
                    db,
                    queries::ALBUM_MOVE_OUT,
                    &[int(from.0), add.as_str().into(), int(id.0)],
                )?);
                statements.push(statement(
                    db,
                    queries::ALBUM_UNCOVER,
                    &[int(from.0), add.as_str().into()],
                )?);
            }
            let detail = format!(
                "add {add} remove {remove}{}",
                from.map_or(String::new(), |from| format!(" from album {from}"))
            );
            statements.push(record_always(
                AuditAction::AlbumImages,
                Some(&id.to_string()),
                Some(&detail),
            )?);
            (statements, Answer::Changes(vec![0], vec![1]))
        }
        Route::TagImages => {
            let request: TagImagesRequest = body(
                sent,
                r#"{"image_ids": [12, 13], "add": ["tokyo"], "remove": ["draft"]}"#,
            )?;
            let ids = bulk_ids(&request.image_ids).map_err(ApiError::BadRequest)?;
            if request.add.len() + request.remove.len() > MAX_BULK_TAGS {
                return Err(ApiError::BadRequest(format!(
                    "At most {MAX_BULK_TAGS} tags per request"
                )));
            }
            let ids = json_ids(ids.iter().map(|image| image.0));
            let mut statements = Vec::new();
            let (mut added, mut removed) = (Vec::new(), Vec::new());
            for tag in &request.add {
                statements.push(statement(db, queries::TAG_CREATE, &[tag.as_str().into()])?);
                added.push(statements.len());
                statements.push(statement(
                    db,
                    queries::TAG_ADD,
                    &[tag.as_str().into(), ids.as_str().into()],
                )?);
            }
            for tag in &request.remove {
                removed.push(statements.len());
                statements.push(statement(
                    db,
                    queries::TAG_REMOVE,
                    &[tag.as_str().into(), ids.as_str().into()],
                )?);
            }
            let detail = format!(
                "add [{}] remove [{}] on {ids}",
                json_tags(&request.add),
                json_tags(&request.remove)
            );
            statements.push(record_always(AuditAction::Tags, None, Some(&detail))?);
            (statements, Answer::Changes(added, removed))
        }
        Route::DeleteTag => {
            let tag = known.tag_name()?;
            let name = [tag.as_str().into()];
            (
                vec![
                    statement(db, queries::TAG_UNLINK_ALL, &name)?,
                    statement(db, queries::TAG_DELETE, &name)?,
                    record(AuditAction::TagDelete, Some(tag.as_str()), None)?,
                ],
                Answer::Removed(1, Some(ApiError::NotFound(format!("No tag {tag}")))),
            )
        }
    })
}

/// A stand-in name for an album whose stored name no longer parses (it
/// cannot happen through the API).
fn request_name(id: AlbumId) -> AlbumName {
    AlbumName::parse(&format!("album {id}")).expect("a valid name")
}

fn respond(answer: Answer, results: Vec<D1Result>, known: Known) -> ApiResult<Response> {
    let urls = known.urls;
    let now = Date::now().as_millis() as i64;
    match answer {
        Answer::Albums => json(&AlbumListResponse {
            success: true,
            albums: known
                .albums
                .into_iter()
                .map(|row| row.album(&urls, now))
                .collect::<ApiResult<Vec<_>>>()?,
        }),
        Answer::Album(otherwise) => json(&AlbumResponse {
            success: true,
            album: first_album(results, &urls)?.ok_or(otherwise)?,
        }),
        Answer::Removed(index, otherwise) => {
            let removed = results.get(index).is_some_and(|result| changes(result) > 0);
            match otherwise {
                Some(error) if !removed => Err(error),
                _ => json(&RemovedResponse {
                    success: true,
                    removed,
                }),
            }
        }
        Answer::Changes(added, removed) => {
            let sum = |indexes: Vec<usize>| -> u64 {
                indexes
                    .into_iter()
                    .filter_map(|index| results.get(index))
                    .map(|result| {
                        result
                            .results::<serde::de::IgnoredAny>()
                            .map_or(0, |rows| rows.len() as u64)
                    })
                    .sum()
            };
            json(&LabelChangeResponse {
                success: true,
                added: sum(added),
                removed: sum(removed),
            })
        }
        Answer::Tags => {
            let rows = match results.into_iter().next() {
                Some(result) => result.results::<TagRow>()?,
                None => Vec::new(),
            };
            let tags = rows
                .into_iter()
                .filter_map(|row| {
                    Some(Tag {
                        name: TagName::parse(&row.name).ok()?,
                        image_count: row.image_count.max(0) as u64,
                    })
                })
                .collect();
            json(&TagListResponse {
                success: true,
                tags,
            })
        }
    }
}

fn describe_update(request: &UpdateAlbumRequest) -> String {
    let mut parts = Vec::new();
    if let Some(name) = &request.name {
        parts.push(format!("name={}", name.as_str()));
    }
    let or_none = |id: Option<i64>| id.map_or("none".into(), |id| id.to_string());
    if let Some(parent) = request.parent_id {
        parts.push(format!("parent={}", or_none(parent.map(|p| p.0))));
    }
    if let Some(cover) = request.cover_image_id {
        parts.push(format!("cover={}", or_none(cover.map(|c| c.0))));
    }
    match &request.share {
        None => {}
        Some(None) => parts.push("share=none".into()),
        Some(Some(share)) => parts.push(format!(
            "share=until {}",
            share
                .expires_at
                .map_or("revoked by hand".into(), |at| at.to_string())
        )),
    }
    parts.join(" ")
}

#[derive(Deserialize)]
struct TagRow {
    name: String,
    image_count: i64,
}

/// Labels an upload asked for (`?album=N&tags=a,b`), checked before
/// anything is stored: an unknown album is a 400 and stores nothing.
pub struct UploadLabels {
    pub album: Option<AlbumId>,
    pub tags: Vec<TagName>,
}

impl UploadLabels {
    pub async fn check(
        db: &D1Database,
        album: Option<AlbumId>,
        tags: Vec<TagName>,
    ) -> ApiResult<Self> {
        if let Some(id) = album {
            match album_row(db, id).await {
                Err(ApiError::NotFound(_)) => {
                    return Err(ApiError::BadRequest(format!(
                        "No album {id} to upload into"
                    )))
                }
                other => other?,
            };
        }
        if tags.len() > MAX_BULK_TAGS {
            return Err(ApiError::BadRequest(format!(
                "At most {MAX_BULK_TAGS} tags per upload"
            )));
        }
        Ok(Self { album, tags })
    }

    pub fn is_empty(&self) -> bool {
        self.album.is_none() && self.tags.is_empty()
    }

    /// Puts `image` in the album and gives it the tags.
    pub async fn apply(&self, db: &D1Database, actor: &Actor, image: ImageId) -> ApiResult<()> {
        if self.is_empty() {
            return Ok(());
        }
        let mut statements = Vec::new();
        for tag in &self.tags {
            statements.push(statement(db, queries::TAG_CREATE, &[tag.as_str().into()])?);
        }
        let names = json_tags(&self.tags);
        statements.push(statement(
            db,
            queries::LABEL_UPLOAD_TAGS,
            &[names.as_str().into(), int(image.0)],
        )?);
        if let Some(album) = self.album {
            statements.push(statement(
                db,
                queries::LABEL_UPLOAD_ALBUM,
                &[int(album.0), int(image.0)],
            )?);
        }
        let detail = format!(
            "album {} tags {names}",
            self.album.map_or("none".into(), |a| a.to_string())
        );
        let record = actor.record_always(
            db,
            AuditAction::Tags,
            Some(&image.to_string()),
            Some(&detail),
        )?;
        audited_batch(db, statements, record).await?;
        Ok(())
    }
}
