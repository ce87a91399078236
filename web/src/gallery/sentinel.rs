//! The end of the grid. When it comes near the screen the next page loads;
//! it shows that page loading, why it failed, or a load-more button.

use super::state::LoadStatus;
use super::use_gallery;
use crate::i18n::{t, use_lang};
use crate::settings::use_settings;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

#[component]
pub fn Sentinel() -> impl IntoView {
    let gallery = use_gallery();
    let settings = use_settings();
    let lang = use_lang();
    let sentinel = NodeRef::<html::Div>::new();
    let visible = watch_visibility(sentinel);
    Effect::new(move |_| {
        let can_load = gallery.can_load_more();
        if visible.get() && can_load {
            gallery.load_more(settings.api());
        }
    });

    let load_more = move |_| gallery.load_more(settings.api());
    let footer = move || match gallery.status.get() {
        LoadStatus::LoadingMore => view! { <p class="state">{t(|t| t.loading)}</p> }.into_any(),
        LoadStatus::MoreFailed(error) => view! {
            <p class="state error" role="alert">{move || error.message(lang.get())}</p>
            <button type="button" on:click=load_more>{t(|t| t.try_again)}</button>
        }
        .into_any(),
        LoadStatus::Ready if gallery.next_cursor.with(Option::is_some) => view! {
            <button type="button" class="secondary" data-testid="load-more" on:click=load_more>
                {t(|t| t.load_more)}
            </button>
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! { <div class="more" node_ref=sentinel>{footer}</div> }
}

/// An observer and the callback it calls, which must live as long as it.
type Watch = (IntersectionObserver, Closure<dyn Fn(js_sys::Array)>);

/// True while the element is on (or near) the screen. The observer stops
/// when the calling component goes.
fn watch_visibility(target: NodeRef<html::Div>) -> ReadSignal<bool> {
    let (visible, set_visible) = signal(false);
    let watch = StoredValue::new_local(None::<Watch>);
    let stop = move || {
        if let Some((observer, _callback)) = watch.try_update_value(Option::take).flatten() {
            observer.disconnect();
        }
    };
    Effect::new(move |_| {
        let Some(element) = target.get() else {
            return;
        };
        stop();
        let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
            if let Some(entry) = entries.iter().last() {
                let entry: IntersectionObserverEntry = entry.unchecked_into();
                set_visible.set(entry.is_intersecting());
            }
        });
        let options = IntersectionObserverInit::new();
        // Start loading the next page a screen before the end is reached.
        options.set_root_margin("100% 0px");
        if let Ok(observer) =
            IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options)
        {
            observer.observe(&element);
            watch.set_value(Some((observer, callback)));
        }
    });
    on_cleanup(stop);
    visible
}
