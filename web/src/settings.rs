//! Where the API is, the admin token, the upload options and the language:
//! parsed from local storage (and the `#token=` link `make dev` prints),
//! edited in the settings panel, saved back on change. The panel links to
//! the server's API tokens, on the manage page (`crate::manage`); that page
//! reads the same saved connection.

use crate::api::{Api, ApiError};
use crate::i18n::{t, use_lang, Lang};
use imghost_shared::snippet;
use leptos::prelude::*;
use leptos::task::spawn_local;

const KEY_API_URL: &str = "imghost.apiUrl";
const KEY_TOKEN: &str = "imghost.token";
const KEY_SHRINK: &str = "imghost.shrink";
const KEY_MAX_WIDTH: &str = "imghost.maxWidth";
const KEY_QUALITY: &str = "imghost.quality";
const KEY_LANG: &str = "imghost.lang";
const KEY_SIZES: &str = "imghost.sizes";

pub const DEFAULT_MAX_WIDTH: u32 = 2560;
pub const DEFAULT_QUALITY: f64 = 0.82;
pub const MAX_WIDTH_RANGE: (u32, u32) = (16, 16_384);
pub const QUALITY_RANGE: (f64, f64) = (0.1, 1.0);
/// `QUALITY_RANGE` as the quality input's `min` and `max` say it.
pub const QUALITY_RANGE_TEXT: (&str, &str) = ("0.1", "1");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Without a trailing slash, e.g. `https://imghost.example.workers.dev`.
    pub api_url: String,
    pub token: String,
}

/// Browser-side shrinking before upload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShrinkOptions {
    pub enabled: bool,
    pub max_width: u32,
    /// WebP encoder quality, 0.1–1.
    pub quality: f64,
}

impl Default for ShrinkOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            max_width: DEFAULT_MAX_WIDTH,
            quality: DEFAULT_QUALITY,
        }
    }
}

impl ShrinkOptions {
    fn from_stored(enabled: Option<&str>, max_width: Option<&str>, quality: Option<&str>) -> Self {
        Self {
            enabled: enabled != Some("0"),
            max_width: max_width.map_or(DEFAULT_MAX_WIDTH, parse_max_width),
            quality: quality.map_or(DEFAULT_QUALITY, parse_quality),
        }
    }
}

/// The shared settings, provided as context.
#[derive(Clone, Copy)]
pub struct Settings {
    pub connection: RwSignal<Connection>,
    pub shrink: RwSignal<ShrinkOptions>,
    pub lang: RwSignal<Lang>,
    /// The `sizes` of the responsive snippet: how wide the blog shows images.
    pub sizes: RwSignal<String>,
    pub panel_open: RwSignal<bool>,
    /// A token from a `#token=` link that differs from the saved one: used
    /// only once the user says so.
    pub offered_token: RwSignal<Option<String>>,
    /// The API address the page uses when none is saved.
    default_api_url: StoredValue<String>,
}

impl Settings {
    /// Reads the saved settings, taking a token from the address bar's
    /// `#token=` (then removing it so it is not bookmarked) unless another
    /// token is saved (then it is only offered), and keeps them saved
    /// whenever they change.
    pub fn load() -> Self {
        let default_api_url = default_api_url(option_env!("IMGHOST_API_URL"), &page_origin());
        let mut offered_token = None;
        if let Some(token) = token_from_fragment(&location_hash()) {
            match storage_get(KEY_TOKEN).filter(|saved| !saved.is_empty()) {
                Some(saved) if saved != token => offered_token = Some(token),
                _ => storage_set(KEY_TOKEN, &token),
            }
            clear_fragment();
        }
        let connection = Connection {
            api_url: storage_get(KEY_API_URL)
                .map(|url| normalize_api_url(&url, &default_api_url))
                .unwrap_or_else(|| default_api_url.clone()),
            token: storage_get(KEY_TOKEN).unwrap_or_default(),
        };
        let shrink = ShrinkOptions::from_stored(
            storage_get(KEY_SHRINK).as_deref(),
            storage_get(KEY_MAX_WIDTH).as_deref(),
            storage_get(KEY_QUALITY).as_deref(),
        );
        let lang = storage_get(KEY_LANG)
            .and_then(|code| Lang::from_code(&code))
            .unwrap_or_else(|| Lang::from_browser(&browser_language()));
        let settings = Self {
            panel_open: RwSignal::new(connection.token.is_empty()),
            offered_token: RwSignal::new(offered_token),
            connection: RwSignal::new(connection),
            shrink: RwSignal::new(shrink),
            lang: RwSignal::new(lang),
            sizes: RwSignal::new(
                storage_get(KEY_SIZES).unwrap_or_else(|| snippet::DEFAULT_SIZES.into()),
            ),
            default_api_url: StoredValue::new(default_api_url),
        };
        settings.save_on_change();
        settings
    }

