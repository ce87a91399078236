//! Organising the library: albums (nested up to three levels) and tags,
//! both many-to-many with images and both metadata only: no key or URL
//! ever names an album or a tag, so organising never breaks a post.

use super::ImageId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Albums nest at most this deep (an album, its sub-album, and theirs).
pub const MAX_ALBUM_DEPTH: usize = 3;
pub const MAX_ALBUM_NAME_CHARS: usize = 100;
pub const MAX_TAG_CHARS: usize = 50;
/// Images changed by one bulk request; clients send larger selections in
/// several.
pub const MAX_BULK_IMAGES: usize = 500;
/// Tags one listing may require together.
pub const MAX_FILTER_TAGS: usize = 3;
/// Tags one bulk request may add or remove.
pub const MAX_BULK_TAGS: usize = 20;

/// The D1 row id of an album.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlbumId(pub i64);

impl AlbumId {
    pub fn parse(text: &str) -> Option<Self> {
        ImageId::parse(text).map(|id| Self(id.0))
    }
}

impl fmt::Display for AlbumId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An album's name: 1 to 100 characters, no control characters and no
/// `/` (which separates the levels of an album's path: `Travel/Japan`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AlbumName(String);

impl AlbumName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty()
            || text.chars().count() > MAX_ALBUM_NAME_CHARS
            || text.chars().any(|c| c.is_control() || c == '/')
        {
            return Err(format!(
                "An album name is 1 to {MAX_ALBUM_NAME_CHARS} characters, without `/`: \
                 `/` separates an album from its sub-albums"
            ));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AlbumName {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<AlbumName> for String {
    fn from(name: AlbumName) -> Self {
        name.0
    }
}

/// A tag: 1 to 50 characters, inner spaces kept single, no commas (they
/// separate tags: `--tag cats,tokyo`) and no control characters. ASCII
/// letters are lowercased, so `Tokyo` and ` tokyo ` are the same tag
/// (other scripts are kept as written: Unicode case tables would cost
/// the Worker kilobytes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagName(String);

impl TagName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty()
            || text.chars().count() > MAX_TAG_CHARS
            || text.chars().any(|c| c.is_control() || c == ',')
        {
            return Err(format!(
                "A tag is 1 to {MAX_TAG_CHARS} characters, without commas: \
                 commas separate tags"
            ));
        }
        Ok(Self(text.to_ascii_lowercase()))
    }

    /// `Tokyo, cats,,tokyo` → `tokyo`, `cats`: in order, without repeats.
    /// (Not sorted: a sort's code is kilobytes of the Worker's wasm.)
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        let mut tags: Vec<Self> = Vec::new();
        for part in text.split(',').filter(|part| !part.trim().is_empty()) {
            let tag = Self::parse(part)?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(tags)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TagName {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<TagName> for String {
    fn from(name: TagName) -> Self {
        name.0
    }
}

impl fmt::Display for TagName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One album, as `GET /albums` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Album {
    pub id: AlbumId,
    pub name: AlbumName,
    #[serde(default)]
    pub parent_id: Option<AlbumId>,
    #[serde(default)]
    pub cover_image_id: Option<ImageId>,
    /// Where the cover is seen: its thumbnail, or the image itself when it
    /// has none.
    #[serde(default)]
    pub cover_url: Option<String>,
    /// Images in the album that are not in the trash.
    pub image_count: u64,
    pub created_at: i64,
    /// The album's public page, when it is shared.
    #[serde(default)]
    pub share: Option<AlbumShare>,
}

/// A shared album's read-only page: anyone with the URL sees the album's
/// images and nothing else, until it is revoked or expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumShare {
    pub url: String,
    /// Milliseconds since the Unix epoch; `None`: until revoked.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// Answer of `GET /albums`: every album, parents before their children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumListResponse {
    pub success: bool,
    pub albums: Vec<Album>,
}

/// Answer of `POST` and `PATCH /albums`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumResponse {
    pub success: bool,
    pub album: Album,
}

/// Body of `POST /albums`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAlbumRequest {
    pub name: AlbumName,
    #[serde(default)]
    pub parent_id: Option<AlbumId>,
}

/// Body of `PATCH /albums?id=N`: a field left out stays as it is; `null`
/// clears it (a `parent_id` of `null` moves the album to the top, a
/// `share` of `null` revokes its link at once).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateAlbumRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<AlbumName>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub parent_id: Option<Option<AlbumId>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub cover_image_id: Option<Option<ImageId>>,
    /// Shares the album by link (the same link if it has one), or with
    /// `null` stops sharing it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub share: Option<Option<ShareAlbumRequest>>,
}

