//! The SQL imghost runs against D1, in one place, so every statement can be
//! checked against the schema (see the query-plan test).

use imghost_shared::api::{ListQuery, PageRequest};

/// The columns of `ImageRecord`, in its field order (a macro, so that the
/// statements below can be `concat!`-ed at compile time).
macro_rules! image_columns {
    () => {
        "id, object_key, original_name, image_url, content_type, size, created_at, \
         width, height, sha256, stored_sha256, original_size, compressed_by, animated, \
         thumbnail_key, widths, deleted_at"
    };
}

/// The image's columns and the move under way on it (`Pending`).
macro_rules! moving_columns {
    () => {
        concat!(image_columns!(), ", move_to, move_claimed_at")
    };
}

pub const COLUMNS: &str = image_columns!();

/// Images and thumbnails in R2 (the trash included) and today's uploads,
/// as the quotas measure them. ?1 is the day (days since the epoch, UTC).
macro_rules! stored_bytes {
    () => {
        "(SELECT bytes_stored + thumbnail_bytes + width_bytes FROM image_stats WHERE id = 1)"
    };
}
macro_rules! uploads_today {
    () => {
        "COALESCE((SELECT uploads FROM daily_uploads \
         WHERE day = CAST(strftime('%s', 'now') AS INTEGER) / 86400), 0)"
    };
}

pub const FIND_BY_SHA256: &str = concat!(
    "SELECT ",
    moving_columns!(),
    " FROM images WHERE sha256 = ?1"
);

pub const GET_BY_KEY: &str = concat!(
    "SELECT ",
    image_columns!(),
    " FROM images WHERE object_key = ?1"
);

pub const GET_BY_ID: &str = concat!("SELECT ", image_columns!(), " FROM images WHERE id = ?1");

pub const GET_BY_ID_MOVING: &str =
    concat!("SELECT ", moving_columns!(), " FROM images WHERE id = ?1");

/// The stored SHA-256 a retired key had (a row, possibly NULL, if retired).
pub const RETIRED_KEY: &str = "SELECT stored_sha256 FROM retired_keys WHERE key = ?1";

/// What the quotas are measured against.
pub const USAGE: &str = concat!(
    "SELECT ",
    stored_bytes!(),
    " AS stored_bytes, ",
    uploads_today!(),
    " AS uploads_today"
);

/// Records the thumbnail (?2, ?3 bytes) of a live image that has none and
/// no move under way, if storage (?4 bytes at most) has room; returns the
/// row if it did.
pub const SET_THUMBNAIL: &str = concat!(
    "UPDATE images SET thumbnail_key = ?2, thumbnail_size = ?3 \
     WHERE id = ?1 AND thumbnail_key IS NULL AND deleted_at IS NULL AND move_to IS NULL AND ",
    stored_bytes!(),
    " + ?3 <= ?4 RETURNING ",
    image_columns!()
);

/// Records the widths (?2, ?3 bytes together) of a live image that has
/// none and no move under way, if storage (?4 bytes at most) has room;
/// returns the row if it did.
pub const SET_WIDTHS: &str = concat!(
    "UPDATE images SET widths = ?2, widths_size = ?3 \
     WHERE id = ?1 AND widths IS NULL AND deleted_at IS NULL AND move_to IS NULL AND ",
    stored_bytes!(),
    " + ?3 <= ?4 RETURNING ",
    image_columns!()
);

/// Which of up to 50 keys (?1 to ?50, unused ones NULL) are the thumbnail
/// of some row.
pub const THUMBNAILS_AMONG: &str = "SELECT thumbnail_key FROM images WHERE thumbnail_key IN \
     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
     ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, \
     ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50)";
pub const THUMBNAILS_AMONG_KEYS: usize = 50;

/// The widths of the live rows among up to 50 image keys (?1 to ?50, as
/// for thumbnails): a listed width is its image's only if the row names it.
pub const LIVE_WIDTHS_OF: &str = concat!(
    "SELECT ",
    image_columns!(),
    " FROM images WHERE deleted_at IS NULL AND widths IS NOT NULL AND object_key IN \
     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
     ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, \
     ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50)"
);

/// Inserts an image in one statement that also decides whether it may:
/// only if storage has room for it, its thumbnail and its widths (?19
/// bytes at most; ?22 the widths, ?23 their bytes),
/// today's uploads are below ?20 (NULL: no limit), its key is not retired
/// with other bytes, and neither its key nor (unless ?21, an import that
/// may share its bytes with another key) its uploaded bytes' SHA-256 is
/// taken. Returns the row if inserted. ?12 is the name's `search_text`;
/// ?17/?18 a move into the public bucket claimed at once (imports).
pub const INSERT: &str = concat!(
    "INSERT INTO images (object_key, original_name, image_url, content_type, size, \
     created_at, width, height, sha256, original_size, compressed_by, search_text, \
     animated, thumbnail_key, thumbnail_size, stored_sha256, move_to, move_claimed_at, \
     widths, widths_size) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
     CASE WHEN ?21 AND EXISTS (SELECT 1 FROM images WHERE sha256 = ?9) THEN NULL ELSE ?9 END, \
     ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?22, ?23 \
     WHERE ",
    stored_bytes!(),
    " + ?5 + COALESCE(?15, 0) + COALESCE(?23, 0) <= ?19 AND (?20 IS NULL OR ",
    uploads_today!(),
    " < ?20) AND NOT EXISTS (SELECT 1 FROM retired_keys WHERE key = ?1 \
     AND (stored_sha256 IS NULL OR stored_sha256 <> ?16)) \
     ON CONFLICT DO NOTHING RETURNING ",
    image_columns!()
);

// Moves between the buckets (see trash/domain.rs). ?1 is the id, ?2 the
// time of the new claim, ?3 the time before which a claim has run out.

/// A live image into the trash.
pub const CLAIM_DELETE: &str = concat!(
    "UPDATE images SET move_to = 'trash', move_claimed_at = ?2 \
     WHERE id = ?1 AND deleted_at IS NULL AND (move_to IS NULL OR move_claimed_at < ?3) \
     RETURNING ",
    image_columns!()
);

