//! `imghost album ...` and `imghost tag ...`: organising the library.
//! Albums are named by their path (`Travel/Japan`); nothing here changes
//! a key or a URL.

use crate::client::Client;
use crate::error::Error;
use crate::upload::print_stdout;
use imghost_shared::api::albums::{
    find_by_path, path_of, Album, AlbumId, AlbumImagesRequest, AlbumName, CreateAlbumRequest,
    ShareAlbumRequest, TagImagesRequest, TagName, UpdateAlbumRequest,
};
use imghost_shared::api::ImageId;
use std::collections::HashMap;

/// The album a path names, from the server's list.
pub async fn resolve(client: &Client, path: &str) -> Result<AlbumId, Error> {
    let albums = client.albums().await?.albums;
    find_by_path(&albums, path)
        .ok_or_else(|| Error::Usage(format!("no album {path:?}: see `imghost album list`")))
}

/// `imghost album list`: one line per album, its path, images and link.
pub async fn list(client: &Client, json: bool) -> Result<u8, Error> {
    let albums = client.albums().await?.albums;
    if json {
        crate::print_json(&albums);
        return Ok(0);
    }
    print_stdout(&table(&albums));
    Ok(0)
}

/// `PATH  IMAGES  SHARED`, sorted by path.
pub fn table(albums: &[Album]) -> String {
    let mut rows: Vec<(String, &Album)> = albums
        .iter()
        .map(|album| (path_of(albums, album.id), album))
        .collect();
    rows.sort_by_key(|(path, _)| path.to_lowercase());
    let width = rows
        .iter()
        .map(|(path, _)| path.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = format!("{:<width$}  {:>6}  {}\n", "ALBUM", "IMAGES", "SHARED");
    for (path, album) in rows {
        let shared = album.share.as_ref().map_or("-", |share| share.url.as_str());
        out.push_str(&format!(
            "{path:<width$}  {:>6}  {shared}\n",
            album.image_count
        ));
    }
    out
}

/// `imghost album create Travel/Japan`: makes every missing level.
pub async fn create(client: &Client, path: &str) -> Result<u8, Error> {
    let id = ensure(client, path).await?;
    print_stdout(&format!("{id}\n"));
    Ok(0)
}

/// The album at `path`, made (with its parents) if missing.
pub async fn ensure(client: &Client, path: &str) -> Result<AlbumId, Error> {
    let mut albums = client.albums().await?.albums;
    ensure_in(client, &mut albums, path).await
}

/// Every album of `paths`, made if missing: path (lowercase) → id. One
/// listing of the albums for all of them.
pub async fn ensure_all(
    client: &Client,
    paths: &[String],
) -> Result<HashMap<String, AlbumId>, Error> {
    let mut found = HashMap::new();
    if paths.is_empty() {
        return Ok(found);
    }
    let mut albums = client.albums().await?.albums;
    for path in paths {
        let id = ensure_in(client, &mut albums, path).await?;
        found.insert(path.to_ascii_lowercase(), id);
    }
    Ok(found)
}

async fn ensure_in(client: &Client, albums: &mut Vec<Album>, path: &str) -> Result<AlbumId, Error> {
    let mut parent: Option<AlbumId> = None;
    let mut walked = String::new();
    for part in path
        .split('/')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        walked = if walked.is_empty() {
            part.to_string()
        } else {
            format!("{walked}/{part}")
        };
        parent = Some(match find_by_path(albums, &walked) {
            Some(id) => id,
            None => {
                let name = AlbumName::parse(part).map_err(Error::Usage)?;
                let made = client
                    .create_album(&CreateAlbumRequest {
                        name,
                        parent_id: parent,
                    })
                    .await?
                    .album;
                let id = made.id;
                albums.push(made);
                id
            }
        });
    }
    parent.ok_or_else(|| Error::Usage("give an album's name, e.g. Travel/Japan".into()))
}

pub async fn delete(client: &Client, path: &str) -> Result<u8, Error> {
    let id = resolve(client, path).await?;
    client.delete_album(id).await?;
    eprintln!("deleted album {path:?}; its images stay where they are");
    Ok(0)
}

pub async fn rename(client: &Client, path: &str, name: AlbumName) -> Result<u8, Error> {
    let id = resolve(client, path).await?;
    let update = UpdateAlbumRequest {
        name: Some(name),
        ..UpdateAlbumRequest::default()
    };
    client.update_album(id, &update).await?;
    Ok(0)
}

/// `imghost album add|remove PATH ID...`
pub async fn images(
    client: &Client,
    path: &str,
    ids: Vec<ImageId>,
    add: bool,
) -> Result<u8, Error> {
    let id = resolve(client, path).await?;
    let mut total = (0, 0);
    for chunk in ids.chunks(imghost_shared::api::albums::MAX_BULK_IMAGES) {
        let request = if add {
            AlbumImagesRequest {
                add: chunk.to_vec(),
                ..AlbumImagesRequest::default()
            }
        } else {
            AlbumImagesRequest {
                remove: chunk.to_vec(),
                ..AlbumImagesRequest::default()
            }
        };
        let changed = client.album_images(id, &request).await?;
        total = (total.0 + changed.added, total.1 + changed.removed);
    }
    eprintln!("{path}: {} added, {} removed", total.0, total.1);
    Ok(0)
}

/// `imghost album share PATH`: prints the link (the same one each time).
pub async fn share(client: &Client, path: &str, expires_in_days: Option<u32>) -> Result<u8, Error> {
    let id = resolve(client, path).await?;
    let expires_at = crate::token::expires_at(crate::token::now_ms(), expires_in_days);
    let update = UpdateAlbumRequest {
        share: Some(Some(ShareAlbumRequest { expires_at })),
        ..UpdateAlbumRequest::default()
    };
    let album = client.update_album(id, &update).await?.album;
    let url = album.share.map(|share| share.url).unwrap_or_default();
    print_stdout(&format!("{url}\n"));
    Ok(0)
}

pub async fn unshare(client: &Client, path: &str) -> Result<u8, Error> {
    let id = resolve(client, path).await?;
    let update = UpdateAlbumRequest {
        share: Some(None),
        ..UpdateAlbumRequest::default()
    };
    client.update_album(id, &update).await?;
    eprintln!("{path}: its link no longer opens it");
    Ok(0)
}

/// `imghost tag list`
pub async fn list_tags(client: &Client, json: bool) -> Result<u8, Error> {
    let tags = client.tags().await?.tags;
    if json {
        crate::print_json(&tags);
        return Ok(0);
    }
    let mut out = String::new();
    for tag in tags {
        out.push_str(&format!("{}\t{}\n", tag.name, tag.image_count));
    }
    print_stdout(&out);
    Ok(0)
}

/// `imghost tag add|remove TAGS ID...`
pub async fn tag_images(
    client: &Client,
    tags: Vec<TagName>,
    ids: Vec<ImageId>,
    add: bool,
) -> Result<u8, Error> {
    let mut total = (0, 0);
    for chunk in ids.chunks(imghost_shared::api::albums::MAX_BULK_IMAGES) {
        let request = TagImagesRequest {
            image_ids: chunk.to_vec(),
            add: if add { tags.clone() } else { Vec::new() },
            remove: if add { Vec::new() } else { tags.clone() },
        };
        let changed = client.tag_images(&request).await?;
        total = (total.0 + changed.added, total.1 + changed.removed);
    }
    eprintln!("{} tags added, {} removed", total.0, total.1);
    Ok(0)
}