/// A field that is present, `null` or not: `Some(None)` for `null`.
fn present<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Body of `POST /albums/images?id=N`: images added to the album and
/// removed from it; with `from_album_id`, the added images leave that
/// album (a move).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumImagesRequest {
    #[serde(default)]
    pub add: Vec<ImageId>,
    #[serde(default)]
    pub remove: Vec<ImageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_album_id: Option<AlbumId>,
}

/// Body of `POST /tags/images`: tags added to and removed from images.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagImagesRequest {
    pub image_ids: Vec<ImageId>,
    #[serde(default)]
    pub add: Vec<TagName>,
    #[serde(default)]
    pub remove: Vec<TagName>,
}

/// Answer of the bulk changes: links made and links removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelChangeResponse {
    pub success: bool,
    pub added: u64,
    pub removed: u64,
}

/// A tag and the images (not in the trash) that carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub name: TagName,
    pub image_count: u64,
}

/// Answer of `GET /tags`, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagListResponse {
    pub success: bool,
    pub tags: Vec<Tag>,
}

/// How an album is shared (`share` of `PATCH /albums`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareAlbumRequest {
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// Answer of the deletes (`DELETE /albums`, `/tags`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedResponse {
    pub success: bool,
    pub removed: bool,
}

/// The images of a bulk request, checked: at most `MAX_BULK_IMAGES`
/// (repeats do no harm: each link is made or removed once).
pub fn bulk_ids(ids: &[ImageId]) -> Result<&[ImageId], String> {
    if ids.len() > MAX_BULK_IMAGES {
        return Err(format!(
            "At most {MAX_BULK_IMAGES} images per request; send the rest in another"
        ));
    }
    Ok(ids)
}

/// Ids as one JSON array, the text D1's `json_each` reads: one statement
/// for any number of images.
pub fn json_ids(ids: impl IntoIterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}