/// A trashed image back (live in D1 before its bytes move, so a crash never
/// leaves a trashed row with public bytes), or a live one whose move ran
/// out made whole. Never a row that kept a `.trash/` key (its own is taken).
pub const CLAIM_RESTORE: &str = concat!(
    "UPDATE images SET deleted_at = NULL, move_to = 'live', move_claimed_at = ?2 \
     WHERE id = ?1 AND object_key NOT LIKE '.trash/%' AND \
     (move_to IS NULL AND deleted_at IS NOT NULL OR move_to IS NOT NULL AND move_claimed_at < ?3) \
     RETURNING ",
    image_columns!()
);

pub const CLAIM_PURGE: &str = concat!(
    "UPDATE images SET move_to = 'gone', move_claimed_at = ?2 \
     WHERE id = ?1 AND deleted_at IS NOT NULL AND (move_to IS NULL OR move_claimed_at < ?3) \
     RETURNING ",
    image_columns!()
);

/// A move that ran out, taken over in its own direction ?4.
pub const CLAIM_RESUME: &str = concat!(
    "UPDATE images SET move_claimed_at = ?2 \
     WHERE id = ?1 AND move_to = ?4 AND move_claimed_at < ?3 RETURNING ",
    image_columns!()
);

/// Moves the claim of ?2 to ?3 and the move to ?4; changes a row if the
/// claim is still ours.
pub const RENEW_MOVE: &str = "UPDATE images SET move_claimed_at = ?3, move_to = ?4 \
     WHERE id = ?1 AND move_claimed_at = ?2";

/// Ends a move into the trash claimed at ?2: the row is trashed at ?3;
/// with ?4 its lost thumbnail is forgotten, with ?5 its lost widths.
pub const FINISH_TRASH: &str = concat!(
    "UPDATE images SET deleted_at = COALESCE(deleted_at, ?3), move_to = NULL, \
     move_claimed_at = NULL, \
     thumbnail_key = CASE WHEN ?4 THEN NULL ELSE thumbnail_key END, \
     thumbnail_size = CASE WHEN ?4 THEN NULL ELSE thumbnail_size END, \
     widths = CASE WHEN ?5 THEN NULL ELSE widths END, \
     widths_size = CASE WHEN ?5 THEN NULL ELSE widths_size END \
     WHERE id = ?1 AND move_to = 'trash' AND move_claimed_at = ?2 RETURNING ",
    image_columns!()
);

/// Ends a move into the public bucket claimed at ?2 (?3 unused), ?4 and ?5
/// as for the trash.
pub const FINISH_LIVE: &str = concat!(
    "UPDATE images SET move_to = NULL, move_claimed_at = NULL, \
     thumbnail_key = CASE WHEN ?4 THEN NULL ELSE thumbnail_key END, \
     thumbnail_size = CASE WHEN ?4 THEN NULL ELSE thumbnail_size END, \
     widths = CASE WHEN ?5 THEN NULL ELSE widths END, \
     widths_size = CASE WHEN ?5 THEN NULL ELSE widths_size END \
     WHERE id = ?1 AND move_to = 'live' AND move_claimed_at = ?2 AND ?3 IS NOT NULL RETURNING ",
    image_columns!()
);

/// Before a purged row goes (claimed at ?2), its key is retired at ?3 with
/// the SHA-256 of its stored bytes.
pub const RETIRE_CLAIMED: &str =
    "INSERT OR REPLACE INTO retired_keys (key, stored_sha256, retired_at) \
     SELECT object_key, stored_sha256, ?3 FROM images \
     WHERE id = ?1 AND move_to = 'gone' AND move_claimed_at = ?2";

pub const DELETE_CLAIMED: &str = concat!(
    "DELETE FROM images WHERE id = ?1 AND move_to = 'gone' AND move_claimed_at = ?2 RETURNING ",
    image_columns!()
);

/// Lets the next request take a failed move over at once.
pub const ABANDON_MOVE: &str =
    "UPDATE images SET move_claimed_at = 0 WHERE id = ?1 AND move_claimed_at = ?2";

/// Moves that ran out before ?1, at most ?2, for the clean-up to finish.
pub const STALE_MOVES: &str = "SELECT id, move_to FROM images \
     WHERE move_to IS NOT NULL AND move_claimed_at < ?1 ORDER BY id LIMIT ?2";

/// How many moves ran out before ?1 (reads the moving rows only).
pub const STALE_MOVE_COUNT: &str = "SELECT count(*) AS stale FROM images \
     WHERE move_to IS NOT NULL AND move_claimed_at < ?1";

/// Reconcile: a live, settled row whose object is missing, deleted only if
/// it is still that row under that key (?2); its key is retired first (at ?3).
pub const RETIRE_MISSING: &str =
    "INSERT OR REPLACE INTO retired_keys (key, stored_sha256, retired_at) \
     SELECT object_key, stored_sha256, ?3 FROM images \
     WHERE id = ?1 AND object_key = ?2 AND deleted_at IS NULL AND move_to IS NULL";
pub const DELETE_MISSING: &str = "DELETE FROM images \
     WHERE id = ?1 AND object_key = ?2 AND deleted_at IS NULL AND move_to IS NULL";

/// One page of the trash, newest first: ids below ?1, at most ?2.
pub const TRASH_PAGE: &str = concat!(
    "SELECT ",
    image_columns!(),
    " FROM images WHERE deleted_at IS NOT NULL AND id < ?1 ORDER BY id DESC LIMIT ?2"
);

/// Trashed rows deleted at or before ?1, oldest ids first, at most ?2.
pub const TRASHED_BEFORE: &str = "SELECT id FROM images \
     WHERE deleted_at IS NOT NULL AND deleted_at <= ?1 ORDER BY id LIMIT ?2";

/// The counters kept by triggers on `images` (migrations 0003, 0006, 0007
/// and 0008), and the uploads of day ?1 (days since the epoch, UTC).
pub const STATS: &str = "SELECT image_count, bytes_stored, bytes_original, compression_count, \
     trash_count, trash_bytes, thumbnail_bytes, width_bytes, \
     COALESCE((SELECT uploads FROM daily_uploads WHERE day = ?1), 0) AS uploads_today \
     FROM image_stats WHERE id = 1";

/// Days before ?1 no longer matter to the daily limit.
pub const PRUNE_DAILY_UPLOADS: &str = "DELETE FROM daily_uploads WHERE day < ?1";

pub const SET_COMPRESSION_COUNT: &str =
    "UPDATE image_stats SET compression_count = ?1 WHERE id = 1";

