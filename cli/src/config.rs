//! Where the API is and the token for it: stored by `imghost login` in the
//! platform's config directory, overridden by `IMGHOST_URL` / `IMGHOST_TOKEN`.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const URL_VAR: &str = "IMGHOST_URL";
pub const TOKEN_VAR: &str = "IMGHOST_TOKEN";
/// The album uploads go into when no `--album` is given (Typora's and
/// PicGo's uploads included).
pub const ALBUM_VAR: &str = "IMGHOST_ALBUM";

/// `IMGHOST_ALBUM`, when set and not blank.
pub fn default_album() -> Option<String> {
    std::env::var(ALBUM_VAR)
        .ok()
        .filter(|path| !path.trim().is_empty())
}
const FILE_NAME: &str = "config.json";

/// What `imghost login` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConfig {
    pub url: String,
    /// Empty for a server that runs without authentication.
    #[serde(default)]
    pub token: String,
}

/// The API to talk to, after the environment has had its say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Base URL without a trailing slash, e.g. `https://imghost.you.workers.dev`.
    pub url: String,
    pub token: Option<String>,
}

/// `~/.config/imghost/config.json` on Linux, `~/Library/Application
/// Support/imghost/config.json` on macOS, `%APPDATA%\imghost\config\config.json`
/// on Windows.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "imghost").map(|dirs| dirs.config_dir().join(FILE_NAME))
}

/// Reads the stored config; `None` when there is none yet.
pub fn load(path: &Path) -> Result<Option<StoredConfig>, Error> {
    match fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|error| Error::ConfigInvalid {
                    path: path.to_path_buf(),
                    error,
                })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::ConfigUnreadable(e)),
    }
}

/// Writes the config readable by its owner only (0600 on Unix, in a 0700
/// directory), replacing any previous one atomically.
pub fn save(path: &Path, config: &StoredConfig) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let temporary = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
    let result = write_private(&temporary, config).and_then(|()| fs::rename(&temporary, path));
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

