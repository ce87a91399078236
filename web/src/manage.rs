//! The manage page (`/manage`, its own wasm): albums and tags, API
//! tokens, the trash and the audit log, with the connection the main page
//! saved. `#albums`, `#tokens`, `#trash` or `#audit` in the address picks
//! the section; the nav links set it, so the back button and bookmarks
//! work.

use crate::albums::AlbumsView;
use crate::app::{nav_html, Brand, Clock, DataVersion, LanguageSwitch};
use crate::audit::AuditView;
use crate::confirm::{Confirm, ConfirmDialog};
use crate::dom;
use crate::i18n::Lang;
use crate::settings::Settings;
use crate::toast::{ToastHost, Toasts};
use crate::tokens;
use crate::trash::TrashView;
use leptos::prelude::*;
use std::rc::Rc;

/// The section shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Albums,
    Tokens,
    Trash,
    Audit,
}

impl Section {
    const ALL: [Self; 4] = [Self::Albums, Self::Tokens, Self::Trash, Self::Audit];

    /// Its name in the address (`#albums`) and in the navigation.
    pub fn name(self) -> &'static str {
        match self {
            Self::Albums => "albums",
            Self::Tokens => "tokens",
            Self::Trash => "trash",
            Self::Audit => "audit",
        }
    }

    /// The section a location fragment names; the tokens unless another.
    pub fn from_fragment(fragment: &str) -> Self {
        let name = fragment.trim_start_matches('#');
        Self::ALL
            .into_iter()
            .find(|section| section.name() == name)
            .unwrap_or(Self::Tokens)
    }
}

fn current_section() -> Section {
    Section::from_fragment(&window().location().hash().unwrap_or_default())
}

/// The sections and what is needed to show them.
#[derive(Clone, Copy)]
struct Sections {
    shown: RwSignal<Section>,
    albums: AlbumsView,
    trash: TrashView,
    audit: AuditView,
    lang: RwSignal<Lang>,
}

impl Sections {
    /// Shows `section`, listing its first page again.
    fn show(self, section: Section) {
        self.shown.set(section);
        match section {
            Section::Tokens => {}
            Section::Albums => self.albums.load(),
            Section::Trash => self.trash.load(None),
            Section::Audit => self.audit.load(None),
        }
    }

    /// The navigation both pages share, the section shown marked.
    fn nav(self) -> impl IntoView {
        let draw = move |root: &web_sys::Element| {
            let current = self.shown.get().name();
            root.set_inner_html(&nav_html(self.lang.get().texts(), current));
        };
        dom::view("views", Rc::new(draw), Rc::new(|_| {}))
    }

    /// The trash or the audit log, drawn by plain code into one element.
    fn other(self) -> impl IntoView {
        let draw = move |root: &web_sys::Element| {
            let shown = self.shown.get();
            let _ = root.toggle_attribute_with_force("hidden", shown == Section::Tokens);
            match shown {
                Section::Tokens => {}
                Section::Albums => self.albums.draw(root),
                Section::Trash => self.trash.draw(root),
                Section::Audit => self.audit.draw(root),
            }
        };
        let act = move |action| match self.shown.get_untracked() {
            Section::Albums => self.albums.act(action),
            Section::Trash => self.trash.act(action),
            _ => self.audit.act(action),
        };
        dom::view("panel", Rc::new(draw), Rc::new(act))
    }
}

#[component]
pub fn Manage() -> impl IntoView {
    let settings = Settings::load();
    provide_context(settings);
    provide_context(settings.lang);
    provide_context(Toasts::new());
    provide_context(Confirm::new());
    provide_context(Clock::start());
    provide_context(DataVersion::new());
    let lang = settings.lang;
    let signed_in = !settings.connection.with_untracked(|c| c.token.is_empty());
    let sections = Sections {
        shown: RwSignal::new(current_section()),
        albums: AlbumsView::new(),
        trash: TrashView::new(),
        audit: AuditView::new(),
        lang,
    };
    let body = if signed_in {
        sections.show(current_section());
        let handle = window_event_listener(leptos::ev::hashchange, move |_| {
            sections.show(current_section())
        });
        on_cleanup(move || handle.remove());
        let shown = sections.shown;
        view! {
            <div class="panel" hidden=move || shown.get() != Section::Tokens>
                {tokens::section()}
            </div>
            {sections.other()}
        }
        .into_any()
    } else {
        view! {
            <p class="state" data-testid="manage-needs-connection">
                <a href="/">{move || lang.get().manage_texts().manage_needs_connection}</a>
            </p>
        }
        .into_any()
    };

    view! {
        <header class="top">
            <Brand />
            <div class="top-actions">
                <LanguageSwitch lang />
            </div>
            {sections.nav()}
        </header>
        <main>{body}</main>
        <ToastHost />
        <ConfirmDialog />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_picks_the_section() {
        assert_eq!(Section::from_fragment("#trash"), Section::Trash);
        assert_eq!(Section::from_fragment("audit"), Section::Audit);
        assert_eq!(Section::from_fragment("#albums"), Section::Albums);
        assert_eq!(Section::from_fragment("#tokens"), Section::Tokens);
        assert_eq!(Section::from_fragment(""), Section::Tokens);
        assert_eq!(Section::from_fragment("#token=abc"), Section::Tokens);
    }
}
