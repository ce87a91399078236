//! The trash: deleted images, newest first, each restorable under the URL
//! it had; emptying it deletes them all for good.

use crate::api::ApiError;
use crate::app::{use_clock, Clock, DataVersion};
use crate::confirm::{use_confirm, Confirm};
use crate::dom::{self, Action};
use crate::i18n::{use_lang, Lang};
use crate::pages::{cursor, Pages};
use crate::settings::{use_settings, Settings};
use crate::toast::{use_toasts, Toasts};
use imghost_shared::api::{ImageId, ImageRecord, ListQuery, MAX_PAGE_SIZE};
use imghost_shared::units::format_bytes;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::Element;

#[derive(Clone, Copy)]
pub struct TrashView {
    pages: Pages<ImageRecord>,
    /// Images in the trash, as the last page said.
    total: RwSignal<u64>,
    settings: Settings,
    lang: RwSignal<Lang>,
    clock: Clock,
    confirm: Confirm,
    toasts: Toasts,
    data_version: DataVersion,
}

impl TrashView {
    pub fn new() -> Self {
        Self {
            pages: Pages::new(),
            total: RwSignal::new(0),
            settings: use_settings(),
            lang: use_lang(),
            clock: use_clock(),
            confirm: use_confirm(),
            toasts: use_toasts(),
            data_version: expect_context::<DataVersion>(),
        }
    }

    /// Loads the page after `cursor`, or (`None`) the first again.
    pub fn load(self, cursor: Option<String>) {
        let api = self.settings.api();
        let total = self.total;
        self.pages.load(cursor.is_some(), async move {
            let first = ListQuery::first_page(MAX_PAGE_SIZE);
            let query = match cursor {
                Some(cursor) => first.after(&cursor).map_err(|_| ApiError::BadAnswer)?,
                None => first,
            };
            let list = api.trash(&query).await?;
            total.set(list.total);
            Ok((list.results, list.next_cursor))
        });
    }

    pub fn act(self, action: Action) {
        match action.name.as_str() {
            "restore" => {
                if let Some(id) = ImageId::parse(&action.value) {
                    self.restore(id);
                }
            }
            "empty-trash" => self.empty(),
            _ => self.load(cursor(action.value)),
        }
    }

    fn restore(self, id: ImageId) {
        let api = self.settings.api();
        spawn_local(async move {
            let lang = self.lang.get_untracked();
            match api.restore(id).await {
                Ok(_) => {
                    self.pages
                        .items
                        .update(|items| items.retain(|item| item.id != id));
                    self.total.update(|total| *total = total.saturating_sub(1));
                    self.toasts.show(lang.restored(1));
                    self.data_version.bump();
                }
                Err(error) => self.toasts.error(error.message(lang)),
            }
        });
    }

    /// Once confirmed, purges the trash a batch at a time.
    fn empty(self) {
        let text = self
            .lang
            .get_untracked()
            .manage_texts()
            .confirm_empty_trash
            .into();
        self.confirm.ask_to(
            text,
            |t| t.empty_trash,
            move || {
                let api = self.settings.api();
                spawn_local(async move {
                    let failed = loop {
                        match api.purge(None).await {
                            Ok(answer) if answer.remaining > 0 && answer.purged > 0 => {}
                            Ok(_) => break None,
                            Err(error) => break Some(error),
                        }
                    };
                    let lang = self.lang.get_untracked();
                    match failed {
                        Some(error) => self.toasts.error(error.message(lang)),
                        None => self.toasts.show(lang.manage_texts().trash_emptied),
                    }
                    self.data_version.bump();
                    self.load(None);
                });
            },
        );
    }

    pub fn draw(self, root: &Element) {
        let lang = self.lang.get();
        let texts = lang.texts();
        let mtexts = lang.manage_texts();
        let now = self.clock.now.get_untracked();
        let total = self.total.get();
        dom::set(root, "data-testid", "trash");
        let head = dom::add(root, "div", "gallery-head", "");
        dom::add(&head, "h2", "", texts.nav_trash);
        let count = dom::add(&head, "span", "count", &lang.image_count(total));
        dom::set(&count, "data-testid", "trash-count");
        let empty = dom::button(
            &head,
            "danger small push",
            "empty-trash",
            "",
            texts.empty_trash,
        );
        if total == 0 {
            dom::set(&empty, "disabled", "");
        }
        dom::add(root, "p", "hint", mtexts.trash_hint);
        let list = dom::add(root, "ul", "rows", "");
        self.pages.items.with(|items| {
            for image in items {
                let row = dom::add(&list, "li", "row", "");
                dom::set(&row, "data-testid", "trash-item");
                let name = dom::add(&row, "span", "name", &image.original_name);
                dom::set(&name, "data-testid", "trash-name");
                let deleted_at = image.deleted_at.unwrap_or(image.created_at) as f64;
                let details = dom::add(&row, "span", "details", &format_bytes(image.size));
                let time = dom::add(&details, "time", "", &lang.relative_time(now, deleted_at));
                dom::set(&time, "title", &lang.date_time(deleted_at));
                let id = image.id.to_string();
                dom::button(&row, "small", "restore", &id, mtexts.restore);
            }
        });
        self.pages.footer(root, lang, mtexts.trash_empty);
    }
}