    fn save_on_change(self) {
        // One effect for every setting: each effect is its own code in
        // the page's wasm, and writing a few keys again costs nothing.
        Effect::new(move |_| {
            let connection = self.connection.get();
            if connection.api_url == self.default_api_url.get_value() {
                storage_remove(KEY_API_URL);
            } else {
                storage_set(KEY_API_URL, &connection.api_url);
            }
            storage_set(KEY_TOKEN, &connection.token);
            let shrink = self.shrink.get();
            storage_set(KEY_SHRINK, if shrink.enabled { "1" } else { "0" });
            storage_set(KEY_MAX_WIDTH, &shrink.max_width.to_string());
            storage_set(KEY_QUALITY, &quality_text(shrink.quality));
            storage_set(KEY_SIZES, &self.sizes.get());
            let lang = self.lang.get();
            storage_set(KEY_LANG, lang.code());
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("lang", lang.tag());
            }
        });
    }

    pub fn api(&self) -> Api {
        Api::new(&self.connection.get_untracked())
    }

    pub fn normalize_api_url(&self, input: &str) -> String {
        normalize_api_url(input, &self.default_api_url.get_value())
    }
}

pub fn use_settings() -> Settings {
    expect_context::<Settings>()
}

/// The token in a location fragment such as `#token=abc` or `#x=1&token=abc`.
pub fn token_from_fragment(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        // Not form decoding: a `+` in a token stays a `+`.
        .map(|token| {
            percent_encoding::percent_decode_str(token)
                .decode_utf8_lossy()
                .into_owned()
        })
        .map(|token| token.trim().to_string())
        .filter(|token| !token.is_empty())
}

/// What the user typed as API address, made into a base URL: trimmed,
/// `https://` added when no scheme is given, no trailing slash. Empty means
/// the default.
pub fn normalize_api_url(input: &str, default: &str) -> String {
    let input = input.trim().trim_end_matches('/');
    if input.is_empty() {
        return default.to_string();
    }
    if input.contains("://") {
        input.to_string()
    } else {
        format!("https://{input}")
    }
}

/// The build's `IMGHOST_API_URL` if set (UI hosted apart from the Worker),
/// else the page's own origin (UI served by the Worker, or the local stack).
pub fn default_api_url(build_time: Option<&str>, origin: &str) -> String {
    match build_time.map(str::trim).filter(|url| !url.is_empty()) {
        Some(url) => normalize_api_url(url, origin),
        None => origin.trim_end_matches('/').to_string(),
    }
}

pub fn parse_max_width(text: &str) -> u32 {
    match crate::decimal::parse(text.trim()).ok_or(()) {
        Ok(width) if width.is_finite() => {
            (width.round() as u32).clamp(MAX_WIDTH_RANGE.0, MAX_WIDTH_RANGE.1)
        }
        _ => DEFAULT_MAX_WIDTH,
    }
}

pub fn parse_quality(text: &str) -> f64 {
    match crate::decimal::parse(text.trim()).ok_or(()) {
        Ok(quality) if quality.is_finite() => quality.clamp(QUALITY_RANGE.0, QUALITY_RANGE.1),
        _ => DEFAULT_QUALITY,
    }
}

/// What the sizes input gives: the text, or the default for none.
pub fn parse_sizes(text: &str) -> String {
    match text.trim() {
        "" => snippet::DEFAULT_SIZES.into(),
        sizes => sizes.into(),
    }
}

