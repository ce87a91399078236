//! The page: header with stats, quotas, the views, language and settings;
//! then the view: upload panel and gallery, the trash or the audit log.
//! Shared state is provided here as context.

use crate::api::Api;
use crate::audit::AuditView;
use crate::confirm::{Confirm, ConfirmDialog};
use crate::dom;
use crate::gallery::{Gallery, GalleryState};
use crate::i18n::{t, Lang};
use crate::settings::{use_settings, Settings, SettingsPanel};
use crate::toast::{ToastHost, Toasts};
use crate::trash::TrashView;
use crate::upload::{UploadPanel, Uploads};
use leptos::prelude::*;
use std::rc::Rc;
use std::time::Duration;

/// What the page shows below the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Images,
    Trash,
    Audit,
}

/// The view shown, and the views other than the gallery. The gallery stays
/// in the page while they are shown (its state, scroll and uploads go on),
/// and is listed again when it comes back: restores may have changed it.
#[derive(Clone, Copy)]
struct Views {
    shown: RwSignal<View>,
    trash: TrashView,
    audit: AuditView,
    gallery: GalleryState,
    settings: Settings,
    lang: RwSignal<Lang>,
}

/// The element around the upload panel and the gallery, hidden while
/// another view is shown.
const IMAGES_ID: &str = "images";

impl Views {
    fn show(self, view: View) {
        self.shown.set(view);
        if let Some(images) = document().get_element_by_id(IMAGES_ID) {
            let _ = images.toggle_attribute_with_force("hidden", view != View::Images);
        }
        match view {
            View::Images => self.gallery.reload(self.settings.api()),
            View::Trash => self.trash.load(None),
            View::Audit => self.audit.load(None),
        }
    }

    /// The buttons that switch views, the one shown marked.
    fn nav(self) -> impl IntoView {
        let draw = move |root: &web_sys::Element| {
            let texts = self.lang.get().texts();
            let shown = self.shown.get();
            for (view, id, label) in [
                (View::Images, "nav-images", texts.nav_images),
                (View::Trash, "nav-trash", texts.nav_trash),
                (View::Audit, "nav-audit", texts.nav_audit),
            ] {
                let button = dom::button(root, "secondary small", id, "", label);
                if view == shown {
                    dom::set(&button, "aria-current", "page");
                }
            }
        };
        let act = move |action: dom::Action| {
            self.show(match action.name.as_str() {
                "nav-trash" => View::Trash,
                "nav-audit" => View::Audit,
                _ => View::Images,
            })
        };
        dom::view("views", Rc::new(draw), Rc::new(act))
    }

    /// The trash or the audit log, drawn by plain code into one element.
    fn other(self) -> impl IntoView {
        let draw = move |root: &web_sys::Element| {
            let shown = self.shown.get();
            let _ = root.toggle_attribute_with_force("hidden", shown == View::Images);
            match shown {
                View::Images => {}
                View::Trash => self.trash.draw(root),
                View::Audit => self.audit.draw(root),
            }
        };
        let act = move |action| match self.shown.get_untracked() {
            View::Trash => self.trash.act(action),
            _ => self.audit.act(action),
        };
        dom::view("panel", Rc::new(draw), Rc::new(act))
    }
}

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
    let data_version = DataVersion(RwSignal::new(0));
    provide_context(data_version);
    let gallery = GalleryState::new();
    provide_context(gallery);
    provide_context(Uploads::new(settings, gallery, data_version));
    let views = Views {
        shown: RwSignal::new(View::Images),
        trash: TrashView::new(),
        audit: AuditView::new(),
        gallery,
        settings,
        lang: settings.lang,
    };
    provide_context(views);
    offer_linked_token(settings, confirm);

    view! {
        <TopBar />
        <main>
            <Show when=move || settings.panel_open.get()>
                <SettingsPanel />
            </Show>
            <div class="images" id=IMAGES_ID>
                <UploadPanel />
                <Gallery />
            </div>
            {views.other()}
        </main>
        <ToastHost />
        <ConfirmDialog />
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
            {expect_context::<Views>().nav()}
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
