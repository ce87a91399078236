//! The SQL imghost runs against D1, in one place, so every statement can be
//! checked against the schema (see the query-plan test).

use imghost_shared::api::{ListQuery, PageRequest};

/// The columns of `ImageRecord`, in its field order (a macro, so that the
/// statements below can be `concat!`-ed at compile time).
macro_rules! image_columns {
    () => {
        "id, object_key, original_name, image_url, content_type, size, created_at, \
         width, height, sha256, original_size, compressed_by, animated, thumbnail_key, deleted_at"
    };
}

pub const COLUMNS: &str = image_columns!();

pub const FIND_BY_SHA256: &str = concat!(
    "SELECT ",
    image_columns!(),
    " FROM images WHERE sha256 = ?1"
);

pub const GET_BY_KEY: &str = concat!(
    "SELECT ",
    image_columns!(),
    " FROM images WHERE object_key = ?1"
);

pub const GET_BY_ID: &str = concat!("SELECT ", image_columns!(), " FROM images WHERE id = ?1");

/// Records a thumbnail for an image that has none; returns the row if it did.
pub const SET_THUMBNAIL: &str = concat!(
    "UPDATE images SET thumbnail_key = ?2 WHERE id = ?1 AND thumbnail_key IS NULL RETURNING ",
    image_columns!()
);

/// Which of up to 50 keys (?1 to ?50, unused ones NULL) are the thumbnail
/// of some row.
pub const THUMBNAILS_AMONG: &str = "SELECT thumbnail_key FROM images WHERE thumbnail_key IN \
     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
     ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, \
     ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50)";
pub const THUMBNAILS_AMONG_KEYS: usize = 50;

/// Inserts unless the SHA-256 is already stored; returns the row if inserted.
/// ?12 is the name's `search_text`.
pub const INSERT: &str = concat!(
    "INSERT INTO images (object_key, original_name, image_url, content_type, size, \
     created_at, width, height, sha256, original_size, compressed_by, search_text, \
     animated, thumbnail_key) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
     ON CONFLICT (sha256) DO NOTHING RETURNING ",
    image_columns!()
);

/// Puts a row back with its old id (after a failed object delete); ?16 is
/// the name's `search_text`.
pub const RESTORE: &str = concat!(
    "INSERT INTO images (",
    image_columns!(),
    ", search_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
);

pub const DELETE: &str = "DELETE FROM images WHERE id = ?1";

/// Purges a row from the trash and returns it as it was, in one round
/// trip. Only a trashed row: a live image is never deleted for good.
pub const DELETE_RETURNING: &str = concat!(
    "DELETE FROM images WHERE id = ?1 AND deleted_at IS NOT NULL RETURNING ",
    image_columns!()
);

/// Moves a live row to the trash: its keys now name the `.trash/` copies.
/// ?2 is the time.
pub const TRASH: &str = concat!(
    "UPDATE images SET deleted_at = ?2, object_key = '.trash/' || object_key, \
     thumbnail_key = '.trash/' || thumbnail_key \
     WHERE id = ?1 AND deleted_at IS NULL RETURNING ",
    image_columns!()
);

/// Takes a row out of the trash, back to its own keys.
pub const UNTRASH: &str = concat!(
    "UPDATE images SET deleted_at = NULL, object_key = substr(object_key, 8), \
     thumbnail_key = substr(thumbnail_key, 8) \
     WHERE id = ?1 AND deleted_at IS NOT NULL AND object_key LIKE '.trash/%' RETURNING ",
    image_columns!()
);

/// One page of the trash, newest first: ids below ?1, at most ?2.
pub const TRASH_PAGE: &str = concat!(
    "SELECT ",
    image_columns!(),
    " FROM images WHERE deleted_at IS NOT NULL AND id < ?1 ORDER BY id DESC LIMIT ?2"
);

/// Trashed rows deleted at or before ?1, oldest ids first, at most ?2.
pub const TRASHED_BEFORE: &str = "SELECT id FROM images \
     WHERE deleted_at IS NOT NULL AND deleted_at <= ?1 ORDER BY id LIMIT ?2";

/// The counters kept by triggers on `images` (migrations 0003 and 0006),
/// and the uploads of day ?1 (days since the epoch, UTC).
pub const STATS: &str = "SELECT image_count, bytes_stored, bytes_original, compression_count, \
     trash_count, trash_bytes, \
     COALESCE((SELECT uploads FROM daily_uploads WHERE day = ?1), 0) AS uploads_today \
     FROM image_stats WHERE id = 1";