/// Images in the trash, from the counter the triggers keep.
pub const TRASH_COUNT: &str = "SELECT trash_count FROM image_stats WHERE id = 1";

// Named tokens (migrations 0006 and 0007).

pub const TOKEN_FIND_BY_HASH: &str =
    "SELECT id, name, scopes, expires_at, last_used_at, revoked_at \
     FROM tokens WHERE token_hash = ?1";

pub const TOKEN_TOUCH: &str = "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1";

/// Inserts unless a live token has the name; returns the row if inserted.
/// ?6 is the id of the named token that makes it (NULL for the admin).
pub const TOKEN_CREATE: &str =
    "INSERT INTO tokens (name, token_hash, scopes, created_at, expires_at, created_by) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6 \
     WHERE NOT EXISTS (SELECT 1 FROM tokens WHERE name = ?1 AND revoked_at IS NULL) \
     RETURNING name, scopes, created_at, expires_at, last_used_at";

/// Through the partial index of live names: revoked tokens are never read.
pub const TOKEN_LIST: &str = "SELECT name, scopes, created_at, expires_at, last_used_at \
     FROM tokens INDEXED BY tokens_active_name WHERE revoked_at IS NULL ORDER BY id DESC";

/// The live token named ?1, every live token it made, and those they made.
macro_rules! made_by {
    () => {
        "WITH RECURSIVE made(id, name) AS ( \
         SELECT id, name FROM tokens WHERE name = ?1 AND revoked_at IS NULL \
         UNION SELECT tokens.id, tokens.name FROM tokens JOIN made ON tokens.created_by = made.id \
         WHERE tokens.revoked_at IS NULL) "
    };
}

/// The names a revoke of ?1 takes with it (itself first).
pub const TOKEN_REVOKED_WITH: &str = concat!(made_by!(), "SELECT name FROM made ORDER BY id");

/// Revokes them at ?2; returns their names.
pub const TOKEN_REVOKE: &str = concat!(
    made_by!(),
    "UPDATE tokens SET revoked_at = ?2 WHERE id IN (SELECT id FROM made) RETURNING name"
);

// The audit log (migrations 0006 and 0007).

/// Records a change when the statement before it in the batch changed a
/// row; `target` NULL means the row that statement inserted.
pub const AUDIT_RECORD_IF_CHANGED: &str = "INSERT INTO audit_log \
     (at, token, action, target, detail, ip, user_agent, token_id) \
     SELECT ?1, ?2, ?3, COALESCE(?4, last_insert_rowid()), ?5, ?6, ?7, ?8 WHERE changes() > 0";

/// Records a change that is not a D1 change (an R2 object removed).
pub const AUDIT_RECORD: &str = "INSERT INTO audit_log \
     (at, token, action, target, detail, ip, user_agent, token_id) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

pub const AUDIT_PAGE: &str =
    "SELECT id, at, token, token_id, action, target, detail, ip, user_agent \
     FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2";

pub const AUDIT_PRUNE: &str = "DELETE FROM audit_log WHERE at < ?1";

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    Text(String),
}

/// A statement and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
}

/// The page of rows and the total, for a listing request.
///
/// Every page is a keyset range on the id (below the cursor, or below
/// everything for a first page), read newest first through an index: the
/// album's links when an album is asked for, else the first tag's, else
/// the name index, else the primary key. Other filters are checked on
/// each row the range reads. Only `pageNum` beyond 1, kept for old
/// clients, adds an OFFSET, which reads the skipped rows; cursors never do.
///
/// The total is a counter for no filter, one album or one tag (one row
/// read); for filters together it counts the matches.
pub fn listing(query: &ListQuery) -> (Statement, Statement) {
    let mut params = Vec::new();
    let tag_id = |number: &str| format!("(SELECT id FROM tags WHERE name = {number})");
    let mut tags = query.tags.iter();
    let (from, id, mut conditions) = if let Some(album) = query.album {
        let number = bind(&mut params, Param::Int(album.0));
        (
            "album_images AS drive JOIN images ON images.id = drive.image_id",
            "drive.image_id",
            vec![format!("drive.album_id = {number}")],
        )
    } else if let Some(tag) = tags.next() {
        let number = bind(&mut params, Param::Text(tag.as_str().into()));
        (
            "image_tags AS drive JOIN images ON images.id = drive.image_id",
            "drive.image_id",
            vec![format!("drive.tag_id = {}", tag_id(&number))],
        )
    } else if let Some(text) = query.search.as_deref() {
        let number = bind(&mut params, Param::Text(search_phrase(text)));
        (
            "images_fts JOIN images ON images.id = images_fts.rowid",
            "images_fts.rowid",
            vec![format!("images_fts MATCH {number}")],
        )
    } else {
        ("images", "images.id", vec![])
    };
    for tag in tags {
        let number = bind(&mut params, Param::Text(tag.as_str().into()));
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM image_tags WHERE tag_id = {} AND image_id = images.id)",
            tag_id(&number)
        ));
    }
    if let Some(text) = query.search.as_deref().filter(|_| query.is_filtered()) {
        let number = bind(&mut params, Param::Text(search_phrase(text)));
        conditions.push(format!(
            "images.id IN (SELECT rowid FROM images_fts WHERE images_fts MATCH {number})"
        ));
    }
    conditions.push("images.deleted_at IS NULL".into());
    let filter_params = params.clone();
    let total = match (query.album, query.tags.as_slice(), &query.search) {
        (None, [], None) => Statement {
            sql: "SELECT image_count - trash_count AS total FROM image_stats WHERE id = 1".into(),
            params: vec![],
        },
        (Some(album), [], None) => Statement {
            sql: "SELECT COALESCE((SELECT image_count FROM albums WHERE id = ?1), 0) AS total"
                .into(),
            params: vec![Param::Int(album.0)],
        },
        (None, [tag], None) => Statement {
            sql: "SELECT COALESCE((SELECT image_count FROM tags WHERE name = ?1), 0) AS total"
                .into(),
            params: vec![Param::Text(tag.as_str().into())],
        },
        _ => Statement {
            sql: format!(
                "SELECT count(*) AS total FROM {from} WHERE {}",
                conditions.join(" AND ")
            ),
            params: filter_params,
        },
    };
    let below = match query.page {
        PageRequest::After(last) => last.0,
        PageRequest::Number(_) => i64::MAX,
    };
    let number = bind(&mut params, Param::Int(below));
    conditions.push(format!("{id} < {number}"));
    let mut paging = format!(
        "LIMIT {}",
        bind(&mut params, Param::Int(i64::from(query.page_size)))
    );
    if query.offset() > 0 {
        paging.push_str(&format!(
            " OFFSET {}",
            bind(&mut params, Param::Int(query.offset() as i64))
        ));
    }
    let labels = if query.labels { LABELS } else { NO_LABELS };
    let page = Statement {
        sql: format!(
            "SELECT {}, {labels} FROM {from} WHERE {} ORDER BY {id} DESC {paging}",
            qualified_columns(),
            conditions.join(" AND ")
        ),
        params,
    };
    (page, total)
}

