//! The bar shown while images are selected: how many, select all, clear,
//! and delete them all.

use super::delete::Deleter;
use super::use_gallery;
use crate::confirm::use_confirm;
use crate::i18n::{t, use_lang};
use crate::links::cache_host;
use leptos::prelude::*;
use std::collections::HashSet;

#[component]
pub fn SelectionBar(deleter: Deleter) -> impl IntoView {
    let gallery = use_gallery();
    let lang = use_lang();
    let confirm = use_confirm();
    let selected_count = move || gallery.selected.with(HashSet::len);
    let delete_selected = move |_| {
        let ids = gallery.selected_in_order();
        let lang = lang.get_untracked();
        let mut text = lang.confirm_delete_many(ids.len());
        let cached = gallery
            .images
            .with_untracked(|images| images.iter().find_map(|image| cache_host(&image.image_url)));
        text.extend(cached.map(|host| lang.cached_copies(&host)));
        confirm.ask(text, move || deleter.delete(ids.clone()));
    };
    view! {
        <Show when=move || selected_count() != 0>
            <div class="selection-bar" data-testid="selection-bar">
                <span data-testid="selected-count">
                    {move || lang.get().selected_count(selected_count())}
                </span>
                <button
                    type="button"
                    class="secondary small"
                    on:click=move |_| gallery.select_all()
                >
                    {t(|t| t.select_all)}
                </button>
                <button
                    type="button"
                    class="secondary small"
                    on:click=move |_| gallery.selected.set(HashSet::new())
                >
                    {t(|t| t.clear_selection)}
                </button>
                <button
                    type="button"
                    class="danger small"
                    data-testid="delete-selected"
                    on:click=delete_selected
                >
                    {t(|t| t.delete_selected)}
                </button>
            </div>
        </Show>
    }
}