/// Days before ?1 no longer matter to the daily limit.
pub const PRUNE_DAILY_UPLOADS: &str = "DELETE FROM daily_uploads WHERE day < ?1";

pub const SET_COMPRESSION_COUNT: &str =
    "UPDATE image_stats SET compression_count = ?1 WHERE id = 1";

/// Images in the trash, from the counter the triggers keep.
pub const TRASH_COUNT: &str = "SELECT trash_count FROM image_stats WHERE id = 1";

// Named tokens (migration 0006).

pub const TOKEN_FIND_BY_HASH: &str =
    "SELECT id, name, scopes, expires_at, last_used_at, revoked_at \
     FROM tokens WHERE token_hash = ?1";

pub const TOKEN_TOUCH: &str = "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1";

/// Inserts unless a live token has the name; returns the row if inserted.
pub const TOKEN_CREATE: &str =
    "INSERT INTO tokens (name, token_hash, scopes, created_at, expires_at) \
     SELECT ?1, ?2, ?3, ?4, ?5 \
     WHERE NOT EXISTS (SELECT 1 FROM tokens WHERE name = ?1 AND revoked_at IS NULL) \
     RETURNING name, scopes, created_at, expires_at, last_used_at";

pub const TOKEN_LIST: &str = "SELECT name, scopes, created_at, expires_at, last_used_at \
     FROM tokens WHERE revoked_at IS NULL ORDER BY id DESC";

pub const TOKEN_REVOKE: &str =
    "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL \
     RETURNING name";

// The audit log (migration 0006).

/// Records a change when the statement before it in the batch changed a
/// row; `target` NULL means the row that statement inserted.
pub const AUDIT_RECORD_IF_CHANGED: &str = "INSERT INTO audit_log \
     (at, token, action, target, detail, ip, user_agent) \
     SELECT ?1, ?2, ?3, COALESCE(?4, last_insert_rowid()), ?5, ?6, ?7 WHERE changes() > 0";

/// Records a change that is not a D1 change (an R2 object removed).
pub const AUDIT_RECORD: &str = "INSERT INTO audit_log \
     (at, token, action, target, detail, ip, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

pub const AUDIT_PAGE: &str = "SELECT id, at, token, action, target, detail, ip, user_agent \
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
/// everything for a first page), read newest first through the primary key
/// or the name indexes. Only `pageNum` beyond 1, kept for old clients, adds
/// an OFFSET, which reads the skipped rows; cursors never do.
pub fn listing(query: &ListQuery) -> (Statement, Statement) {
    let mut params = Vec::new();
    let (from, id, mut conditions, total) = match query.search.as_deref() {
        None => (
            "images",
            "images.id",
            vec![],
            Statement {
                sql: "SELECT image_count - trash_count AS total FROM image_stats WHERE id = 1"
                    .into(),
                params: vec![],
            },
        ),
        Some(text) => {
            params.push(Param::Text(search_phrase(text)));
            (
                "images_fts JOIN images ON images.id = images_fts.rowid",
                "images_fts.rowid",
                vec!["images_fts MATCH ?1".to_string()],
                Statement {
                    sql: "SELECT count(*) AS total FROM images_fts \
                          JOIN images ON images.id = images_fts.rowid \
                          WHERE images_fts MATCH ?1 AND images.deleted_at IS NULL"
                        .into(),
                    params: params.clone(),
                },
            )
        }
    };
    let below = match query.page {
        PageRequest::After(last) => last.0,
        PageRequest::Number(_) => i64::MAX,
    };
    params.push(Param::Int(below));
    conditions.push(format!("{id} < ?{}", params.len()));
    conditions.push("images.deleted_at IS NULL".into());
    params.push(Param::Int(i64::from(query.page_size)));
    let mut paging = format!("LIMIT ?{}", params.len());
    if query.offset() > 0 {
        params.push(Param::Int(query.offset() as i64));
        paging.push_str(&format!(" OFFSET ?{}", params.len()));
    }
    let page = Statement {
        sql: format!(
            "SELECT {} FROM {from} WHERE {} ORDER BY {id} DESC {paging}",
            qualified_columns(),
            conditions.join(" AND ")
        ),
        params,
    };
    (page, total)
}

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
        }
    }

    #[test]
    fn first_pages_and_cursors_are_keyset_ranges() {
        let (page, total) = listing(&query(PageRequest::Number(1), None));
        assert!(
            page.sql.ends_with(
                "FROM images WHERE images.id < ?1 AND images.deleted_at IS NULL \
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
            page.sql
                .contains("WHERE images_fts MATCH ?1 AND images_fts.rowid < ?2"),
            "{}",
            page.sql
        );
        assert_eq!(page.params[0], Param::Text("\"猫   \"\" O R \"\"\"".into()));
        assert_eq!(total.params, vec![page.params[0].clone()]);
    }

    #[test]
    fn search_text_spaces_every_character() {
        assert_eq!(search_text("猫咪.png"), "猫 咪 . p n g ");
        assert_eq!(search_text(""), "");
    }
}

