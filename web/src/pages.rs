//! A list read a page at a time through the API's cursor, with a button for
//! the next page: the trash and the audit log.

use crate::api::ApiError;
use crate::dom;
use crate::i18n::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use web_sys::Element;

#[derive(Debug, Clone, PartialEq)]
pub enum PageStatus {
    Loading,
    Ready,
    Failed(ApiError),
}

/// A page of items and the cursor of the next, if any.
pub type Page<T> = Result<(Vec<T>, Option<String>), ApiError>;

pub struct Pages<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub next: RwSignal<Option<String>>,
    pub status: RwSignal<PageStatus>,
}

impl<T: Send + Sync + 'static> Clone for Pages<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Pages<T> {}

impl<T: Send + Sync + 'static> Pages<T> {
    pub fn new() -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            status: RwSignal::new(PageStatus::Loading),
        }
    }

    /// Shows what `page` answers: the first page in place of what was
    /// shown, a later one (`more`) after it.
    pub fn load(self, more: bool, page: impl Future<Output = Page<T>> + 'static) {
        self.status.set(PageStatus::Loading);
        spawn_local(async move {
            match page.await {
                Ok((items, next)) => {
                    if more {
                        self.items.update(|shown| shown.extend(items));
                    } else {
                        self.items.set(items);
                    }
                    self.next.set(next);
                    self.status.set(PageStatus::Ready);
                }
                Err(error) => self.status.set(PageStatus::Failed(error)),
            }
        });
    }

    /// Below the list: loading, why it failed (with a retry), `empty`
    /// when there is nothing, or a button for the next page (`more`, its
    /// value the cursor). Tracks what it reads.
    pub fn footer(self, parent: &Element, lang: Lang, empty: &str) {
        let texts = lang.texts();
        let parent = &dom::add(parent, "div", "more", "");
        let next = self.next.get();
        match self.status.get() {
            PageStatus::Loading => {
                dom::add(parent, "p", "state", texts.loading);
            }
            PageStatus::Failed(error) => {
                let failed = dom::add(parent, "div", "state error", "");
                dom::set(&failed, "role", "alert");
                dom::add(&failed, "p", "", &error.message(lang));
                let cursor = next.unwrap_or_default();
                dom::button(&failed, "", "more", &cursor, texts.try_again);
            }
            _ => match next {
                Some(cursor) => {
                    dom::button(parent, "secondary", "more", &cursor, texts.load_more);
                }
                None if self.items.with(Vec::is_empty) => {
                    dom::add(parent, "p", "state empty", empty);
                }
                None => {}
            },
        }
    }
}

/// The cursor a `more` button carries: `None` for the first page.
pub fn cursor(value: String) -> Option<String> {
    Some(value).filter(|value| !value.is_empty())
}
