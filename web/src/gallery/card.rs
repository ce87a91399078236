//! One image in the grid: its thumbnail, selection box, open and delete,
//! name, size, dimensions and age, and buttons to copy its links.

use super::delete::Deleter;
use super::use_gallery;
use crate::api::Api;
use crate::app::use_clock;
use crate::clipboard::use_copier;
use crate::confirm::use_confirm;
use crate::i18n::{t, use_lang};
use crate::links::{cache_host, web_link};
use crate::settings::use_settings;
use crate::snippets::{Labelled, Snippets};
use crate::thumbnail;
use imghost_shared::api::{ImageId, ImageRecord};
use imghost_shared::units::format_bytes;
use leptos::prelude::*;
use std::cell::Cell;
use std::sync::Arc;
use web_sys::HtmlImageElement;

#[component]
pub fn ImageCard(image: Arc<ImageRecord>, deleter: Deleter) -> impl IntoView {
    let gallery = use_gallery();
    let id = image.id;
    let name = image.original_name.clone();
    let url = web_link(&image.image_url).unwrap_or_default().to_string();
    let animated = image.animated == Some(true);
    view! {
        <li
            class="card"
            class:selected=move || gallery.is_selected(id)
            data-testid="image-card"
            data-id=id.to_string()
        >
            <a class="thumb" href=url.clone() target="_blank" rel="noopener" tabindex="-1">
                <Preview image=image.clone() />
                {animated.then(|| view! {
                    <span class="badge" data-testid="animated-badge">{t(|t| t.animated)}</span>
                })}
            </a>
            <SelectBox id name=name.clone() />
            <CornerActions id name url deleter />
            <CardDetails image=image.clone() />
            <CopyButtons image />
        </li>
    }
}

/// The thumbnail, or the image itself where it has none or the thumbnail
/// does not load. An image shown itself that needs a thumbnail gets one
/// made from it once it has loaded; the gallery's record then has it.
#[component]
fn Preview(image: Arc<ImageRecord>) -> impl IntoView {
    let gallery = use_gallery();
    let settings = use_settings();
    let original = web_link(&image.image_url).unwrap_or_default().to_string();
    let thumbnail = image
        .thumbnail_url
        .as_deref()
        .and_then(web_link)
        .map(str::to_string);
    let has_thumbnail = thumbnail.is_some();
    let src = thumbnail.unwrap_or_else(|| original.clone());
    let fell_back = Cell::new(!has_thumbnail);
    let fall_back = move |event: web_sys::ErrorEvent| {
        if !fell_back.replace(true) {
            event_target::<HtmlImageElement>(&event).set_src(&original);
        }
    };
    let (name, width, height) = (image.original_name.clone(), image.width, image.height);
    // Every loaded card goes to the backfill, which decides (and says it
    // decided, for whoever waits on it): one with a thumbnail needs none.
    let make_thumbnail = move |event: web_sys::Event| {
        let api = Api::new(&settings.connection.get_untracked());
        thumbnail::backfill(image.clone(), event_target(&event), api, move |made| {
            gallery.images.update(|images| {
                if let Some(shown) = images.iter_mut().find(|shown| shown.id == made.id) {
                    *shown = Arc::new(made);
                }
            });
        });
    };
    view! {
        <img
            src=src
            alt=name
            loading="lazy"
            decoding="async"
            // Hotlink protection (ALLOWED_REFERERS) must not hide the
            // owner's own images from a UI hosted on another origin.
            referrerpolicy="no-referrer"
            width=width
            height=height
            on:error=fall_back
            on:load=make_thumbnail
        />
    }
}

#[component]
fn SelectBox(id: ImageId, name: String) -> impl IntoView {
    let gallery = use_gallery();
    let lang = use_lang();
    view! {
        <label class="select">
            <input
                type="checkbox"
                data-testid="select"
                aria-label=move || lang.get().select_image(&name)
                prop:checked=move || gallery.is_selected(id)
                on:change=move |_| gallery.toggle_selected(id)
            />
        </label>
    }
}

/// Open in a new tab, and delete (once confirmed).
#[component]
fn CornerActions(id: ImageId, name: String, url: String, deleter: Deleter) -> impl IntoView {
    let lang = use_lang();
    let confirm = use_confirm();
    let cached_at = cache_host(&url);
    let delete = move |_| {
        let lang = lang.get_untracked();
        let mut text = lang.confirm_delete_one(&name);
        text.extend(cached_at.as_deref().map(|host| lang.cached_copies(host)));
        confirm.ask(text, move || deleter.delete(vec![id]));
    };
    view! {
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
    }
}

/// Name, size, dimensions, and how long ago it was uploaded (the exact time
/// on hover).
#[component]
fn CardDetails(image: Arc<ImageRecord>) -> impl IntoView {
    let lang = use_lang();
    let clock = use_clock();
    let name = image.original_name.clone();
    let created_at = image.created_at as f64;
    let age = move || lang.get().relative_time(clock.now.get(), created_at);
    let exact_time = move || lang.get().date_time(created_at);
    let iso_time = js_sys::Date::new(&created_at.into())
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    let dimensions = image
        .dimensions()
        .map(|d| format!("{} × {}", d.width, d.height));
    view! {
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
    }
}

/// URL, Markdown and HTML, the linked thumbnail and the responsive snippets
/// where the image has them, each a click away from the clipboard.
#[component]
fn CopyButtons(image: Arc<ImageRecord>) -> impl IntoView {
    let buttons = Snippets::of(&image, &use_settings().sizes.get_untracked())
        .labelled()
        .into_iter()
        .map(|snippet| view! { <CopyButton snippet /> })
        .collect_view();
    view! { <div class="card-actions">{buttons}</div> }
}

#[component]
fn CopyButton(snippet: Labelled) -> impl IntoView {
    let copier = use_copier();
    let lang = use_lang();
    let Labelled {
        label,
        short,
        id,
        copy_title,
        text,
    } = snippet;
    view! {
        <button
            type="button"
            class="small"
            data-testid=format!("copy-{id}")
            title=t(copy_title)
            on:click=move |_| copier.copy(text.clone(), label(lang.get_untracked().texts()))
        >
            {short}
        </button>
    }
}