/// Every statement above, planned by SQLite against the schema the
/// migrations build: no listing, search or lookup may scan the images table.
#[cfg(test)]
mod query_plans {
    use super::*;
    use imghost_shared::api::ImageId;
    use rusqlite::Connection;

    fn database() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            db.execute_batch(&std::fs::read_to_string(&file).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
        db
    }

    /// The plan's detail lines, e.g. "SEARCH images USING INTEGER PRIMARY KEY (rowid<?)".
    fn plan(db: &Connection, statement: &Statement) -> Vec<String> {
        let params: Vec<rusqlite::types::Value> = statement
            .params
            .iter()
            .map(|param| match param {
                Param::Int(value) => (*value).into(),
                Param::Text(text) => text.clone().into(),
            })
            .collect();
        let mut explain = db
            .prepare(&format!("EXPLAIN QUERY PLAN {}", statement.sql))
            .unwrap();
        let rows = explain
            .query_map(rusqlite::params_from_iter(params), |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn assert_no_table_scan(db: &Connection, statement: &Statement) {
        let plan = plan(db, statement);
        for line in &plan {
            let scans_table = line.starts_with("SCAN ") && !line.contains("VIRTUAL TABLE");
            assert!(!scans_table, "{}\n  plan: {plan:?}", statement.sql);
            // FTS5 reports "SCAN ... VIRTUAL TABLE INDEX n:M..." when it
            // answers a MATCH from its index; without ":M" it reads everything.
            if line.contains("VIRTUAL TABLE") {
                assert!(line.contains(":M"), "{}\n  plan: {plan:?}", statement.sql);
            }
        }
    }

    fn text(sql: &str, values: &[&str]) -> Statement {
        Statement {
            sql: sql.to_string(),
            params: values.iter().map(|v| Param::Text(v.to_string())).collect(),
        }
    }

    #[test]
    fn listings_and_searches_never_scan_the_table() {
        let db = database();
        for search in [
            None,
            Some("holiday"),
            Some("猫咪照片"),
            Some("ab"),
            Some("x"),
        ] {
            for page in [PageRequest::Number(1), PageRequest::After(ImageId(1000))] {
                let (rows, total) = listing(&ListQuery {
                    page,
                    page_size: 50,
                    search: search.map(str::to_string),
                });
                assert_no_table_scan(&db, &rows);
                assert_no_table_scan(&db, &total);
            }
        }
    }

    #[test]
    fn lookups_use_indexes() {
        let db = database();
        for statement in [
            text(FIND_BY_SHA256, &["ab"]),
            text(GET_BY_KEY, &["2026-11-28/x.png"]),
            text(THUMBNAILS_AMONG, &["2026-11-28/x.png.thumb.webp"; 50]),
            Statement {
                sql: GET_BY_ID.into(),
                params: vec![Param::Int(1)],
            },
            Statement {
                sql: SET_THUMBNAIL.into(),
                params: vec![Param::Int(1), Param::Text("k.thumb.webp".into())],
            },
            Statement {
                sql: DELETE.into(),
                params: vec![Param::Int(1)],
            },
            Statement {
                sql: DELETE_RETURNING.into(),
                params: vec![Param::Int(1)],
            },
            Statement {
                sql: STATS.into(),
                params: vec![Param::Int(20_000)],
            },
            Statement {
                sql: TRASH.into(),
                params: vec![Param::Int(1), Param::Int(2)],
            },
            Statement {
                sql: UNTRASH.into(),
                params: vec![Param::Int(1)],
            },
            Statement {
                sql: TRASH_PAGE.into(),
                params: vec![Param::Int(1), Param::Int(50)],
            },
            Statement {
                sql: TRASHED_BEFORE.into(),
                params: vec![Param::Int(1), Param::Int(100)],
            },
            Statement {
                sql: TRASH_COUNT.into(),
                params: vec![],
            },
            text(TOKEN_FIND_BY_HASH, &["ab"]),
            Statement {
                sql: TOKEN_TOUCH.into(),
                params: vec![Param::Int(1), Param::Int(2)],
            },
            text(TOKEN_CREATE, &["typora", "ab", "upload", "1", "2"]),
            Statement {
                sql: TOKEN_REVOKE.into(),
                params: vec![Param::Text("typora".into()), Param::Int(2)],
            },
            Statement {
                sql: AUDIT_PAGE.into(),
                params: vec![Param::Int(100), Param::Int(50)],
            },
            Statement {
                sql: AUDIT_PRUNE.into(),
                params: vec![Param::Int(100)],
            },
            rows_in_key_window(Some("2026-01-01/a"), Some("2026-02-01/b"), 1000),
            rows_in_key_window(None, None, 1000),
        ] {
            let plan = plan(&db, &statement);
            // Walking the partial index of the trash reads trashed rows only.
            assert!(
                plan.iter().all(|line| !line.starts_with("SCAN images")
                    || line == "SCAN images USING INDEX images_trash"),
                "{}\n  plan: {plan:?}",
                statement.sql
            );
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
                    None::<String>
                ],
            )
            .unwrap()
        };
        let audit_rows = || -> Vec<(String, Option<String>)> {
            db.prepare("SELECT action, target FROM audit_log ORDER BY id")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        // Statements with RETURNING: the rows they answer.
        let returned = |sql: &str, params: &[&dyn rusqlite::ToSql]| {
            db.prepare(sql)
                .unwrap()
                .query_map(params, |_| Ok(()))
                .unwrap()
                .count()
        };
        let id = insert(&db, "2026-11-28/a.png", "a.png", 1).unwrap();
        assert_eq!(record("upload", None), 1);
        assert!(insert(&db, "2026-11-28/b.png", "b.png", 2).is_err());
        assert_eq!(record("upload", None), 0);
        assert_eq!(
            returned(
                TOKEN_CREATE,
                rusqlite::params!["typora", "ab", "upload", 1, None::<i64>]
            ),
            1
        );
        assert_eq!(returned(TOKEN_REVOKE, rusqlite::params!["typora", 2]), 1);
        assert_eq!(record("token_revoke", Some("typora")), 1);
        assert_eq!(returned(TOKEN_REVOKE, rusqlite::params!["typora", 3]), 0);
        assert_eq!(record("token_revoke", Some("typora")), 0);
        assert_eq!(
            audit_rows(),
            [
                ("upload".to_string(), Some(id.to_string())),
                ("token_revoke".to_string(), Some("typora".to_string()))
            ]
        );
        // A live name is taken; once revoked it can be given again.
        assert_eq!(
            returned(
                TOKEN_CREATE,
                rusqlite::params!["typora", "cd", "read", 4, None::<i64>]
            ),
            1
        );
        assert_eq!(
            returned(
                TOKEN_CREATE,
                rusqlite::params!["typora", "ef", "read", 5, None::<i64>]
            ),
            0
        );
    }

    /// Runs INSERT for a 10-byte image with SHA-256 "ab"; the new row's id.
    fn insert(db: &Connection, key: &str, name: &str, created_at: i64) -> rusqlite::Result<i64> {
        db.prepare(INSERT)?.query_row(
            rusqlite::params![
                key,
                name,
                format!("https://x/{key}"),
                "image/png",
                10,
                created_at,
                1,
                1,
                "ab",
                12,
                "none",
                search_text(name),
                0,
                None::<String>
            ],
            |row| row.get::<_, i64>(0),
        )
    }

    #[test]
    fn statements_run_against_the_schema() {
        let db = database();
        assert_eq!(insert(&db, "2026-11-28/a.png", "猫咪.png", 1).unwrap(), 1);
        // A second row with the same SHA-256 is not inserted and returns nothing.
        let duplicate = insert(&db, "2026-11-28/b.png", "b.png", 2);
        assert!(matches!(
            duplicate,
            Err(rusqlite::Error::QueryReturnedNoRows)
        ));
        let (count, stored): (i64, i64) = db
            .query_row(
                "SELECT image_count, bytes_stored FROM image_stats",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((count, stored), (1, 10));
        let found: i64 = db
            .query_row(
                "SELECT count(*) FROM images_fts WHERE images_fts MATCH ?1",
                [search_phrase("咪.P")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 1);

        // A live row cannot be purged; trashed, it can. Then put it back
        // as it was: counters and index follow.
        assert!(db
            .query_row(DELETE_RETURNING, [1], |row| row.get::<_, String>(1))
            .is_err());
        let trashed: String = db.query_row(TRASH, [1, 99], |row| row.get(1)).unwrap();
        assert_eq!(trashed, ".trash/2026-11-28/a.png");
        let deleted: String = db
            .query_row(DELETE_RETURNING, [1], |row| row.get(1))
            .unwrap();
        assert_eq!(deleted, ".trash/2026-11-28/a.png");
        let restored = db
            .execute(
                RESTORE,
                rusqlite::params![
                    1,
                    "2026-11-28/a.png",
                    "猫咪.png",
                    "https://x/2026-11-28/a.png",
                    "image/png",
                    10,
                    1,
                    1,
                    1,
                    "ab",
                    12,
                    "none",
                    0,
                    "2026-11-28/a.png.thumb.webp",
                    None::<i64>,
                    search_text("猫咪.png")
                ],
            )
            .unwrap();
        assert_eq!(restored, 1);
        // A row keeps the first thumbnail recorded for it.
        let owners: Vec<String> = db
            .prepare(THUMBNAILS_AMONG)
            .unwrap()
            .query_map(
                rusqlite::params_from_iter(
                    ["2026-11-28/a.png.thumb.webp", "other.thumb.webp"]
                        .into_iter()
                        .map(Some)
                        .chain(std::iter::repeat_n(None, THUMBNAILS_AMONG_KEYS - 2)),
                ),
                |row| row.get(0),
            )
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(owners, ["2026-11-28/a.png.thumb.webp"]);
        assert_eq!(
            db.execute(SET_THUMBNAIL, rusqlite::params![1, "x.thumb.jpg"])
                .unwrap(),
            0
        );
        db.execute(SET_COMPRESSION_COUNT, [42]).unwrap();
        let counters: (i64, i64, Option<i64>) = db
            .query_row(STATS, [0], |r| Ok((r.get(0)?, r.get(1)?, r.get(3)?)))
            .unwrap();
        assert_eq!(counters, (1, 10, Some(42)));

        // Trash and untrash: the keys move under `.trash/` and back, the
        // trash counters follow, and listing leaves trashed rows out.
        let keys: (String, String) = db
            .query_row(TRASH, [1, 99], |row| Ok((row.get(1)?, row.get(13)?)))
            .unwrap();
        assert_eq!(
            keys,
            (
                ".trash/2026-11-28/a.png".into(),
                ".trash/2026-11-28/a.png.thumb.webp".into()
            )
        );
        let trash: (i64, i64) = db
            .query_row(STATS, [0], |r| Ok((r.get(4)?, r.get(5)?)))
            .unwrap();
        assert_eq!(trash, (1, 10));
        let (page, total) = listing(&ListQuery {
            page: PageRequest::Number(1),
            page_size: 20,
            search: None,
        });
        assert_eq!(
            db.query_row(&total.sql, [], |r| r.get::<_, i64>(0))
                .unwrap(),
            0
        );
        let listed = db
            .prepare(&page.sql)
            .unwrap()
            .query_map(rusqlite::params![i64::MAX, 20], |r| r.get::<_, i64>(0))
            .unwrap()
            .count();
        assert_eq!(listed, 0);
        let in_trash = db
            .prepare(TRASH_PAGE)
            .unwrap()
            .query_map(rusqlite::params![i64::MAX, 20], |r| r.get::<_, i64>(0))
            .unwrap()
            .count();
        assert_eq!(in_trash, 1);
        let keys: (String, Option<i64>) = db
            .query_row(UNTRASH, [1], |row| Ok((row.get(1)?, row.get(14)?)))
            .unwrap();
        assert_eq!(keys, ("2026-11-28/a.png".into(), None));
        let trash: (i64, i64) = db
            .query_row(STATS, [0], |r| Ok((r.get(4)?, r.get(5)?)))
            .unwrap();
        assert_eq!(trash, (0, 0));
        // Every insert counts for the day it happened on.
        let today: i64 = db
            .query_row(
                "SELECT CAST(strftime('%s', 'now') AS INTEGER) / 86400",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let uploads: i64 = db.query_row(STATS, [today], |r| r.get(6)).unwrap();
        assert_eq!(uploads, 2);
        let found: i64 = db
            .query_row(
                "SELECT count(*) FROM images_fts WHERE images_fts MATCH ?1",
                [search_phrase("猫")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 1);
    }
}