/// Adds a parameter; its number in the statement.
fn bind(params: &mut Vec<Param>, param: Param) -> String {
    params.push(param);
    format!("?{}", params.len())
}

/// Without `labels=1`: the columns, empty, so every listing has one shape.
const NO_LABELS: &str = "NULL AS albums, NULL AS tags";

/// A listed image's albums and tags, each read through its index.
const LABELS: &str = "(SELECT group_concat(album_id) FROM album_images \
     WHERE album_images.image_id = images.id) AS albums, \
     (SELECT group_concat(tags.name) FROM image_tags JOIN tags ON tags.id = image_tags.tag_id \
     WHERE image_tags.image_id = images.id) AS tags";

/// A name with its characters spaced out, as indexed for search (see
/// migration 0004): the index then holds one character per token.
pub fn search_text(name: &str) -> String {
    name.chars().flat_map(|c| [c, ' ']).collect()
}

/// Search text as one FTS5 phrase of characters: it matches names where
/// those characters stand together. Quoting keeps operators (`OR`, `*`,
/// `"`) literal.
fn search_phrase(text: &str) -> String {
    format!("\"{}\"", search_text(text).trim_end().replace('"', "\"\""))
}

fn qualified_columns() -> String {
    COLUMNS
        .split(", ")
        .map(|column| format!("images.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows whose object keys lie in (`after`, `end`], in key order, for
/// comparing with an R2 listing of the same window.
pub fn rows_in_key_window(after: Option<&str>, end: Option<&str>, limit: u32) -> Statement {
    let mut params = vec![Param::Text(after.unwrap_or("").to_string())];
    let mut sql = format!("SELECT {COLUMNS} FROM images WHERE object_key > ?1");
    if let Some(end) = end {
        params.push(Param::Text(end.to_string()));
        sql.push_str(" AND object_key <= ?2");
    }
    params.push(Param::Int(i64::from(limit)));
    sql.push_str(&format!(" ORDER BY object_key LIMIT ?{}", params.len()));
    Statement { sql, params }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imghost_shared::api::ImageId;

    fn query(page: PageRequest, search: Option<&str>) -> ListQuery {
        ListQuery {
            page,
            page_size: 20,
            search: search.map(str::to_string),
            album: None,
            tags: vec![],
            labels: false,
        }
    }

    #[test]
    fn first_pages_and_cursors_are_keyset_ranges() {
        let (page, total) = listing(&query(PageRequest::Number(1), None));
        assert!(
            page.sql.ends_with(
                "FROM images WHERE images.deleted_at IS NULL AND images.id < ?1 \
                     ORDER BY images.id DESC LIMIT ?2"
            ),
            "{}",
            page.sql
        );
        assert_eq!(page.params, vec![Param::Int(i64::MAX), Param::Int(20)]);
        assert!(total.sql.contains("image_stats"));

        let (page, _) = listing(&query(PageRequest::After(ImageId(99)), None));
        assert_eq!(page.params, vec![Param::Int(99), Param::Int(20)]);
    }

    #[test]
    fn later_page_numbers_add_an_offset() {
        let (page, _) = listing(&query(PageRequest::Number(3), None));
        assert!(page.sql.ends_with("LIMIT ?2 OFFSET ?3"), "{}", page.sql);
        assert_eq!(
            page.params,
            vec![Param::Int(i64::MAX), Param::Int(20), Param::Int(40)]
        );
    }

    #[test]
    fn search_is_a_literal_phrase_of_characters() {
        let (page, total) = listing(&query(PageRequest::After(ImageId(5)), Some("猫 \"OR\"")));
        assert!(
            page.sql.contains("FROM images_fts JOIN images"),
            "{}",
            page.sql
        );
        assert!(
            page.sql.contains(
                "WHERE images_fts MATCH ?1 AND images.deleted_at IS NULL \
                     AND images_fts.rowid < ?2"
            ),
            "{}",
            page.sql
        );
        assert_eq!(page.params[0], Param::Text("\"猫   \"\" O R \"\"\"".into()));
        assert_eq!(total.params, vec![page.params[0].clone()]);
    }

    #[test]
    fn an_album_or_tag_drives_the_range_and_counts_from_its_counter() {
        use imghost_shared::api::albums::{AlbumId, TagName};
        let tag = |name: &str| TagName::parse(name).unwrap();
        let album =
            query(PageRequest::After(ImageId(9)), None).with_filters(Some(AlbumId(4)), vec![]);
        let (page, total) = listing(&album);
        assert!(
            page.sql.contains("FROM album_images AS drive JOIN images"),
            "{}",
            page.sql
        );
        assert!(
            page.sql.contains("ORDER BY drive.image_id DESC"),
            "{}",
            page.sql
        );
        assert_eq!(
            page.params,
            vec![Param::Int(4), Param::Int(9), Param::Int(20)]
        );
        assert!(
            total.sql.contains("FROM albums WHERE id = ?1"),
            "{}",
            total.sql
        );

        let (page, total) =
            listing(&query(PageRequest::Number(1), None).with_filters(None, vec![tag("cats")]));
        assert!(
            page.sql.contains("FROM image_tags AS drive"),
            "{}",
            page.sql
        );
        assert!(
            total.sql.contains("FROM tags WHERE name = ?1"),
            "{}",
            total.sql
        );

        // Together: the album drives, the tags and the search are checked
        // on each row, and the total counts the matches.
        let both = query(PageRequest::Number(1), Some("sky"))
            .with_filters(Some(AlbumId(4)), vec![tag("cats"), tag("tokyo")]);
        let (page, total) = listing(&both);
        assert_eq!(
            page.sql.matches("EXISTS (SELECT 1 FROM image_tags").count(),
            2
        );
        assert!(page.sql.contains("images_fts MATCH ?4"), "{}", page.sql);
        assert!(
            total
                .sql
                .starts_with("SELECT count(*) AS total FROM album_images"),
            "{}",
            total.sql
        );
        assert_eq!(total.params.len(), 4);
    }

    #[test]
    fn search_text_spaces_every_character() {
        assert_eq!(search_text("猫咪.png"), "猫 咪 . p n g ");
        assert_eq!(search_text(""), "");
    }
}

/// Every statement above, planned by SQLite against the schema the
/// migrations build (no statement may scan a table: D1 bills every row
/// read), and run against it.
#[cfg(test)]
mod query_plans {
    use super::*;
    use imghost_shared::api::albums::AlbumId;
    use imghost_shared::api::ImageId;
    use rusqlite::types::Value;
    use rusqlite::{params_from_iter, Connection};

    /// The migrations' files, in the order D1 applies them.
    fn migrations() -> Vec<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    fn apply(db: &Connection, files: &[std::path::PathBuf]) {
        for file in files {
            db.execute_batch(&std::fs::read_to_string(file).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
    }

    fn database() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        apply(&db, &migrations());
        db
    }

    /// The plan's detail lines, e.g. "SEARCH images USING INTEGER PRIMARY KEY (rowid<?)".
    fn plan(db: &Connection, statement: &Statement) -> Vec<String> {
        let mut explain = db
            .prepare(&format!("EXPLAIN QUERY PLAN {}", statement.sql))
            .unwrap_or_else(|e| panic!("{}: {e}", statement.sql));
        let rows = explain
            .query_map(params_from_iter(values(&statement.params)), |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn values(params: &[Param]) -> Vec<Value> {
        params
            .iter()
            .map(|param| match param {
                Param::Int(value) => (*value).into(),
                Param::Text(text) => text.clone().into(),
            })
            .collect()
    }

    /// Scans that read only what they must: partial indexes (the trash,
    /// moves under way, live tokens), a recursive query's own rows, and
    /// the one row of a SELECT without a table.
    const BOUNDED_SCANS: [&str; 5] = [
        "SCAN images USING INDEX images_trash",
        "SCAN images USING INDEX images_moving",
        "SCAN tokens USING INDEX tokens_active_name",
        "SCAN made",
        "SCAN CONSTANT ROW",
    ];

    fn assert_no_table_scan(db: &Connection, statement: &Statement) {
        let plan = plan(db, statement);
        for line in &plan {
            // FTS5 reports "SCAN ... VIRTUAL TABLE INDEX n:M..." when it
            // answers a MATCH from its index; without ":M" it reads everything.
            if line.contains("VIRTUAL TABLE") {
                assert!(line.contains(":M"), "{}\n  plan: {plan:?}", statement.sql);
                continue;
            }
            let bounded = BOUNDED_SCANS.iter().any(|scan| line.starts_with(scan));
            assert!(
                !line.starts_with("SCAN ") || bounded,
                "{}\n  plan: {plan:?}",
                statement.sql
            );
        }
    }

    fn statement(sql: &str, params: &[Param]) -> Statement {
        Statement {
            sql: sql.to_string(),
            params: params.to_vec(),
        }
    }

    fn int(value: i64) -> Param {
        Param::Int(value)
    }

    fn text(value: &str) -> Param {
        Param::Text(value.into())
    }

    #[test]
    fn listings_searches_and_filters_never_scan_the_table() {
        let db = database();
        for search in [
            None,
            Some("holiday"),
            Some("猫咪照片"),
            Some("ab"),
            Some("x"),
        ] {
            let tag = |name: &str| imghost_shared::api::albums::TagName::parse(name).unwrap();
            for (album, tags) in [
                (None, vec![]),
                (Some(AlbumId(3)), vec![]),
                (None, vec![tag("cats")]),
                (Some(AlbumId(3)), vec![tag("cats"), tag("tokyo")]),
                (None, vec![tag("cats"), tag("tokyo"), tag("night")]),
            ] {
                for page in [PageRequest::Number(1), PageRequest::After(ImageId(1000))] {
                    let query = ListQuery {
                        page,
                        page_size: 50,
                        search: search.map(str::to_string),
                        album,
                        tags: tags.clone(),
                        labels: true,
                    };
                    let (rows, total) = listing(&query);
                    assert_no_table_scan(&db, &rows);
                    assert_no_table_scan(&db, &total);
                    run(&db, &rows.sql, &rows.params);
                    run(&db, &total.sql, &total.params);
                }
            }
        }
    }

    /// A new row's 23 parameters (see `INSERT`): key, name, 10 bytes, the
    /// upload's SHA-256, the stored one, a thumbnail of `thumbnail` bytes,
    /// the quotas, whether it may share its bytes, and no widths.
    fn insert_params(key: &str, sha256: &str, limits: (i64, Option<i64>)) -> Vec<Param> {
        insert_params_with(key, sha256, sha256, None, limits, false)
    }

    fn insert_params_with(
        key: &str,
        sha256: &str,
        stored_sha256: &str,
        thumbnail: Option<i64>,
        (max_storage, max_daily): (i64, Option<i64>),
        shares_bytes: bool,
    ) -> Vec<Param> {
        let null = || Param::Text(String::new());
        let mut params = vec![
            text(key),
            text("a.png"),
            text(&format!("https://x/{key}")),
            text("image/png"),
            int(10),
            int(1),
            int(1),
            int(1),
            text(sha256),
            int(12),
            text("none"),
            text(&search_text("a.png")),
            int(0),
            thumbnail.map_or_else(null, |_| text(&format!("{key}.thumb.webp"))),
            thumbnail.map_or_else(null, int),
            text(stored_sha256),
            null(),
            null(),
            int(max_storage),
            max_daily.map_or_else(null, int),
            int(i64::from(shares_bytes)),
            null(),
            null(),
        ];
        // Empty text stands for NULL here.
        for param in &mut params {
            if *param == null() {
                *param = Param::Text("\u{0}NULL".into());
            }
        }
        params
    }

    fn bind(params: &[Param]) -> Vec<Value> {
        values(params)
            .into_iter()
            .map(|value| match value {
                Value::Text(text) if text == "\u{0}NULL" => Value::Null,
                other => other,
            })
            .collect()
    }

    const ROOMY: (i64, Option<i64>) = (1_000_000, None);

    /// Runs a statement; the ids of the rows it returns.
    fn run(db: &Connection, sql: &str, params: &[Param]) -> Vec<i64> {
        let mut prepared = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        if prepared.column_count() == 0 {
            prepared.execute(params_from_iter(bind(params))).unwrap();
            return Vec::new();
        }
        prepared
            .query_map(params_from_iter(bind(params)), |row| row.get::<_, i64>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn one<T: rusqlite::types::FromSql>(db: &Connection, sql: &str) -> T {
        db.query_row(sql, [], |row| row.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    #[test]
    fn every_statement_reads_through_an_index() {
        let db = database();
        let keys: Vec<Param> = (0..THUMBNAILS_AMONG_KEYS)
            .map(|_| text("2026-11-28/x.png.thumb.webp"))
            .collect();
        let claim = [int(1), int(2), int(3)];
        let finish = [int(1), int(2), int(3), int(0), int(0)];
        for statement in [
            statement(FIND_BY_SHA256, &[text("ab")]),
            statement(GET_BY_KEY, &[text("2026-11-28/x.png")]),
            statement(GET_BY_ID, &[int(1)]),
            statement(GET_BY_ID_MOVING, &[int(1)]),
            statement(RETIRED_KEY, &[text("k")]),
            statement(USAGE, &[]),
            statement(THUMBNAILS_AMONG, &keys),
            statement(LIVE_WIDTHS_OF, &keys),
            statement(
                SET_THUMBNAIL,
                &[int(1), text("k.thumb.webp"), int(5), int(9)],
            ),
            statement(SET_WIDTHS, &[int(1), text("640 960"), int(5), int(9)]),
            statement(INSERT, &insert_params("k", "ab", ROOMY)),
            statement(CLAIM_DELETE, &claim),
            statement(CLAIM_RESTORE, &claim),
            statement(CLAIM_PURGE, &claim),
            statement(CLAIM_RESUME, &[int(1), int(2), int(3), text("trash")]),
            statement(RENEW_MOVE, &[int(1), int(2), int(3), text("gone")]),
            statement(FINISH_TRASH, &finish),
            statement(FINISH_LIVE, &finish),
            statement(RETIRE_CLAIMED, &claim),
            statement(DELETE_CLAIMED, &claim[..2]),
            statement(ABANDON_MOVE, &claim[..2]),
            statement(STALE_MOVES, &[int(1), int(100)]),
            statement(STALE_MOVE_COUNT, &[int(1)]),
            statement(RETIRE_MISSING, &[int(1), text("k"), int(3)]),
            statement(DELETE_MISSING, &[int(1), text("k")]),
            statement(TRASH_PAGE, &[int(1), int(50)]),
            statement(TRASHED_BEFORE, &[int(1), int(100)]),
            statement(STATS, &[int(20_000)]),
            statement(PRUNE_DAILY_UPLOADS, &[int(20_000)]),
            statement(SET_COMPRESSION_COUNT, &[int(1)]),
            statement(TRASH_COUNT, &[]),
            statement(TOKEN_FIND_BY_HASH, &[text("ab")]),
            statement(TOKEN_TOUCH, &[int(1), int(2)]),
            statement(
                TOKEN_CREATE,
                &[
                    text("t"),
                    text("ab"),
                    text("upload"),
                    int(1),
                    int(2),
                    int(3),
                ],
            ),
            statement(TOKEN_LIST, &[]),
            statement(TOKEN_REVOKED_WITH, &[text("typora")]),
            statement(TOKEN_REVOKE, &[text("typora"), int(2)]),
            statement(AUDIT_PAGE, &[int(100), int(50)]),
            statement(AUDIT_PRUNE, &[int(100)]),
            rows_in_key_window(Some("2026-01-01/a"), Some("2026-02-01/b"), 1000),
            rows_in_key_window(None, None, 1000),
        ] {
            assert_no_table_scan(&db, &statement);
        }
    }

    /// The audit row follows the change it records: one for a change,
    /// none after a statement that changed nothing (a duplicate insert, a
    /// second revoke), and an upload's row names the row it inserted.
    #[test]
    fn an_audit_row_is_written_only_after_a_change() {
        let db = database();
        let record = |action: &str, target: Option<&str>| {
            db.execute(
                AUDIT_RECORD_IF_CHANGED,
                rusqlite::params![
                    1,
                    "admin",
                    action,
                    target,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    7
                ],
            )
            .unwrap()
        };
        let audit_rows = || -> Vec<(String, Option<String>, Option<i64>)> {
            db.prepare("SELECT action, target, token_id FROM audit_log ORDER BY id")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let id = run(&db, INSERT, &insert_params("2026-11-28/a.png", "ab", ROOMY))[0];
        assert_eq!(record("upload", None), 1);
        assert!(run(&db, INSERT, &insert_params("2026-11-28/b.png", "ab", ROOMY)).is_empty());
        assert_eq!(record("upload", None), 0);
        let create = |name: &str, hash: &str, by: Option<i64>| {
            db.prepare(TOKEN_CREATE)
                .unwrap()
                .query_map(
                    rusqlite::params![name, hash, "upload", 1, None::<i64>, by],
                    |_| Ok(()),
                )
                .unwrap()
                .count()
        };
        assert_eq!(create("typora", "ab", None), 1);
        let revoke = |at: i64| {
            db.prepare(TOKEN_REVOKE)
                .unwrap()
                .query_map(rusqlite::params!["typora", at], |_| Ok(()))
                .unwrap()
                .count()
        };
        assert_eq!(revoke(2), 1);
        assert_eq!(record("token_revoke", Some("typora")), 1);
        assert_eq!(revoke(3), 0);
        assert_eq!(record("token_revoke", Some("typora")), 0);
        assert_eq!(
            audit_rows(),
            [
                ("upload".to_string(), Some(id.to_string()), Some(7)),
                (
                    "token_revoke".to_string(),
                    Some("typora".to_string()),
                    Some(7)
                )
            ]
        );
        // A live name is taken; once revoked it can be given again.
        assert_eq!(create("typora", "cd", None), 1);
        assert_eq!(create("typora", "ef", None), 0);
    }

    #[test]
    fn a_revoked_token_takes_the_tokens_it_made_with_it() {
        let db = database();
        let create = |name: &str, by: Option<i64>| -> i64 {
            db.execute(
                "INSERT INTO tokens (name, token_hash, scopes, created_at, created_by) \
                 VALUES (?1, ?1, 'admin', 1, ?2)",
                rusqlite::params![name, by],
            )
            .unwrap();
            db.last_insert_rowid()
        };
        let parent = create("parent", None);
        let child = create("child", Some(parent));
        create("grandchild", Some(child));
        create("stranger", None);
        let names = |sql: &str, params: &[Param]| -> Vec<String> {
            db.prepare(sql)
                .unwrap()
                .query_map(params_from_iter(bind(params)), |row| {
                    row.get::<_, String>(0)
                })
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(
            names(TOKEN_REVOKED_WITH, &[text("parent")]),
            ["parent", "child", "grandchild"]
        );
        let mut revoked = names(TOKEN_REVOKE, &[text("parent"), int(9)]);
        revoked.sort();
        assert_eq!(revoked, ["child", "grandchild", "parent"]);
        assert_eq!(
            one::<i64>(&db, "SELECT count(*) FROM tokens WHERE revoked_at IS NULL"),
            1
        );
    }

    #[test]
    fn widths_count_against_storage_and_are_recorded_once() {
        let db = database();
        let mut with_widths = insert_params("k1", "s1", (40, None));
        with_widths[21] = text("640 960");
        with_widths[22] = int(30);
        // 10 bytes of image and 30 of widths fit in 40, not in 39.
        let mut tight = with_widths.clone();
        tight[18] = int(39);
        assert!(run(&db, INSERT, &tight).is_empty());
        let [id] = run(&db, INSERT, &with_widths)[..] else {
            panic!("inserted")
        };
        assert_eq!(one::<i64>(&db, "SELECT width_bytes FROM image_stats"), 30);
        assert_eq!(one::<String>(&db, "SELECT widths FROM images"), "640 960");
        // An image that has widths keeps them.
        let set = |id: i64, size: i64, max: i64| {
            run(
                &db,
                SET_WIDTHS,
                &[int(id), text("640"), int(size), int(max)],
            )
        };
        assert!(set(id, 1, 1000).is_empty());
        let other = insert_params("k2", "s2", ROOMY);
        let [other] = run(&db, INSERT, &other)[..] else {
            panic!("inserted")
        };
        // 20 bytes of images and 30 of widths: 5 more fit in 55, not in 54.
        assert!(set(other, 5, 54).is_empty());
        assert_eq!(set(other, 5, 55), [other]);
        assert_eq!(one::<i64>(&db, "SELECT width_bytes FROM image_stats"), 35);
        // Lost widths are forgotten, and their bytes no longer counted.
        run(&db, CLAIM_DELETE, &[int(id), int(1), int(0)]);
        let finish = [int(id), int(1), int(2), int(0), int(1)];
        assert_eq!(run(&db, FINISH_TRASH, &finish), [id]);
        assert_eq!(
            one::<Option<String>>(&db, "SELECT widths FROM images WHERE object_key = 'k1'"),
            None
        );
        assert_eq!(one::<i64>(&db, "SELECT width_bytes FROM image_stats"), 5);
        // A purged row takes its widths' bytes with it.
        db.execute("DELETE FROM images WHERE id = ?1", [other])
            .unwrap();
        assert_eq!(one::<i64>(&db, "SELECT width_bytes FROM image_stats"), 0);
    }

    #[test]
    fn inserts_decide_quotas_duplicates_and_retired_keys_in_one_statement() {
        let db = database();
        // Storage: 10 bytes of image plus a 5-byte thumbnail fit in 15.
        let first = insert_params_with("k1", "s1", "s1", Some(5), (15, None), false);
        assert_eq!(run(&db, INSERT, &first).len(), 1);
        assert_eq!(
            one::<i64>(&db, "SELECT thumbnail_bytes FROM image_stats"),
            5
        );
        assert!(run(&db, INSERT, &insert_params("k2", "s2", (24, None))).is_empty());
        assert_eq!(
            run(&db, INSERT, &insert_params("k2", "s2", (25, None))).len(),
            1
        );
        // Today's uploads: two so far.
        assert!(run(&db, INSERT, &insert_params("k3", "s3", (1000, Some(2)))).is_empty());
        assert_eq!(
            run(&db, INSERT, &insert_params("k3", "s3", (1000, Some(3)))).len(),
            1
        );
        // The same uploaded bytes once, unless an import may share them.
        assert!(run(&db, INSERT, &insert_params("k4", "s1", ROOMY)).is_empty());
        let shared = insert_params_with("k4", "s1", "s1", None, ROOMY, true);
        assert_eq!(run(&db, INSERT, &shared).len(), 1);
        assert_eq!(
            one::<Option<String>>(&db, "SELECT sha256 FROM images WHERE object_key = 'k4'"),
            None
        );
        // A key once.
        assert!(run(&db, INSERT, &insert_params("k1", "s9", ROOMY)).is_empty());
        // A retired key takes back its own bytes only.
        db.execute(
            "INSERT INTO retired_keys (key, stored_sha256, retired_at) VALUES ('old', 'mine', 1)",
            [],
        )
        .unwrap();
        assert!(run(
            &db,
            INSERT,
            &insert_params_with("old", "x", "other", None, ROOMY, true)
        )
        .is_empty());
        assert_eq!(
            run(
                &db,
                INSERT,
                &insert_params_with("old", "x", "mine", None, ROOMY, true)
            )
            .len(),
            1
        );
        // And what refused them is what the refusal reads.
        let usage: (i64, i64) = db
            .query_row(USAGE, [], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap();
        assert_eq!(usage, (10 * 5 + 5, 5));
    }

    #[test]
    fn moves_are_claimed_once_finished_by_their_claim_and_counted() {
        let db = database();
        let id = run(
            &db,
            INSERT,
            &insert_params_with("k", "s", "s", Some(5), ROOMY, false),
        )[0];
        let claim = |sql: &str, now: i64, stale_before: i64| -> bool {
            !run(&db, sql, &[int(id), int(now), int(stale_before)]).is_empty()
        };
        let finish = |sql: &str, claimed: i64, lost: bool| -> bool {
            !run(
                &db,
                sql,
                &[
                    int(id),
                    int(claimed),
                    int(99),
                    int(i64::from(lost)),
                    int(i64::from(lost)),
                ],
            )
            .is_empty()
        };
        let state = || -> (Option<i64>, Option<String>, Option<i64>) {
            db.query_row(
                "SELECT deleted_at, move_to, move_claimed_at FROM images WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap()
        };
        assert!(
            !claim(CLAIM_RESTORE, 10, 0),
            "a live, settled image is not in the trash"
        );
        assert!(!claim(CLAIM_PURGE, 10, 0), "a live image is never purged");
        assert!(claim(CLAIM_DELETE, 10, 0));
        assert!(!claim(CLAIM_DELETE, 11, 0), "a fresh claim holds");
        assert!(!claim(CLAIM_RESTORE, 11, 0));
        assert_eq!(state(), (None, Some("trash".into()), Some(10)));
        assert!(
            claim(CLAIM_DELETE, 30, 20),
            "a claim that ran out is taken over"
        );
        assert!(
            !finish(FINISH_TRASH, 10, false),
            "the first claim is no longer good"
        );
        assert!(finish(FINISH_TRASH, 30, false));
        assert_eq!(state(), (Some(99), None, None));
        let trash: (i64, i64) = db
            .query_row(
                "SELECT trash_count, trash_bytes FROM image_stats",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(trash, (1, 10));
        let (page, total) = listing(&ListQuery {
            page: PageRequest::Number(1),
            page_size: 20,
            search: None,
            album: None,
            tags: vec![],
            labels: false,
        });
        assert_eq!(one::<i64>(&db, &total.sql), 0);
        assert!(run(&db, &page.sql, &[int(i64::MAX), int(20)]).is_empty());
        assert_eq!(run(&db, TRASH_PAGE, &[int(i64::MAX), int(20)]), [id]);
        // No thumbnail is recorded for a trashed image.
        assert!(run(&db, SET_THUMBNAIL, &[int(id), text("t"), int(1), int(1000)]).is_empty());

        // Back: live in D1 at the claim, recorded; settled when finished.
        assert!(claim(CLAIM_RESTORE, 40, 0));
        assert_eq!(state(), (None, Some("live".into()), Some(40)));
        assert_eq!(one::<i64>(&db, "SELECT trash_count FROM image_stats"), 0);
        assert!(
            finish(FINISH_LIVE, 40, true),
            "a lost thumbnail is forgotten"
        );
        assert_eq!(state(), (None, None, None));
        assert_eq!(
            one::<i64>(&db, "SELECT thumbnail_bytes FROM image_stats"),
            0
        );
        assert_eq!(
            run(&db, STALE_MOVES, &[int(i64::MAX), int(10)]),
            Vec::<i64>::new()
        );

        // Purged: the key is retired with its stored bytes' hash.
        assert!(claim(CLAIM_DELETE, 50, 0));
        assert!(finish(FINISH_TRASH, 50, false));
        assert!(claim(CLAIM_PURGE, 60, 0));
        assert_eq!(run(&db, STALE_MOVES, &[int(61 + 1), int(10)]), [id]);
        run(&db, RETIRE_CLAIMED, &[int(id), int(60), int(61)]);
        assert_eq!(run(&db, DELETE_CLAIMED, &[int(id), int(60)]), [id]);
        assert_eq!(
            one::<String>(
                &db,
                "SELECT stored_sha256 FROM retired_keys WHERE key = 'k'"
            ),
            "s"
        );
        let counters: (i64, i64, i64) = db
            .query_row(
                "SELECT image_count, trash_count, bytes_stored FROM image_stats",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(counters, (0, 0, 0));
    }

    #[test]
    fn reconcile_deletes_only_the_row_it_compared() {
        let db = database();
        let id = run(&db, INSERT, &insert_params("k", "s", ROOMY))[0];
        // Trashed since the listing: not deleted, not retired.
        run(&db, CLAIM_DELETE, &[int(id), int(1), int(0)]);
        run(&db, RETIRE_MISSING, &[int(id), text("k"), int(5)]);
        run(&db, DELETE_MISSING, &[int(id), text("k")]);
        assert_eq!(one::<i64>(&db, "SELECT count(*) FROM images"), 1);
        assert_eq!(one::<i64>(&db, "SELECT count(*) FROM retired_keys"), 0);
        run(&db, ABANDON_MOVE, &[int(id), int(1)]);
        run(&db, "UPDATE images SET move_to = NULL", &[]);
        run(&db, DELETE_MISSING, &[int(id), text("other")]);
        assert_eq!(one::<i64>(&db, "SELECT count(*) FROM images"), 1);
        run(&db, RETIRE_MISSING, &[int(id), text("k"), int(5)]);
        run(&db, DELETE_MISSING, &[int(id), text("k")]);
        assert_eq!(one::<i64>(&db, "SELECT count(*) FROM images"), 0);
        assert_eq!(one::<i64>(&db, "SELECT count(*) FROM retired_keys"), 1);
    }

    #[test]
    fn migration_0007_gives_rows_trashed_before_it_their_keys_back() {
        let db = Connection::open_in_memory().unwrap();
        let (before, after): (Vec<_>, Vec<_>) = migrations()
            .into_iter()
            .partition(|file| file.file_name().unwrap().to_str().unwrap() < "0007");
        apply(&db, &before);
        let row = |key: &str, sha: &str, deleted: Option<i64>| {
            db.execute(
                "INSERT INTO images (object_key, original_name, image_url, size, created_at, sha256, thumbnail_key, deleted_at) \
                 VALUES (?1, 'a', 'u', 1, 1, ?2, ?3, ?4)",
                rusqlite::params![key, sha, format!("{key}.thumb.webp"), deleted],
            )
            .unwrap();
        };
        row(".trash/2026-01-01/a.png", "a", Some(5));
        // Its key was taken by an import while it was in the trash.
        row(".trash/2026-01-01/b.png", "b", Some(5));
        row("2026-01-01/b.png", "c", None);
        apply(&db, &after);
        let rows: Vec<(String, String, Option<String>)> = db
            .prepare("SELECT object_key, thumbnail_key, move_to FROM images ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let row = |key: &str, moving: Option<&str>| {
            (
                key.to_string(),
                format!("{key}.thumb.webp"),
                moving.map(str::to_string),
            )
        };
        assert_eq!(
            rows,
            [
                row("2026-01-01/a.png", Some("trash")),
                row(".trash/2026-01-01/b.png", Some("trash")),
                row("2026-01-01/b.png", None),
            ]
        );
    }
}