fn write_private(path: &Path, config: &StoredConfig) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let mut text = serde_json::to_string_pretty(config).map_err(io::Error::other)?;
    text.push('\n');
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Combines the stored config with `IMGHOST_URL` / `IMGHOST_TOKEN` (each
/// overrides its stored value; empty counts as unset).
pub fn resolve(
    stored: Option<StoredConfig>,
    env_url: Option<String>,
    env_token: Option<String>,
) -> Result<Settings, Error> {
    let non_empty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let (stored_url, stored_token) = match stored {
        Some(config) => (Some(config.url), Some(config.token)),
        None => (None, None),
    };
    let url = match non_empty(env_url) {
        Some(url) => normalize_url(&url).map_err(|e| Error::EnvUrl(Box::new(e)))?,
        None => non_empty(stored_url).ok_or(Error::NotLoggedIn)?,
    };
    let token = non_empty(env_token)
        .or(non_empty(stored_token))
        .map(|t| t.trim().to_string());
    Ok(Settings { url, token })
}

/// Checks an API address and drops the trailing slash:
/// `https://imghost.you.workers.dev/` → `https://imghost.you.workers.dev`.
pub fn normalize_url(input: &str) -> Result<String, Error> {
    let input = input.trim();
    let parsed = reqwest::Url::parse(input).map_err(|error| Error::NotAUrl {
        input: input.to_string(),
        error,
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::NotHttp(input.to_string()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::NoHost(input.to_string()));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::UrlWithQuery(input.to_string()));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// Plain `http://` to another machine sends the token in the clear.
pub fn is_insecure(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = parsed.host_str().unwrap_or("");
    parsed.scheme() == "http" && !is_loopback_host(host)
}

/// `localhost`, `127.x.x.x` or `::1` (with or without brackets).
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(url: &str, token: &str) -> Option<StoredConfig> {
        Some(StoredConfig {
            url: url.into(),
            token: token.into(),
        })
    }

    #[test]
    fn path_is_in_the_platform_config_dir() {
        let path = default_path().expect("a home directory");
        assert_eq!(path.file_name().unwrap(), "config.json");
        assert!(path.to_string_lossy().contains("imghost"), "{path:?}");
    }

    #[test]
    fn save_then_load_round_trips_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/imghost/config.json");
        assert_eq!(load(&path).unwrap(), None);
        let config = StoredConfig {
            url: "https://img.example".into(),
            token: "s3cret".into(),
        };
        save(&path, &config).unwrap();
        assert_eq!(load(&path).unwrap(), Some(config.clone()));

        let replaced = StoredConfig {
            token: "other".into(),
            ..config
        };
        save(&path, &replaced).unwrap();
        assert_eq!(load(&path).unwrap(), Some(replaced));
        // Only the config file is left behind, no temporary file.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["config.json"]);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }
    }

    #[test]
    fn a_broken_file_is_an_error_not_a_silent_logout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        fs::write(&path, "url = 'toml?'").unwrap();
        let error = load(&path).unwrap_err();
        assert!(
            error.to_string().contains("is not a valid imghost config"),
            "{error}"
        );
    }

    #[test]
    fn environment_overrides_each_stored_value() {
        let both = resolve(stored("https://a.example", "t1"), None, None).unwrap();
        assert_eq!(
            both,
            Settings {
                url: "https://a.example".into(),
                token: Some("t1".into())
            }
        );
        let url_only = resolve(
            stored("https://a.example", "t1"),
            Some("http://127.0.0.1:8787/".into()),
            None,
        )
        .unwrap();
        assert_eq!(url_only.url, "http://127.0.0.1:8787");
        assert_eq!(url_only.token.as_deref(), Some("t1"));
        let token_only =
            resolve(stored("https://a.example", "t1"), None, Some("t2".into())).unwrap();
        assert_eq!(token_only.url, "https://a.example");
        assert_eq!(token_only.token.as_deref(), Some("t2"));
        let env_only = resolve(None, Some("https://b.example".into()), Some("t3".into())).unwrap();
        assert_eq!(env_only.url, "https://b.example");
        assert_eq!(env_only.token.as_deref(), Some("t3"));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let settings = resolve(
            stored("https://a.example", ""),
            Some(String::new()),
            Some("  ".into()),
        )
        .unwrap();
        assert_eq!(settings.url, "https://a.example");
        assert_eq!(settings.token, None);
        let error = resolve(None, Some(String::new()), Some("t".into())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "not logged in: run `imghost login`, or set IMGHOST_URL and IMGHOST_TOKEN"
        );
    }

    #[test]
    fn urls_are_checked_and_lose_the_trailing_slash() {
        assert_eq!(
            normalize_url(" https://imghost.you.workers.dev/ ").unwrap(),
            "https://imghost.you.workers.dev"
        );
        assert_eq!(
            normalize_url("http://127.0.0.1:8787").unwrap(),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            normalize_url("https://example.com/imghost/").unwrap(),
            "https://example.com/imghost"
        );
        for bad in [
            "",
            "imghost.you.workers.dev",
            "ftp://example.com",
            "https://example.com/?token=x",
            "https://example.com/#x",
        ] {
            assert!(normalize_url(bad).is_err(), "{bad:?}");
        }
        assert!(resolve(None, Some("nonsense".into()), None)
            .unwrap_err()
            .to_string()
            .starts_with("IMGHOST_URL: "));
    }

    #[test]
    fn plain_http_is_insecure_except_on_loopback() {
        assert!(is_insecure("http://imghost.example.com"));
        assert!(is_insecure("http://192.168.1.5:8787"));
        assert!(!is_insecure("https://imghost.example.com"));
        assert!(!is_insecure("http://127.0.0.1:8787"));
        assert!(!is_insecure("http://localhost:8787"));
        assert!(!is_insecure("http://[::1]:8787"));
    }
}
