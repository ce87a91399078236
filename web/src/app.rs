//! The page: header with stats, language and settings; the upload panel;
//! the gallery. Shared state is provided here as context.

use crate::api::Api;
use crate::confirm::{Confirm, ConfirmDialog};
use crate::gallery::{Gallery, GalleryState};
use crate::i18n::{t, Lang};
use crate::settings::{use_settings, Settings, SettingsPanel};
use crate::toast::{ToastHost, Toasts};
use crate::upload::{UploadPanel, Uploads};
use imghost_shared::api::StatsResponse;
use imghost_shared::units::format_bytes;
use leptos::prelude::*;
use std::time::Duration;

/// Bumped whenever images are added or deleted, so the stats line reloads.
#[derive(Clone, Copy)]
pub struct DataVersion(RwSignal<u64>);

impl DataVersion {
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
    fn start() -> Self {
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

#[component]
pub fn App() -> impl IntoView {
    let settings = Settings::load();
    provide_context(settings);
    provide_context(settings.lang);
    provide_context(Toasts::new());
    provide_context(Confirm::new());
    provide_context(Clock::start());
    let data_version = DataVersion(RwSignal::new(0));
    provide_context(data_version);
    let gallery = GalleryState::new();
    provide_context(gallery);
    provide_context(Uploads::new(settings, gallery, data_version));

    let lang = settings.lang;
    let panel_open = settings.panel_open;

    view! {
        <header class="top">
            <div class="brand">
                <h1>"imghost"</h1>
                <span class="tagline">{t(|t| t.tagline)}</span>
            </div>
            <StatsLine />
            <nav class="top-actions">
                <button
                    type="button"
                    class="secondary"
                    data-testid="language"
                    lang=move || lang.get().other().tag()
                    on:click=move |_| lang.update(|lang| *lang = lang.other())
                >
                    {move || lang.get().other().texts().language_name}
                </button>
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
        </header>
        <main>
            <Show when=move || panel_open.get()>
                <SettingsPanel />
            </Show>
            <UploadPanel />
            <Gallery />
        </main>
        <ToastHost />
        <ConfirmDialog />
    }
}

/// Counts from `GET /stats`; nothing at all when the server has no such
/// route or cannot answer (the gallery shows connection errors already).
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
            let text = move || stats_line(settings.lang.get(), &stats);
            view! { <p class="stats" data-testid="stats">{text}</p> }
        })
    };
    view! { <Transition fallback=|| ()>{line}</Transition> }
}

pub fn stats_line(lang: Lang, stats: &StatsResponse) -> String {
    let texts = lang.texts();
    let mut parts = vec![
        lang.image_count(stats.image_count),
        match lang {
            Lang::En => format!("{} {}", format_bytes(stats.bytes_stored), texts.stored),
            Lang::Zh => format!("{} {}", texts.stored, format_bytes(stats.bytes_stored)),
        },
        match lang {
            Lang::En => format!("{} {}", format_bytes(stats.bytes_saved), texts.saved),
            Lang::Zh => format!("{} {}", texts.saved, format_bytes(stats.bytes_saved)),
        },
    ];
    if let Some(count) = stats.compression_count {
        parts.push(format!("{}: {count}", texts.tinify_this_month));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_line_in_both_languages() {
        let mut stats = StatsResponse {
            success: true,
            image_count: 12,
            bytes_stored: 3 * 1024 * 1024 + 400 * 1024,
            bytes_saved: 1536,
            compression_count: None,
        };
        assert_eq!(
            stats_line(Lang::En, &stats),
            "12 images · 3.4 MB stored · 1.5 KB saved by compression"
        );
        stats.compression_count = Some(37);
        assert_eq!(
            stats_line(Lang::Zh, &stats),
            "12 张图片 · 已存储 3.4 MB · 压缩节省 1.5 KB · 本月 Tinify 压缩次数: 37"
        );
    }
}
