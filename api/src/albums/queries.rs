//! The SQL of albums, tags and shared pages (migration 0009). Image ids
//! travel as one JSON array read by `json_each`, so a bulk change is one
//! statement whatever the size of the selection. Link changes return the
//! links they made or removed: D1's `changes` also counts what the
//! counting triggers did.

/// The key an album's cover is seen by (its thumbnail's, else its
/// image's), while the image is live and not being moved.
macro_rules! cover_key {
    () => {
        "(SELECT COALESCE(thumbnail_key, object_key) FROM images \
         WHERE images.id = albums.cover_image_id AND deleted_at IS NULL \
         AND move_to IS NULL) AS cover_key"
    };
}

macro_rules! album_columns {
    () => {
        concat!(
            "id, name, parent_id, cover_image_id, image_count, created_at, share_token, \
             share_expires_at, ",
            cover_key!()
        )
    };
}

/// Every album: there are few (people keep tens or hundreds), and the
/// tree needs them all.
pub const ALBUM_LIST: &str = concat!(
    "SELECT ",
    album_columns!(),
    " FROM albums ORDER BY name COLLATE NOCASE"
);

pub const ALBUM_GET: &str = concat!("SELECT ", album_columns!(), " FROM albums WHERE id = ?1");

/// ?1 name, ?2 parent, ?3 now; nothing if a sibling has the name.
pub const ALBUM_CREATE: &str = concat!(
    "INSERT INTO albums (name, parent_id, created_at) VALUES (?1, ?2, ?3) \
     ON CONFLICT DO NOTHING RETURNING ",
    album_columns!()
);

/// ?2 new name or NULL; with ?3 the parent becomes ?4; with ?5 the cover
/// becomes ?6 (only an image live in the album: else nothing changes);
/// with ?7 the album is shared by token ?8 (its own if it has one that
/// has not expired by ?10) until ?9, or with ?8 NULL no longer shared.
/// Nothing if a sibling has the name.
pub const ALBUM_UPDATE: &str = concat!(
    "UPDATE OR IGNORE albums SET name = COALESCE(?2, name), \
     parent_id = CASE WHEN ?3 THEN ?4 ELSE parent_id END, \
     cover_image_id = CASE WHEN ?5 THEN ?6 ELSE cover_image_id END, \
     share_token = CASE WHEN ?7 THEN CASE WHEN ?8 IS NULL THEN NULL \
     WHEN share_token IS NOT NULL AND (share_expires_at IS NULL OR share_expires_at > ?10) \
     THEN share_token ELSE ?8 END ELSE share_token END, \
     share_expires_at = CASE WHEN ?7 THEN ?9 ELSE share_expires_at END \
     WHERE id = ?1 AND (NOT ?5 OR ?6 IS NULL OR EXISTS (SELECT 1 FROM album_images \
     JOIN images ON images.id = album_images.image_id \
     WHERE album_id = ?1 AND image_id = ?6 AND images.deleted_at IS NULL)) RETURNING ",
    album_columns!()
);

/// An album without sub-albums; its images stay where they are.
pub const ALBUM_DELETE: &str = "DELETE FROM albums WHERE id = ?1 \
     AND NOT EXISTS (SELECT 1 FROM albums WHERE parent_id = ?1)";
/// Its links, once it is gone.
pub const ALBUM_UNLINK_ALL: &str = "DELETE FROM album_images WHERE album_id = ?1 \
     AND NOT EXISTS (SELECT 1 FROM albums WHERE id = ?1)";

/// The live images of ?2 (a JSON array of ids) into album ?1.
pub const ALBUM_ADD: &str = "INSERT OR IGNORE INTO album_images (album_id, image_id) \
     SELECT ?1, images.id FROM json_each(?2) JOIN images ON images.id = json_each.value \
     WHERE images.deleted_at IS NULL AND EXISTS (SELECT 1 FROM albums WHERE id = ?1) \
     RETURNING image_id";

/// The images of ?2 out of album ?1.
pub const ALBUM_REMOVE: &str = "DELETE FROM album_images \
     WHERE album_id = ?1 AND image_id IN (SELECT value FROM json_each(?2)) RETURNING image_id";

/// Album ?1 loses its cover if it was one of the images of ?2.
pub const ALBUM_UNCOVER: &str = "UPDATE albums SET cover_image_id = NULL \
     WHERE id = ?1 AND cover_image_id IN (SELECT value FROM json_each(?2))";

/// A move's second half: the images of ?2 out of album ?1, only those now
/// in album ?3 (an image trashed meanwhile was not added there, and keeps
/// its place).
pub const ALBUM_MOVE_OUT: &str = "DELETE FROM album_images \
     WHERE album_id = ?1 AND image_id IN (SELECT image_id FROM album_images \
     WHERE album_id = ?3 AND image_id IN (SELECT value FROM json_each(?2)))";

/// The album a share link opens, through its token's index.
pub const SHARED_ALBUM: &str = concat!(
    "SELECT id, name, share_expires_at, ",
    cover_key!(),
    " FROM albums WHERE share_token = ?1"
);

/// One page of a shared album: its live images newest first, ?2 of them
/// after the first ?3. (Page numbers, not image ids, in its links: an id
/// would tell the size of the whole library.)
pub const SHARED_PAGE: &str = "SELECT images.id, images.object_key, images.original_name, \
     images.width, images.height, images.thumbnail_key, images.widths \
     FROM album_images JOIN images ON images.id = album_images.image_id \
     WHERE album_images.album_id = ?1 AND images.deleted_at IS NULL \
     ORDER BY album_images.image_id DESC LIMIT ?2 OFFSET ?3";

/// Every tag with its count, by name.
pub const TAG_LIST: &str = "SELECT name, image_count FROM tags ORDER BY name";

pub const TAG_CREATE: &str = "INSERT INTO tags (name) VALUES (?1) ON CONFLICT DO NOTHING";

/// Tag ?1 on the live images of ?2.
pub const TAG_ADD: &str = "INSERT OR IGNORE INTO image_tags (tag_id, image_id) \
     SELECT tags.id, images.id FROM tags, json_each(?2) \
     JOIN images ON images.id = json_each.value \
     WHERE tags.name = ?1 AND images.deleted_at IS NULL RETURNING image_id";

/// Tag ?1 off the images of ?2.
pub const TAG_REMOVE: &str = "DELETE FROM image_tags \
     WHERE tag_id = (SELECT id FROM tags WHERE name = ?1) \
     AND image_id IN (SELECT value FROM json_each(?2)) RETURNING image_id";

pub const TAG_UNLINK_ALL: &str =
    "DELETE FROM image_tags WHERE tag_id = (SELECT id FROM tags WHERE name = ?1)";
pub const TAG_DELETE: &str = "DELETE FROM tags WHERE name = ?1";

/// Album ?1 and tags ?2 (a JSON array of names) on image ?3, as an upload
/// asks: the tags are made first (`TAG_CREATE`).
pub const LABEL_UPLOAD_ALBUM: &str = "INSERT OR IGNORE INTO album_images (album_id, image_id) \
     SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM albums WHERE id = ?1)";
pub const LABEL_UPLOAD_TAGS: &str = "INSERT OR IGNORE INTO image_tags (tag_id, image_id) \
     SELECT tags.id, ?2 FROM json_each(?1) JOIN tags ON tags.name = json_each.value";