/// Tags as one JSON array of strings, for `json_each` and for bodies
/// written by hand. A tag holds no control characters (`TagName` refuses
/// them), so quotes and backslashes are all that need escaping.
pub fn json_tags(tags: &[TagName]) -> String {
    let quoted: Vec<String> = tags
        .iter()
        .map(|tag| format!("\"{}\"", tag.0.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("[{}]", quoted.join(","))
}

/// Where an album would sit: refused if `parent` is the album itself or
/// one of its sub-albums (a loop), or if the album, with the sub-albums
/// under it, would nest deeper than `MAX_ALBUM_DEPTH`. `albums` is every
/// album as (id, parent); `album` is `None` for a new one.
pub fn check_placement(
    albums: &[(AlbumId, Option<AlbumId>)],
    album: Option<AlbumId>,
    parent: Option<AlbumId>,
) -> Result<(), String> {
    let parent_of = |id: AlbumId| albums.iter().find(|(a, _)| *a == id).map(|(_, p)| *p);
    // Levels above the album: its new parent and that one's ancestors.
    let mut above = 0;
    let mut next = parent;
    while let Some(id) = next {
        if Some(id) == album {
            return Err("An album cannot go inside itself or one of its sub-albums".into());
        }
        next = parent_of(id).ok_or_else(|| format!("No album {id}"))?;
        above += 1;
        if above > MAX_ALBUM_DEPTH {
            break;
        }
    }
    // Levels from the album down to its deepest sub-album.
    fn height(albums: &[(AlbumId, Option<AlbumId>)], id: AlbumId, seen: usize) -> usize {
        if seen > MAX_ALBUM_DEPTH {
            return seen;
        }
        albums
            .iter()
            .filter(|(_, p)| *p == Some(id))
            .map(|(child, _)| 1 + height(albums, *child, seen + 1))
            .max()
            .unwrap_or(1)
    }
    let levels = above + album.map_or(1, |id| height(albums, id, 0));
    if levels > MAX_ALBUM_DEPTH {
        return Err(format!(
            "Albums nest at most {MAX_ALBUM_DEPTH} levels deep; this would make {levels}"
        ));
    }
    Ok(())
}

/// The album a path names (`Travel/Japan`, compared without regard to
/// case), from every album's id, parent and name.
pub fn find_by_path(albums: &[Album], path: &str) -> Option<AlbumId> {
    let mut parent = None;
    for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
        parent = Some(
            albums
                .iter()
                .find(|a| a.parent_id == parent && a.name.as_str().eq_ignore_ascii_case(part))?
                .id,
        );
    }
    parent
}

/// An album's path from the top (`Travel/Japan`).
pub fn path_of(albums: &[Album], id: AlbumId) -> String {
    let mut parts = Vec::new();
    let mut next = Some(id);
    while let Some(id) = next.filter(|_| parts.len() <= MAX_ALBUM_DEPTH) {
        let Some(album) = albums.iter().find(|a| a.id == id) else {
            break;
        };
        parts.push(album.name.as_str());
        next = album.parent_id;
    }
    parts.reverse();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn album(id: i64, parent: Option<i64>, name: &str) -> Album {
        Album {
            id: AlbumId(id),
            name: AlbumName::parse(name).unwrap(),
            parent_id: parent.map(AlbumId),
            cover_image_id: None,
            cover_url: None,
            image_count: 0,
            created_at: 0,
            share: None,
        }
    }

    #[test]
    fn names_and_tags_are_checked_and_tags_normalised() {
        assert_eq!(
            AlbumName::parse("  Trips 2026 ").unwrap().as_str(),
            "Trips 2026"
        );
        assert!(AlbumName::parse("a/b").is_err());
        assert!(AlbumName::parse(" ").is_err());
        assert!(AlbumName::parse(&"x".repeat(101)).is_err());
        assert!(AlbumName::parse("東京").is_ok());
        assert_eq!(
            TagName::parse(" Tokyo   Night ").unwrap().as_str(),
            "tokyo night"
        );
        assert!(TagName::parse("a,b").is_err());
        assert!(TagName::parse("tab\there").is_ok());
        assert!(TagName::parse("bell\u{7}").is_err());
        assert_eq!(
            TagName::parse_list("Tokyo, cats,,tokyo").unwrap(),
            vec![
                TagName::parse("tokyo").unwrap(),
                TagName::parse("cats").unwrap()
            ]
        );
        assert!(TagName::parse_list(&"y".repeat(51)).is_err());
    }

    #[test]
    fn placement_refuses_loops_and_a_fourth_level() {
        let albums = [
            (AlbumId(1), None),
            (AlbumId(2), Some(AlbumId(1))),
            (AlbumId(3), Some(AlbumId(2))),
            (AlbumId(4), None),
            (AlbumId(5), Some(AlbumId(4))),
        ];
        assert!(check_placement(&albums, None, None).is_ok());
        assert!(check_placement(&albums, None, Some(AlbumId(2))).is_ok());
        assert!(check_placement(&albums, None, Some(AlbumId(3)))
            .unwrap_err()
            .contains("3 levels"));
        assert!(check_placement(&albums, Some(AlbumId(1)), Some(AlbumId(3)))
            .unwrap_err()
            .contains("itself"));
        // 4 with its child 5 under 1: three levels, fine; under 2: four.
        assert!(check_placement(&albums, Some(AlbumId(4)), Some(AlbumId(1))).is_ok());
        assert!(check_placement(&albums, Some(AlbumId(4)), Some(AlbumId(2))).is_err());
        assert!(check_placement(&albums, None, Some(AlbumId(9)))
            .unwrap_err()
            .contains("No album 9"));
    }

    #[test]
    fn paths_name_nested_albums() {
        let albums = [
            album(1, None, "Travel"),
            album(2, Some(1), "Japan"),
            album(3, None, "Japan"),
        ];
        assert_eq!(find_by_path(&albums, "travel/JAPAN"), Some(AlbumId(2)));
        assert_eq!(find_by_path(&albums, "Japan"), Some(AlbumId(3)));
        assert_eq!(find_by_path(&albums, "Travel/Kyoto"), None);
        assert_eq!(find_by_path(&albums, ""), None);
        assert_eq!(path_of(&albums, AlbumId(2)), "Travel/Japan");
    }

    #[test]
    fn bulk_ids_are_capped() {
        assert_eq!(bulk_ids(&[ImageId(3), ImageId(1)]).unwrap().len(), 2);
        assert!(bulk_ids(&vec![ImageId(1); MAX_BULK_IMAGES + 1]).is_err());
        assert_eq!(json_ids([1, 22]), "[1,22]");
        let tags = TagName::parse_list(r#"sky,say "hi",back\slash"#).unwrap();
        let parsed: Vec<TagName> = serde_json::from_str(&json_tags(&tags)).unwrap();
        assert_eq!(parsed, tags);
        assert_eq!(json_tags(&[]), "[]");
    }

    #[test]
    fn an_update_tells_null_from_absent() {
        let update: UpdateAlbumRequest =
            serde_json::from_str(r#"{"parent_id": null, "name": "New"}"#).unwrap();
        assert_eq!(update.parent_id, Some(None));
        assert_eq!(update.cover_image_id, None);
        let update: UpdateAlbumRequest = serde_json::from_str(r#"{"cover_image_id": 4}"#).unwrap();
        assert_eq!(update.cover_image_id, Some(Some(ImageId(4))));
    }
}
