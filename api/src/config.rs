//! Settings from `wrangler.toml` vars and secrets, parsed once per isolate.

use crate::cors::AllowedOrigins;
use crate::tinify::{convert_target, TinifyConfig};
use imghost_shared::key_template::KeyTemplate;
use std::cell::OnceCell;
use std::rc::Rc;
use std::time::Duration;

pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;
pub const DEFAULT_ORPHAN_GRACE_SECONDS: u64 = 600;
pub const DEFAULT_TINIFY_API_URL: &str = "https://api.tinify.com";
pub const DEFAULT_COMPRESS_MIN_BYTES: u64 = 10 * 1024;
pub const DEFAULT_TINIFY_TIMEOUT_MS: u64 = 20_000;
/// Under R2's free 10 GB, leaving room for thumbnails, which the quota
/// does not count.
pub const DEFAULT_MAX_STORAGE_BYTES: u64 = 9_000_000_000;
pub const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 90;
/// 100 megapixels: more than any camera a blog's photos come from, and a
/// bound on what a client that decodes the image (for its thumbnail, or a
/// reader's browser) has to hold in memory.
pub const DEFAULT_MAX_IMAGE_PIXELS: u64 = 100_000_000;

#[derive(Debug, Clone)]
pub struct Config {
    pub auth: AuthMode,
    pub allowed_origins: AllowedOrigins,
    /// Where image URLs point; `None` means this Worker's own `/i/` route.
    pub public_base_url: Option<String>,
    pub max_upload_bytes: u64,
    /// Images with more pixels are refused (413).
    pub max_image_pixels: u64,
    pub allow_svg: bool,
    /// Sites allowed to embed images (empty: any).
    pub allowed_referers: Vec<String>,
    /// How old an object without a row must be for reconcile to call it an
    /// orphan (younger ones may be uploads whose row is being written).
    pub orphan_grace_seconds: u64,
    /// Set when TINIFY_API_KEY is.
    pub tinify: Option<TinifyConfig>,
    /// Bytes of images in R2, the trash included, beyond which uploads are
    /// refused.
    pub max_storage_bytes: u64,
    pub max_uploads_per_day: Option<u64>,
    /// Days an image stays in the trash; 0 purges it at the next run.
    pub trash_days: u64,
    pub audit_retention_days: u64,
    /// Limits whose value is not a whole number. Nothing is guessed for
    /// them: uploads are refused while a quota is unreadable, and the
    /// clean-up skips what an unreadable number of days governs.
    pub unreadable: Vec<&'static str>,
    /// The shape of new keys, `KEY_TEMPLATE`: `Ok(None)` for today's shape,
    /// `Err` (why) for a template that is refused, which turns uploads off
    /// rather than make keys that could collide.
    pub key_template: Result<Option<KeyTemplate>, String>,
}

/// The vars that must be whole numbers when set, read fail-closed.
pub const QUOTA_VARS: [&str; 2] = ["MAX_STORAGE_BYTES", "MAX_UPLOADS_PER_DAY"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    Token(String),
    /// `AUTH_DISABLED = "true"`: the operator chose an open server.
    Disabled,
    /// No token set and no explicit opt-out: refuse protected routes.
    Unconfigured,
}

