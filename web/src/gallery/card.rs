use super::{use_gallery, Deleter};
use crate::app::use_clock;
use crate::clipboard::use_copier;
use crate::confirm::use_confirm;
use crate::i18n::{t, use_lang};
use crate::snippets::{Labelled, Snippets};
use imghost_shared::api::ImageRecord;
use imghost_shared::units::format_bytes;
use leptos::prelude::*;
use std::sync::Arc;

/// One image in the grid: thumbnail, name, size, dimensions, age, and its
/// actions.
#[component]
pub fn ImageCard(image: Arc<ImageRecord>, deleter: Deleter) -> impl IntoView {
    let gallery = use_gallery();
    let lang = use_lang();
    let clock = use_clock();
    let copier = use_copier();
    let confirm = use_confirm();
    let id = image.id;
    let name = image.original_name.clone();
    let url = image.image_url.clone();
    let snippets = Snippets::of(&image);
    let created_at = image.created_at as f64;

    let selected = move || gallery.selected.with(|selected| selected.contains(&id));
    let toggle = move |_| {
        gallery.selected.update(|selected| {
            if !selected.remove(&id) {
                selected.insert(id);
            }
        })
    };
    let age = move || lang.get().relative_time(clock.now.get(), created_at);
    let exact_time = move || {
        js_sys::Date::new(&created_at.into())
            .to_locale_string(lang.get().tag(), &wasm_bindgen::JsValue::UNDEFINED)
            .as_string()
            .unwrap_or_default()
    };
    let iso_time = js_sys::Date::new(&created_at.into())
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    let dimensions = image
        .dimensions()
        .map(|d| format!("{} × {}", d.width, d.height));
    let delete = {
        let name = name.clone();
        move |_| {
            let text = lang.get_untracked().confirm_delete_one(&name);
            confirm.ask(text, move || deleter.delete(vec![id]));
        }
    };
    let select_label = {
        let name = name.clone();
        move || lang.get().select_image(&name)
    };
    view! {
        <li class="card" class:selected=selected data-testid="image-card" data-id=id.to_string()>
            <a class="thumb" href=url.clone() target="_blank" rel="noopener" tabindex="-1">
                <img
                    src=url.clone()
                    alt=name.clone()
                    loading="lazy"
                    decoding="async"
                    // Hotlink protection (ALLOWED_REFERERS) must not hide the
                    // owner's own images from a UI hosted on another origin.
                    referrerpolicy="no-referrer"
                    width=image.width
                    height=image.height
                />
            </a>
            <label class="select">
                <input
                    type="checkbox"
                    data-testid="select"
                    aria-label=select_label
                    prop:checked=selected
                    on:change=toggle
                />
            </label>
            <div class="corner-actions">
                <a
                    class="button small icon overlay"
                    data-testid="open"
                    href=url
                    target="_blank"
                    rel="noopener"
                    title=t(|t| t.open)
                    aria-label=t(|t| t.open)
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true">
                        <path d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5" />
                    </svg>
                </a>
                <button
                    type="button"
                    class="small icon danger overlay"
                    data-testid="delete"
                    title=t(|t| t.delete)
                    aria-label=t(|t| t.delete)
                    on:click=delete
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true">
                        <path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1l1-12M9 7V4h6v3" />
                    </svg>
                </button>
            </div>
            <div class="meta">
                <p class="name" data-testid="card-name" title=name.clone()>{name.clone()}</p>
                <p class="details">
                    <span data-testid="card-size">{format_bytes(image.size)}</span>
                    {dimensions.map(|text| view! {
                        <span data-testid="card-dimensions">{text}</span>
                    })}
                    <time data-testid="card-time" datetime=iso_time title=exact_time>{age}</time>
                </p>
            </div>
            <div class="card-actions">
                {snippets
                    .labelled()
                    .into_iter()
                    .map(|Labelled { label, short, id, copy_title, text }| {
                        view! {
                            <button
                                type="button"
                                class="small"
                                data-testid=format!("copy-{id}")
                                title=t(copy_title)
                                on:click=move |_| copier.copy(text.clone(), label)
                            >
                                {short}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </li>
    }
}