/// A quality as the input and storage write it: two decimals, `1` for 1.
pub fn quality_text(quality: f64) -> String {
    let text = crate::decimal::format(quality, 2);
    match text.trim_end_matches('0').trim_end_matches('.') {
        "" => "0".into(),
        trimmed => trimmed.into(),
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn storage_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

fn storage_set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

fn storage_remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

fn page_origin() -> String {
    window().location().origin().unwrap_or_default()
}

fn location_hash() -> String {
    window().location().hash().unwrap_or_default()
}

fn browser_language() -> String {
    window().navigator().language().unwrap_or_default()
}

fn clear_fragment() {
    let location = window().location();
    let path = location.pathname().unwrap_or_default() + &location.search().unwrap_or_default();
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
}

#[derive(Clone, PartialEq)]
enum TestResult {
    Running,
    Connected(u64),
    Failed(ApiError),
}

/// The connection form: API address, masked token, test and save.
#[component]
pub fn SettingsPanel() -> impl IntoView {
    let settings = use_settings();
    let saved = settings.connection.get_untracked();
    let api_url = RwSignal::new(saved.api_url);
    let token = RwSignal::new(saved.token);
    let test_result = RwSignal::new(None::<TestResult>);

    let edited = move || Connection {
        api_url: settings.normalize_api_url(&api_url.get_untracked()),
        token: token.get_untracked().trim().to_string(),
    };
    let test = move |_| {
        let api = Api::new(&edited());
        test_result.set(Some(TestResult::Running));
        spawn_local(async move {
            let result = match api.check_connection().await {
                Ok(count) => TestResult::Connected(count),
                Err(error) => TestResult::Failed(error),
            };
            test_result.set(Some(result));
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let connection = edited();
        api_url.set(connection.api_url.clone());
        token.set(connection.token.clone());
        settings.connection.set(connection);
        settings.panel_open.set(false);
    };

    view! {
        <section class="panel settings" data-testid="settings" aria-labelledby="settings-title">
            <form on:submit=save>
                <h2 id="settings-title">{t(|t| t.connection)}</h2>
                <label class="field">
                    <span>{t(|t| t.api_url)}</span>
                    <input
                        type="url"
                        data-testid="api-url"
                        autocomplete="url"
                        inputmode="url"
                        spellcheck="false"
                        prop:value=api_url
                        on:input:target=move |ev| api_url.set(ev.target().value())
                    />
                </label>
                <TokenField token />
                <div class="actions">
                    <button type="button" class="secondary" data-testid="test-connection" on:click=test>
                        {t(|t| t.test_connection)}
                    </button>
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| settings.panel_open.set(false)
                    >
                        {t(|t| t.close)}
                    </button>
                    <button type="submit" data-testid="save-settings">{t(|t| t.save)}</button>
                </div>
                <ConnectionResult test_result />
            </form>
        </section>
    }
}

/// The admin token, masked unless shown.
#[component]
fn TokenField(token: RwSignal<String>) -> impl IntoView {
    let lang = use_lang();
    let show_token = RwSignal::new(false);
    view! {
        <label class="field">
            <span>{t(|t| t.token)}</span>
            <span class="token-row">
                <input
                    type=move || if show_token.get() { "text" } else { "password" }
                    data-testid="token"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=token
                    on:input:target=move |ev| token.set(ev.target().value())
                />
                <button
                    type="button"
                    class="secondary"
                    aria-pressed=move || show_token.get().to_string()
                    on:click=move |_| show_token.update(|shown| *shown = !*shown)
                >
                    {move || {
                        let texts = lang.get().texts();
                        if show_token.get() { texts.hide } else { texts.show }
                    }}
                </button>
            </span>
            <small class="hint">{t(|t| t.token_hint)}</small>
        </label>
    }
}

/// What the connection test found.
#[component]
fn ConnectionResult(test_result: RwSignal<Option<TestResult>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        let lang = lang.get();
        test_result.get().map(|result| {
            let (class, text) = match result {
                TestResult::Running => ("test-result", lang.texts().testing.to_string()),
                TestResult::Connected(count) => ("test-result ok", lang.connected(count)),
                TestResult::Failed(error) => ("test-result error", error.message(lang)),
            };
            view! {
                <p class=class data-testid="connection-result" role="status">{text}</p>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_read_from_the_fragment() {
        assert_eq!(
            token_from_fragment("#token=abc-123"),
            Some("abc-123".into())
        );
        assert_eq!(token_from_fragment("token=abc"), Some("abc".into()));
        assert_eq!(
            token_from_fragment("#x=1&token=a%2Bb%3D"),
            Some("a+b=".into())
        );
        assert_eq!(token_from_fragment("#token=a+b"), Some("a+b".into()));
        assert_eq!(token_from_fragment("#token="), None);
        assert_eq!(token_from_fragment(""), None);
        assert_eq!(token_from_fragment("#notoken=abc"), None);
    }

    #[test]
    fn api_url_is_normalized() {
        let default = "http://127.0.0.1:8787";
        assert_eq!(normalize_api_url("", default), default);
        assert_eq!(normalize_api_url("  ", default), default);
        assert_eq!(
            normalize_api_url(" https://imghost.example.workers.dev/ ", default),
            "https://imghost.example.workers.dev"
        );
        assert_eq!(
            normalize_api_url("imghost.example.workers.dev", default),
            "https://imghost.example.workers.dev"
        );
        assert_eq!(
            normalize_api_url("http://localhost:8787//", default),
            "http://localhost:8787"
        );
    }

    #[test]
    fn default_api_url_prefers_the_build_setting() {
        assert_eq!(
            default_api_url(Some("https://api.example/"), "https://ui.example"),
            "https://api.example"
        );
        assert_eq!(
            default_api_url(Some(" "), "https://ui.example"),
            "https://ui.example"
        );
        assert_eq!(
            default_api_url(None, "http://127.0.0.1:8787"),
            "http://127.0.0.1:8787"
        );
    }

    #[test]
    fn shrink_options_fall_back_and_clamp() {
        assert_eq!(
            ShrinkOptions::from_stored(None, None, None),
            ShrinkOptions::default()
        );
        let stored = ShrinkOptions::from_stored(Some("0"), Some("1920"), Some("0.7"));
        assert_eq!(
            stored,
            ShrinkOptions {
                enabled: false,
                max_width: 1920,
                quality: 0.7
            }
        );
        assert_eq!(parse_max_width("abc"), DEFAULT_MAX_WIDTH);
        assert_eq!(parse_max_width("1"), 16);
        assert_eq!(parse_max_width("99999999"), 16_384);
        assert_eq!(parse_max_width("800.4"), 800);
        assert_eq!(parse_quality("NaN"), DEFAULT_QUALITY);
        assert_eq!(parse_quality("2"), 1.0);
        assert_eq!(parse_quality("0"), 0.1);
        assert_eq!(parse_quality(" 0.5 "), 0.5);
    }
}
