//! Copying text, with a toast saying what was copied.

use crate::i18n::{use_lang, Lang};
use crate::toast::{use_toasts, Toasts};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Puts `text` on the clipboard: the asynchronous Clipboard API where the
/// page is a secure context, else the old `execCommand("copy")`.
pub async fn copy_text(text: &str) -> bool {
    let navigator = window().navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .is_ok_and(|clipboard| !clipboard.is_undefined());
    if has_clipboard
        && JsFuture::from(navigator.clipboard().write_text(text))
            .await
            .is_ok()
    {
        return true;
    }
    copy_with_exec_command(text)
}

fn copy_with_exec_command(text: &str) -> bool {
    let document = document();
    let Some(body) = document.body() else {
        return false;
    };
    let Ok(area) = document.create_element("textarea") else {
        return false;
    };
    let area: web_sys::HtmlTextAreaElement = area.unchecked_into();
    area.set_value(text);
    let _ = area.set_attribute("readonly", "");
    // A class, not a style attribute: the page's CSP allows no inline styles.
    area.set_class_name("offscreen");
    let _ = body.append_child(&area);
    area.select();
    let copied = document
        .unchecked_ref::<web_sys::HtmlDocument>()
        .exec_command("copy")
        .unwrap_or(false);
    area.remove();
    copied
}

/// Copies and toasts "Copied <what>" (or why it could not). Made in a
/// component, used in its event handlers.
#[derive(Clone, Copy)]
pub struct Copier {
    toasts: Toasts,
    lang: RwSignal<Lang>,
}

pub fn use_copier() -> Copier {
    Copier {
        toasts: use_toasts(),
        lang: use_lang(),
    }
}

impl Copier {
    pub fn copy(self, text: String, what: &'static str) {
        spawn_local(async move {
            let lang = self.lang.get_untracked();
            if copy_text(&text).await {
                self.toasts.show(lang.copied(what));
            } else {
                self.toasts.error(lang.texts().copy_failed);
            }
        });
    }
}
