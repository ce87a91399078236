//! The SQL imghost runs against D1, in one place, so every statement can be
//! checked against the schema (see the query-plan test).

use imghost_shared::api::{ListQuery, PageRequest};

/// Columns of `ImageRecord`, in its field order.
pub const COLUMNS: &str = "id, object_key, original_name, image_url, content_type, size, \
     created_at, width, height, sha256, original_size, compressed_by";

pub const FIND_BY_SHA256: &str = "SELECT id, object_key, original_name, image_url, content_type, \
     size, created_at, width, height, sha256, original_size, compressed_by \
     FROM images WHERE sha256 = ?1";

pub const GET_BY_ID: &str = "SELECT id, object_key, original_name, image_url, content_type, \
     size, created_at, width, height, sha256, original_size, compressed_by \
     FROM images WHERE id = ?1";

/// Inserts unless the SHA-256 is already stored; returns the row if inserted.
pub const INSERT: &str = "INSERT INTO images (object_key, original_name, image_url, \
     content_type, size, created_at, width, height, sha256, original_size, compressed_by) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
     ON CONFLICT (sha256) DO NOTHING \
     RETURNING id, object_key, original_name, image_url, content_type, size, created_at, \
     width, height, sha256, original_size, compressed_by";

/// Puts a row back with its old id (after a failed object delete).
pub const RESTORE: &str = "INSERT INTO images (id, object_key, original_name, image_url, \
     content_type, size, created_at, width, height, sha256, original_size, compressed_by) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

pub const GET_BY_KEY: &str = "SELECT id, object_key, original_name, image_url, content_type, \
     size, created_at, width, height, sha256, original_size, compressed_by \
     FROM images WHERE object_key = ?1";

pub const DELETE: &str = "DELETE FROM images WHERE id = ?1";

/// The counters kept by triggers on `images` (migration 0003).
pub const STATS: &str = "SELECT image_count, bytes_stored, bytes_original, compression_count \
     FROM image_stats WHERE id = 1";

pub const SET_COMPRESSION_COUNT: &str =
    "UPDATE image_stats SET compression_count = ?1 WHERE id = 1";

/// Search texts shorter than this match name prefixes; longer ones match
/// anywhere in the name (the trigram index needs three characters).
pub const MIN_SUBSTRING_SEARCH_CHARS: usize = 3;

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

/// The page of rows (one more than the page size, to tell whether another
/// page follows) and the total, for a listing request.
pub fn listing(query: &ListQuery) -> (Statement, Statement) {
    let limit = Param::Int(i64::from(query.page_size) + 1);
    let offset = Param::Int(query.offset() as i64);
    let (from, filter, total, mut params) = match query.search.as_deref() {
        None => (
            "images",
            String::new(),
            Statement {
                sql: "SELECT image_count AS total FROM image_stats WHERE id = 1".into(),
                params: vec![],
            },
            vec![],
        ),
        Some(text) if text.chars().count() >= MIN_SUBSTRING_SEARCH_CHARS => {
            let phrase = Param::Text(fts_phrase(text));
            (
                "images_fts JOIN images ON images.id = images_fts.rowid",
                "images_fts MATCH ?1".to_string(),
                Statement {
                    sql: "SELECT count(*) AS total FROM images_fts WHERE images_fts MATCH ?1"
                        .into(),
                    params: vec![phrase.clone()],
                },
                vec![phrase],
            )
        }
        Some(prefix) => {
            let range = vec![
                Param::Text(prefix.to_string()),
                Param::Text(format!("{prefix}\u{10FFFF}")),
            ];
            let filter = "original_name >= ?1 COLLATE NOCASE AND original_name < ?2 COLLATE NOCASE";
            (
                "images",
                filter.to_string(),
                Statement {
                    sql: format!("SELECT count(*) AS total FROM images WHERE {filter}"),
                    params: range.clone(),
                },
                range,
            )
        }
    };
    let mut conditions: Vec<String> = Vec::new();
    if !filter.is_empty() {
        conditions.push(filter);
    }
    let order_key = if query.search.is_some() && from.starts_with("images_fts") {
        "images_fts.rowid"
    } else {
        "images.id"
    };
    let paging = match query.page {
        PageRequest::After(last) => {
            params.push(Param::Int(last.0));
            conditions.push(format!("{order_key} < ?{}", params.len()));
            params.push(limit);
            format!("LIMIT ?{}", params.len())
        }
        PageRequest::Number(_) => {
            params.push(limit);
            params.push(offset);
            format!("LIMIT ?{} OFFSET ?{}", params.len() - 1, params.len())
        }
    };
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let columns = COLUMNS
        .split(", ")
        .map(|column| format!("images.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    let page = Statement {
        sql: format!(
            "SELECT {columns} FROM {from}{where_clause} ORDER BY {order_key} DESC {paging}"
        ),
        params,
    };
    (page, total)
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

/// Quotes search text as one FTS5 phrase, so its characters are matched
/// literally (no operators, no column filters).
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
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
    fn plain_listing_pages_by_offset_or_cursor() {
        let (page, total) = listing(&query(PageRequest::Number(3), None));
        assert!(
            page.sql
                .ends_with("FROM images ORDER BY images.id DESC LIMIT ?1 OFFSET ?2"),
            "{}",
            page.sql
        );
        assert_eq!(page.params, vec![Param::Int(21), Param::Int(40)]);
        assert!(total.sql.contains("image_stats"));

        let (page, _) = listing(&query(PageRequest::After(ImageId(99)), None));
        assert!(
            page.sql
                .ends_with("FROM images WHERE images.id < ?1 ORDER BY images.id DESC LIMIT ?2"),
            "{}",
            page.sql
        );
        assert_eq!(page.params, vec![Param::Int(99), Param::Int(21)]);
    }

    #[test]
    fn long_search_uses_the_trigram_index_with_a_literal_phrase() {
        let (page, total) = listing(&query(
            PageRequest::After(ImageId(5)),
            Some("say \"hi\" OR x"),
        ));
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
        assert_eq!(
            page.params[0],
            Param::Text("\"say \"\"hi\"\" OR x\"".into())
        );
        assert_eq!(total.params, vec![page.params[0].clone()]);
    }

    #[test]
    fn short_search_matches_name_prefixes() {
        let (page, total) = listing(&query(PageRequest::Number(1), Some("猫")));
        assert!(
            page.sql.contains("original_name >= ?1 COLLATE NOCASE"),
            "{}",
            page.sql
        );
        assert_eq!(page.params[1], Param::Text("猫\u{10FFFF}".into()));
        assert_eq!(page.params[2..], [Param::Int(21), Param::Int(0)]);
        assert_eq!(total.params.len(), 2);
    }
}
