//! Who may call what: the scopes a token can hold, and the one table of
//! the scope each route needs. The Worker checks requests against it and
//! the README's table is kept equal to it by a test.

use super::routes;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Upload images, their thumbnails and their widths.
    Upload,
    /// List, search and read the stats and the trash.
    Read,
    /// Move images to the trash and restore them.
    Delete,
    /// Albums and tags: make, rename, delete, share, and put images in them.
    Organize,
    /// Tokens, reconcile, the audit log, purging the trash.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Upload,
        Scope::Read,
        Scope::Delete,
        Scope::Organize,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Read => "read",
            Self::Delete => "delete",
            Self::Organize => "organize",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// `upload,read` → the scopes, sorted and without repeats; an unknown
    /// or empty list is an error naming what is allowed.
    pub fn parse_list(text: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = text
            .split(',')
            .filter(|part| !part.trim().is_empty())
            .map(|part| {
                Self::parse(part).ok_or_else(|| {
                    format!(
                        "Unknown scope `{}`: use {}",
                        part.trim(),
                        Self::ALL.map(Self::as_str).join(", ")
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(format!(
                "Give at least one scope: {}",
                Self::ALL.map(Self::as_str).join(", ")
            ));
        }
        Ok(scopes)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Scopes written as the API and the database store them: `read,upload`.
pub fn join_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The scope each route needs: method, path, scope. Public image URLs
/// (`/i/...`) need none; a route missing here is refused to everyone but
/// an admin.
pub const ACCESS: &[(&str, &str, Scope)] = &[
    ("POST", routes::UPLOAD, Scope::Upload),
    ("PUT", routes::THUMBNAIL, Scope::Upload),
    ("PUT", routes::WIDTHS, Scope::Upload),
    ("GET", routes::QUERY, Scope::Read),
    ("GET", routes::STATS, Scope::Read),
    ("GET", routes::TRASH, Scope::Read),
    ("DELETE", routes::DELETE, Scope::Delete),
    ("POST", routes::TRASH_RESTORE, Scope::Delete),
    ("GET", routes::ALBUMS, Scope::Read),
    ("GET", routes::TAGS, Scope::Read),
    ("POST", routes::ALBUMS, Scope::Organize),
    ("PATCH", routes::ALBUMS, Scope::Organize),
    ("DELETE", routes::ALBUMS, Scope::Organize),
    ("POST", routes::ALBUM_IMAGES, Scope::Organize),
    ("POST", routes::TAG_IMAGES, Scope::Organize),
    ("DELETE", routes::TAGS, Scope::Organize),
    ("DELETE", routes::TRASH, Scope::Admin),
    ("GET", routes::RECONCILE, Scope::Admin),
    ("POST", routes::RECONCILE, Scope::Admin),
    ("GET", routes::AUDIT, Scope::Admin),
    ("GET", routes::TOKENS, Scope::Admin),
    ("POST", routes::TOKENS, Scope::Admin),
    ("DELETE", routes::TOKENS, Scope::Admin),
];

/// Storing under a key the client chooses (`POST /upload?key=`, how an
/// export comes back): a key names a URL that posts may already show, so
/// only an admin may pick one.
pub const KEYED_UPLOAD: (&str, &str, Scope) = ("POST", "/upload?key=", Scope::Admin);

/// Uploading bytes that are in the trash brings that image back, which is
/// a restore: a token without this scope gets 403 and the trash stays.
pub const RESTORE_BY_UPLOAD: Scope = Scope::Delete;

/// The scope a request needs, its query string included (`KEYED_UPLOAD`).
pub fn scope_for_request(method: &str, path: &str, query: &str) -> Scope {
    let (keyed_method, keyed_path, keyed_scope) = KEYED_UPLOAD;
    let (keyed_path, _) = keyed_path.split_once('?').unwrap_or((keyed_path, ""));
    let has_key = || {
        super::query_string::first_value(&super::query_string::decode_pairs(query), "key").is_some()
    };
    if method.eq_ignore_ascii_case(keyed_method) && path == keyed_path && has_key() {
        return keyed_scope;
    }
    required_scope(method, path)
}

/// The scope a request needs; unknown routes need `admin` (fail closed).
pub fn required_scope(method: &str, path: &str) -> Scope {
    ACCESS
        .iter()
        .find(|(m, p, _)| m.eq_ignore_ascii_case(method) && *p == path)
        .map_or(Scope::Admin, |(_, _, scope)| *scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_parse_sorted_and_refuse_unknown_or_empty() {
        assert_eq!(
            Scope::parse_list("read, Upload,read"),
            Ok(vec![Scope::Upload, Scope::Read])
        );
        assert!(Scope::parse_list("upload,root")
            .unwrap_err()
            .contains("`root`"));
        assert!(Scope::parse_list(" , ").is_err());
        assert_eq!(join_scopes(&[Scope::Upload, Scope::Admin]), "upload,admin");
        assert_eq!(Scope::Delete.to_string(), "delete");
    }

    #[test]
    fn every_route_has_its_scope_and_unknown_ones_need_admin() {
        assert_eq!(required_scope("post", routes::UPLOAD), Scope::Upload);
        assert_eq!(required_scope("GET", routes::QUERY), Scope::Read);
        assert_eq!(required_scope("DELETE", routes::DELETE), Scope::Delete);
        assert_eq!(required_scope("DELETE", routes::TRASH), Scope::Admin);
        assert_eq!(required_scope("GET", routes::TRASH), Scope::Read);
        assert_eq!(required_scope("GET", "/nowhere"), Scope::Admin);
        assert_eq!(required_scope("PATCH", routes::UPLOAD), Scope::Admin);
        assert_eq!(scope_for_request("POST", routes::UPLOAD, ""), Scope::Upload);
        assert_eq!(
            scope_for_request("POST", routes::UPLOAD, "created_at=1&key=a%2Fb.png"),
            Scope::Admin
        );
        assert_eq!(
            scope_for_request("POST", routes::UPLOAD, "keys=1"),
            Scope::Upload
        );
        assert_eq!(
            scope_for_request("GET", routes::QUERY, "key=x"),
            Scope::Read
        );
    }

    /// The README's table is this table: a route added here without its
    /// line there (or the other way round) fails.
    #[test]
    fn the_readme_lists_the_same_table() {
        let readme = include_str!("../../../README.md");
        let unquote = |cell: &str| {
            let cell = cell.trim();
            cell.strip_prefix('`')?
                .strip_suffix('`')
                .map(str::to_string)
        };
        let rows: Vec<(String, String, Scope)> = readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').collect();
                if cells.len() != 5 {
                    return None;
                }
                let method = unquote(cells[1])?;
                let scope = Scope::parse(&unquote(cells[3])?)?;
                Some((method, unquote(cells[2])?, scope))
            })
            .collect();
        for (method, path, scope) in ACCESS.iter().chain([&KEYED_UPLOAD]) {
            assert!(
                rows.contains(&(method.to_string(), path.to_string(), *scope)),
                "README lacks | `{method}` | `{path}` | `{scope}` |"
            );
        }
        assert_eq!(
            rows.len(),
            ACCESS.len() + 1,
            "README has rows not in ACCESS"
        );
    }
}