impl Config {
    /// Builds the config from a lookup of vars and secrets by name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let flag = |name: &str| {
            non_empty(name)
                .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
        };
        let number = |name: &str| non_empty(name).and_then(|v| v.parse::<u64>().ok());
        let unreadable = [
            "MAX_STORAGE_BYTES",
            "MAX_UPLOADS_PER_DAY",
            "TRASH_DAYS",
            "AUDIT_RETENTION_DAYS",
        ]
        .into_iter()
        .filter(|name| non_empty(name).is_some_and(|v| v.parse::<u64>().is_err()))
        .collect();
        let auth = match non_empty("ADMIN_TOKEN") {
            Some(token) => AuthMode::Token(token),
            None if flag("AUTH_DISABLED") => AuthMode::Disabled,
            None => AuthMode::Unconfigured,
        };
        Self {
            auth,
            allowed_origins: AllowedOrigins::parse(
                non_empty("ALLOWED_ORIGINS").as_deref().unwrap_or("*"),
            ),
            public_base_url: non_empty("PUBLIC_IMAGE_BASE_URL")
                .map(|url| url.trim_end_matches('/').to_string()),
            max_upload_bytes: number("MAX_UPLOAD_BYTES")
                .filter(|limit| *limit > 0)
                .unwrap_or(DEFAULT_MAX_UPLOAD_BYTES),
            max_image_pixels: number("MAX_IMAGE_PIXELS")
                .filter(|limit| *limit > 0)
                .unwrap_or(DEFAULT_MAX_IMAGE_PIXELS),
            allow_svg: flag("ALLOW_SVG"),
            allowed_referers: non_empty("ALLOWED_REFERERS")
                .map(|list| {
                    list.split(',')
                        .map(|entry| entry.trim().to_string())
                        .filter(|entry| !entry.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            orphan_grace_seconds: number("ORPHAN_GRACE_SECONDS")
                .unwrap_or(DEFAULT_ORPHAN_GRACE_SECONDS),
            tinify: non_empty("TINIFY_API_KEY").map(|api_key| TinifyConfig {
                api_key,
                api_url: non_empty("TINIFY_API_URL")
                    .unwrap_or_else(|| DEFAULT_TINIFY_API_URL.into()),
                min_bytes: number("COMPRESS_MIN_BYTES").unwrap_or(DEFAULT_COMPRESS_MIN_BYTES),
                convert_to: non_empty("TINIFY_CONVERT").and_then(|v| convert_target(&v)),
                timeout: Duration::from_millis(
                    number("TINIFY_TIMEOUT_MS")
                        .filter(|ms| *ms > 0)
                        .unwrap_or(DEFAULT_TINIFY_TIMEOUT_MS),
                ),
            }),
            max_storage_bytes: number("MAX_STORAGE_BYTES").unwrap_or(DEFAULT_MAX_STORAGE_BYTES),
            max_uploads_per_day: number("MAX_UPLOADS_PER_DAY"),
            trash_days: number("TRASH_DAYS")
                .unwrap_or(imghost_shared::api::trash::DEFAULT_TRASH_DAYS.into()),
            audit_retention_days: number("AUDIT_RETENTION_DAYS")
                .unwrap_or(DEFAULT_AUDIT_RETENTION_DAYS),
            unreadable,
            key_template: match non_empty("KEY_TEMPLATE") {
                None => Ok(None),
                Some(text) => match KeyTemplate::parse(&text) {
                    Ok(template) if template.is_default() => Ok(None),
                    Ok(template) => Ok(Some(template)),
                    Err(why) => Err(format!(
                        "KEY_TEMPLATE {text:?} is refused: {why}. Fix it in wrangler.toml \
                         [vars]; until then uploads are refused"
                    )),
                },
            },
        }
    }

    /// The template new keys follow (`None`: today's shape), or 503.
    pub fn key_template(&self) -> Result<Option<&KeyTemplate>, crate::error::ApiError> {
        match &self.key_template {
            Ok(template) => Ok(template.as_ref()),
            Err(why) => Err(crate::error::ApiError::NotConfigured(why.clone())),
        }
    }

    /// The config of this Worker. Vars and secrets cannot change during the
    /// life of an isolate (a new deployment starts new ones), so they are
    /// read and parsed once, not on every request.
    pub fn from_env(env: &worker::Env) -> Rc<Self> {
        thread_local! {
            static CONFIG: OnceCell<Rc<Config>> = const { OnceCell::new() };
        }
        CONFIG.with(|config| {
            config
                .get_or_init(|| {
                    Rc::new(Self::from_lookup(|name| {
                        env.secret(name)
                            .map(|s| s.to_string())
                            .or_else(|_| env.var(name).map(|v| v.to_string()))
                            .ok()
                    }))
                })
                .clone()
        })
    }

    /// Base of public image URLs for a request arriving at `origin`.
    /// The base of the URL written into a new row: the configured one, or
    /// the bare `/i` path — never a host taken from a request.
    pub fn stored_url_base(&self) -> &str {
        self.public_base_url.as_deref().unwrap_or("/i")
    }

    pub fn image_base_url(&self, origin: &str) -> String {
        match &self.public_base_url {
            Some(base) => base.clone(),
            None => format!("{origin}/i"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn secure_by_default() {
        assert_eq!(config(&[]).auth, AuthMode::Unconfigured);
        assert_eq!(
            config(&[("ADMIN_TOKEN", "  ")]).auth,
            AuthMode::Unconfigured
        );
        assert_eq!(
            config(&[("AUTH_DISABLED", "false")]).auth,
            AuthMode::Unconfigured
        );
        assert_eq!(
            config(&[("AUTH_DISABLED", "true")]).auth,
            AuthMode::Disabled
        );
        // A token always wins over the opt-out.
        assert_eq!(
            config(&[("ADMIN_TOKEN", "s3cret"), ("AUTH_DISABLED", "true")]).auth,
            AuthMode::Token("s3cret".into())
        );
    }

    #[test]
    fn defaults_and_overrides() {
        let defaults = config(&[]);
        assert_eq!(defaults.max_upload_bytes, DEFAULT_MAX_UPLOAD_BYTES);
        assert!(!defaults.allow_svg);
        assert_eq!(
            defaults.image_base_url("http://127.0.0.1:8787"),
            "http://127.0.0.1:8787/i"
        );
        assert_eq!(defaults.stored_url_base(), "/i");

        let custom = config(&[
            ("MAX_UPLOAD_BYTES", "1000"),
            ("ALLOW_SVG", "true"),
            ("PUBLIC_IMAGE_BASE_URL", "https://img.example.com/"),
        ]);
        assert_eq!(custom.max_upload_bytes, 1000);
        assert!(custom.allow_svg);
        assert_eq!(
            custom.image_base_url("http://ignored"),
            "https://img.example.com"
        );
        assert_eq!(custom.stored_url_base(), "https://img.example.com");

        assert_eq!(defaults.max_storage_bytes, DEFAULT_MAX_STORAGE_BYTES);
        assert_eq!(defaults.max_uploads_per_day, None);
        assert_eq!(
            (defaults.trash_days, defaults.audit_retention_days),
            (7, 90)
        );
        let limited = config(&[("MAX_UPLOADS_PER_DAY", "5"), ("TRASH_DAYS", "0")]);
        assert_eq!(limited.max_uploads_per_day, Some(5));
        assert_eq!(limited.trash_days, 0);
        assert!(limited.unreadable.is_empty());
        let typo = config(&[("MAX_UPLOADS_PER_DAY", "5OO"), ("TRASH_DAYS", "-1")]);
        assert_eq!(typo.unreadable, ["MAX_UPLOADS_PER_DAY", "TRASH_DAYS"]);

        assert_eq!(
            config(&[("MAX_UPLOAD_BYTES", "lots")]).max_upload_bytes,
            DEFAULT_MAX_UPLOAD_BYTES
        );
    }

    #[test]
    fn a_key_template_is_taken_or_turns_uploads_off_saying_why() {
        assert_eq!(config(&[]).key_template, Ok(None));
        assert_eq!(
            config(&[("KEY_TEMPLATE", " {yyyy}-{mm}-{dd}/{uuid}.{ext} ")]).key_template,
            Ok(None),
            "today's shape is no template"
        );
        let shaped = config(&[("KEY_TEMPLATE", "blog/{name}-{rand:8}.{ext}")]);
        assert!(shaped
            .key_template()
            .unwrap()
            .is_some_and(|template| template.matches("blog/cat-0f8e2c1a.png")));
        let refused = config(&[("KEY_TEMPLATE", "blog/{name}.{ext}")]);
        let why = refused.key_template.clone().unwrap_err();
        assert!(
            why.contains("none of {sha256:N}, {rand:N} or {uuid}"),
            "{why}"
        );
        assert!(why.contains("uploads are refused"), "{why}");
        assert!(refused.key_template().is_err());
    }
}
