//! The main page: header with stats, quotas, language, settings and the
//! navigation both pages share; then the upload panel and the gallery. Shared
//! state is provided here as context.

use crate::api::Api;
use crate::confirm::{Confirm, ConfirmDialog};
use crate::gallery::{Gallery, GalleryState};
use crate::i18n::{t, Lang, Texts};
use crate::settings::{use_settings, Settings, SettingsPanel};
use crate::toast::{ToastHost, Toasts};
use crate::upload::{UploadPanel, Uploads};
use imghost_shared::api::StatsResponse;
use imghost_shared::snippet::escape_html;
use leptos::prelude::*;
use std::time::Duration;

/// A text of the pages, picked from those of the language shown.
type Label = fn(&Texts) -> &'static str;

/// Where each view of the UI is, in the navigation's order: the main
/// page's images, then the manage page's sections (its own wasm, so the
/// main page never loads their code).
pub const VIEWS: [(&str, &str, Label); 5] = [
    ("images", "/", |t| t.nav_images),
    ("albums", "/manage#albums", |t| t.nav_albums),
    ("tokens", "/manage#tokens", |t| t.nav_tokens),
    ("trash", "/manage#trash", |t| t.nav_trash),
    ("audit", "/manage#audit", |t| t.nav_audit),
];

/// The navigation both pages show, `current` (a name in `VIEWS`) marked.
/// Written as HTML: it is the same on both pages, and a reactive view per
/// link would cost the main page's wasm more than this.
pub fn nav_html(texts: &Texts, current: &str) -> String {
    let mut html = format!("<nav aria-label=\"{}\">", escape_html(texts.nav_label));
    for (name, href, label) in VIEWS {
        let mark = if name == current {
            " aria-current=\"page\""
        } else {
            ""
        };
        html.push_str(&format!(
            "<a href=\"{href}\" data-testid=\"nav-{name}\"{mark}>{}</a>",
            escape_html(label(texts))
        ));
    }
    html + "</nav>"
}

/// Bumped whenever images are added or deleted, so the stats line reloads.
#[derive(Clone, Copy)]
pub struct DataVersion(RwSignal<u64>);

impl DataVersion {
    pub fn new() -> Self {
        Self(RwSignal::new(0))
    }

    pub fn bump(self) {
        self.0.update(|version| *version += 1);
    }
}

/// The current time, a minute at a time, for "5 minutes ago".
#[derive(Clone, Copy)]
pub struct Clock {
    pub now: RwSignal<f64>,
}

impl Clock {
    pub fn start() -> Self {
        let now = RwSignal::new(js_sys::Date::now());
        set_interval(
            move || now.set(js_sys::Date::now()),
            Duration::from_secs(30),
        );
        Self { now }
    }
}

pub fn use_clock() -> Clock {
    expect_context::<Clock>()
}

/// A `#token=` link never silently replaces a different saved token.
fn offer_linked_token(settings: Settings, confirm: Confirm) {
    if let Some(token) = settings.offered_token.get_untracked() {
        let text = settings
            .lang
            .get_untracked()
            .texts()
            .token_link_differs
            .to_string();
        confirm.ask_to(
            text,
            |t| t.use_new_token,
            move || {
                settings.connection.update(|c| c.token = token.clone());
                settings.offered_token.set(None);
            },
        );
    }
}

#[component]
pub fn App() -> impl IntoView {
    let settings = Settings::load();
    provide_context(settings);
    provide_context(settings.lang);
    provide_context(Toasts::new());
    let confirm = Confirm::new();
    provide_context(confirm);
    provide_context(Clock::start());
    let data_version = DataVersion::new();
    provide_context(data_version);
    let gallery = GalleryState::new();
    provide_context(gallery);
    provide_context(Uploads::new(settings, gallery, data_version));
    offer_linked_token(settings, confirm);

    view! {
        <TopBar />
        <main>
            <Show when=move || settings.panel_open.get()>
                <SettingsPanel />
            </Show>
            <UploadPanel />
            <Gallery />
        </main>
        <ToastHost />
        <ConfirmDialog />
    }
}

/// The name and tagline at the top of both pages.
#[component]
pub fn Brand() -> impl IntoView {
    view! {
        <div class="brand">
            <h1>"imghost"</h1>
            <span class="tagline">{t(|t| t.tagline)}</span>
        </div>
    }
}

/// The button that switches to the other language, named in it.
#[component]
pub fn LanguageSwitch(lang: RwSignal<Lang>) -> impl IntoView {
    view! {
        <button
            type="button"
            class="secondary"
            data-testid="language"
            lang=move || lang.get().other().tag()
            on:click=move |_| lang.update(|lang| *lang = lang.other())
        >
            {move || lang.get().other().texts().language_name}
        </button>
    }
}

/// The header: name, stats, the language switch and the settings toggle.
#[component]
fn TopBar() -> impl IntoView {
    let settings = use_settings();
    let lang = settings.lang;
    let panel_open = settings.panel_open;
    view! {
        <header class="top">
            <Brand />
            <StatsLine />
            <div class="top-actions">
                <LanguageSwitch lang />
                <button
                    type="button"
                    class="secondary"
                    data-testid="settings-toggle"
                    aria-expanded=move || panel_open.get().to_string()
                    on:click=move |_| panel_open.update(|open| *open = !*open)
                >
                    {t(|t| t.settings)}
                </button>
            </div>
            <div class="views" inner_html=move || nav_html(lang.get().texts(), "images")></div>
        </header>
    }
}

/// Counts from `GET /stats` and the server's warnings; nothing at all when
/// the server has no such route or cannot answer (the gallery shows
/// connection errors already).
#[component]
fn StatsLine() -> impl IntoView {
    let settings = use_settings();
    let data_version = expect_context::<DataVersion>();
    // Fetched again on each change of data or connection; an answer is
    // shown only while it is the newest asked for. (A plain effect, not a
    // resource: the page uses no other, and their code is KBs of its wasm.)
    let stats = RwSignal::new(None);
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        data_version.0.track();
        let api = Api::new(&settings.connection.get());
        let ask = asked.get_value() + 1;
        asked.set_value(ask);
        leptos::task::spawn_local(async move {
            let answer = api.stats().await.ok().flatten();
            if asked.try_get_value() == Some(ask) {
                let _ = stats.try_set(answer);
            }
        });
    });
    move || {
        stats.get().map(|stats: StatsResponse| {
            // The operator's to-do list, from the server, in English.
            let warnings = stats.warnings.clone();
            let text = move || settings.lang.get().stats_line(&stats);
            view! {
                <p class="stats" data-testid="stats">{text}</p>
                {(!warnings.is_empty()).then(|| view! {
                    <ul class="warnings" role="alert" data-testid="server-warnings">
                        {warnings.into_iter().map(|warning| view! { <li>{warning}</li> }).collect_view()}
                    </ul>
                })}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_navigation_marks_the_current_view_only() {
        for lang in [Lang::En, Lang::Zh] {
            let html = nav_html(lang.texts(), "trash");
            assert_eq!(html.matches("<a ").count(), VIEWS.len());
            assert_eq!(html.matches("aria-current").count(), 1);
            assert!(html.contains(&format!(
                "<a href=\"/manage#trash\" data-testid=\"nav-trash\" aria-current=\"page\">{}</a>",
                lang.texts().nav_trash
            )));
            assert!(html.contains(&format!(
                "<a href=\"/\" data-testid=\"nav-images\">{}</a>",
                lang.texts().nav_images
            )));
        }
    }
}
