//! The main page: header with stats, quotas, the link to the manage page,
//! language and settings; then the upload panel and the gallery. Shared
//! state is provided here as context.

use crate::api::Api;
use crate::confirm::{Confirm, ConfirmDialog};
use crate::gallery::{Gallery, GalleryState};
use crate::i18n::{t, Lang};
use crate::settings::{use_settings, Settings, SettingsPanel};
use crate::toast::{ToastHost, Toasts};
use crate::upload::{UploadPanel, Uploads};
use leptos::prelude::*;
use std::time::Duration;

/// The page with API tokens, the trash and the audit log; `#tokens`,
/// `#trash` or `#audit` opens that section.
pub const MANAGE_PAGE: &str = "/manage.html";

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
            <nav class="top-actions">
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
            </nav>
            <nav class="views">
                <a href=MANAGE_PAGE data-testid="manage-link">{t(|t| t.manage)}</a>
            </nav>
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
    let stats = LocalResource::new(move || {
        data_version.0.track();
        let api = Api::new(&settings.connection.get());
        async move { api.stats().await.ok().flatten() }
    });
    let line = move || {
        stats.get().flatten().map(|stats| {
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
    };
    view! { <Transition fallback=|| ()>{line}</Transition> }
}
