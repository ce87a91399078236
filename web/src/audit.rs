//! The audit log: every change, newest first, a page at a time.

use crate::dom::{self, Action};
use crate::i18n::{use_lang, Lang};
use crate::pages::{cursor, Pages};
use crate::settings::{use_settings, Settings};
use imghost_shared::api::{AuditEntry, AuditQuery, MAX_PAGE_SIZE};
use leptos::prelude::*;
use web_sys::Element;

#[derive(Clone, Copy)]
pub struct AuditView {
    pages: Pages<AuditEntry>,
    settings: Settings,
    lang: RwSignal<Lang>,
}

impl AuditView {
    pub fn new() -> Self {
        Self {
            pages: Pages::new(),
            settings: use_settings(),
            lang: use_lang(),
        }
    }

    /// Loads the page after `cursor`, or (`None`) the first again.
    pub fn load(self, cursor: Option<String>) {
        let api = self.settings.api();
        let query = AuditQuery {
            // The cursor is the id of the last row shown.
            before: cursor.as_deref().and_then(|cursor| cursor.parse().ok()),
            limit: MAX_PAGE_SIZE,
        };
        self.pages.load(cursor.is_some(), async move {
            let page = api.audit(&query).await?;
            Ok((page.results, page.next_cursor))
        });
    }

    /// Its one button is for more.
    pub fn act(self, action: Action) {
        self.load(cursor(action.value));
    }

    pub fn draw(self, root: &Element) {
        let lang = self.lang.get();
        let mtexts = lang.manage_texts();
        dom::set(root, "data-testid", "audit");
        dom::add(root, "h2", "", lang.texts().nav_audit);
        dom::add(root, "p", "hint", mtexts.audit_hint);
        let head = [
            mtexts.when,
            mtexts.token_column,
            mtexts.action,
            mtexts.target,
            mtexts.ip_address,
            mtexts.user_agent,
        ];
        let body = dom::table(root, "audit-table", &head);
        self.pages.items.with(|entries| {
            for entry in entries {
                let row = dom::add(&body, "tr", "", "");
                dom::set(&row, "data-testid", "audit-row");
                let cells: [&str; 6] = [
                    &lang.date_time(entry.at as f64),
                    &entry.token,
                    entry.action.as_str(),
                    entry.target.as_deref().unwrap_or_default(),
                    entry.ip.as_deref().unwrap_or_default(),
                    entry.user_agent.as_deref().unwrap_or_default(),
                ];
                for text in cells {
                    dom::add(&row, "td", "", text);
                }
            }
        });
        self.pages.footer(root, lang, mtexts.audit_empty);
    }
}
