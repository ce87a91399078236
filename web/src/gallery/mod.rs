//! The gallery: newest first, a page at a time through the listing cursor
//! (more load as the end of the grid scrolls into view), server-side search,
//! copy and delete per image, and delete for a selection.

mod card;

use crate::api::{Api, ApiError, PageQuery};
use crate::app::DataVersion;
use crate::confirm::use_confirm;
use crate::i18n::{t, use_lang};
use crate::settings::use_settings;
use crate::toast::use_toasts;
use card::ImageCard;
use imghost_shared::api::{ImageId, ImageRecord, MAX_PAGE_SIZE};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

const SEARCH_DELAY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, PartialEq)]
pub enum LoadStatus {
    Loading,
    Ready,
    LoadingMore,
    Failed(ApiError),
    MoreFailed(ApiError),
}

#[derive(Clone, Copy)]
pub struct GalleryState {
    pub images: RwSignal<Vec<Arc<ImageRecord>>>,
    pub total: RwSignal<u64>,
    pub next_cursor: RwSignal<Option<String>>,
    pub status: RwSignal<LoadStatus>,
    /// The search the listing shows (typing is debounced into it).
    pub search: RwSignal<String>,
    pub selected: RwSignal<HashSet<ImageId>>,
    /// Answers to older requests (an earlier search) are ignored.
    generation: StoredValue<u64>,
}

impl GalleryState {
    pub fn new() -> Self {
        Self {
            images: RwSignal::new(Vec::new()),
            total: RwSignal::new(0),
            next_cursor: RwSignal::new(None),
            status: RwSignal::new(LoadStatus::Loading),
            search: RwSignal::new(String::new()),
            selected: RwSignal::new(HashSet::new()),
            generation: StoredValue::new(0),
        }
    }

    /// Loads the first page again (new search, new connection, retry).
    pub fn reload(self, api: Api) {
        self.generation.update_value(|generation| *generation += 1);
        self.status.set(LoadStatus::Loading);
        self.selected.set(HashSet::new());
        self.fetch_page(
            api,
            None,
            move |images| self.images.set(images.map(Arc::new).collect()),
            move |error| {
                // Images listed with another address or token are not
                // this answer's to show.
                self.images.set(Vec::new());
                self.next_cursor.set(None);
                self.status.set(LoadStatus::Failed(error));
            },
        );
    }

    pub fn load_more(self, api: Api) {
        let ready = matches!(
            self.status.get_untracked(),
            LoadStatus::Ready | LoadStatus::MoreFailed(_)
        );
        let Some(cursor) = self.next_cursor.get_untracked().filter(|_| ready) else {
            return;
        };
        self.status.set(LoadStatus::LoadingMore);
        self.fetch_page(
            api,
            Some(cursor),
            move |images| {
                self.images.update(|shown| {
                    let known: HashSet<ImageId> = shown.iter().map(|image| image.id).collect();
                    shown.extend(
                        images
                            .filter(|image| !known.contains(&image.id))
                            .map(Arc::new),
                    );
                })
            },
            move |error| self.status.set(LoadStatus::MoreFailed(error)),
        );
    }

    /// Lists the page after `cursor` (the first page without one) for the
    /// current search. `show` gets its images; the total, cursor and status
    /// follow. An answer that a newer reload has overtaken is dropped.
    fn fetch_page(
        self,
        api: Api,
        cursor: Option<String>,
        show: impl FnOnce(std::vec::IntoIter<ImageRecord>) + 'static,
        failed: impl FnOnce(ApiError) + 'static,
    ) {
        let generation = self.generation.get_value();
        let page = PageQuery {
            page_size: MAX_PAGE_SIZE,
            cursor,
            search: self.search.get_untracked(),
        };
        spawn_local(async move {
            let result = api.list(&page).await;
            if self.generation.get_value() != generation {
                return;
            }
            match result {
                Ok(list) => {
                    show(list.results.into_iter());
                    self.total.set(list.total);
                    self.next_cursor.set(list.next_cursor);
                    self.status.set(LoadStatus::Ready);
                }
                Err(error) => failed(error),
            }
        });
    }

    /// A new upload: shown first, if it belongs in the current listing.
    pub fn added(self, image: ImageRecord) {
        if !matches_search(&image.original_name, &self.search.get_untracked()) {
            return;
        }
        let mut inserted = false;
        self.images.update(|images| {
            if images.iter().all(|known| known.id != image.id) {
                images.insert(0, Arc::new(image));
                inserted = true;
            }
        });
        if inserted {
            self.total.update(|total| *total += 1);
        }
    }

    pub fn removed(self, id: ImageId) {
        let mut found = false;
        self.images.update(|images| {
            let before = images.len();
            images.retain(|image| image.id != id);
            found = images.len() < before;
        });
        if found {
            self.total.update(|total| *total = total.saturating_sub(1));
        }
        self.selected.update(|selected| {
            selected.remove(&id);
        });
    }
}

/// Whether a name is listed for a search, as the server decides it: the
/// search text anywhere in the name, ignoring case.
pub fn matches_search(name: &str, search: &str) -> bool {
    // Like the server's index: letters and digits only, any case.
    let key = |text: &str| -> String {
        text.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    key(name).contains(&key(search))
}

pub fn use_gallery() -> GalleryState {
    expect_context::<GalleryState>()
}

/// Deletes images one after the other, each card leaving as its image goes.
#[derive(Clone, Copy)]
pub struct Deleter {
    gallery: GalleryState,
    data_version: DataVersion,
    toasts: crate::toast::Toasts,
    lang: RwSignal<crate::i18n::Lang>,
    settings: crate::settings::Settings,
}

impl Deleter {
    pub fn new() -> Self {
        Self {
            gallery: use_gallery(),
            data_version: expect_context::<DataVersion>(),
            toasts: use_toasts(),
            lang: use_lang(),
            settings: use_settings(),
        }
    }

    pub fn delete(self, ids: Vec<ImageId>) {
        let api = self.settings.api();
        spawn_local(async move {
            let mut deleted = 0;
            for id in ids {
                match api.delete(id).await {
                    // Already gone is as good as deleted.
                    Ok(_) | Err(ApiError::NotFound) => {
                        self.gallery.removed(id);
                        deleted += 1;
                    }
                    Err(error) => {
                        self.toasts.error(error.message(self.lang.get_untracked()));
                        break;
                    }
                }
            }
            if deleted > 0 {
                self.toasts.show(self.lang.get_untracked().deleted(deleted));
                self.data_version.bump();
            }
        });
    }
}

#[component]
pub fn Gallery() -> impl IntoView {
    let gallery = use_gallery();
    let settings = use_settings();
    let lang = use_lang();
    let confirm = use_confirm();
    let deleter = Deleter::new();
    let search_input = RwSignal::new(String::new());
    let typed = StoredValue::new(0u64);

    Effect::new(move |_| {
        gallery.search.track();
        let connection = settings.connection.get();
        gallery.reload(Api::new(&connection));
    });

    let on_search = move |text: String| {
        search_input.set(text.clone());
        typed.update_value(|count| *count += 1);
        let this_input = typed.get_value();
        set_timeout(
            move || {
                if typed.get_value() == this_input && gallery.search.get_untracked() != text {
                    gallery.search.set(text);
                }
            },
            SEARCH_DELAY,
        );
    };

    let sentinel = NodeRef::<html::Div>::new();
    let sentinel_visible = RwSignal::new(false);
    observe_visibility(sentinel, sentinel_visible);
    Effect::new(move |_| {
        let can_load = gallery.status.with(|status| *status == LoadStatus::Ready)
            && gallery.next_cursor.with(Option::is_some);
        if sentinel_visible.get() && can_load {
            gallery.load_more(settings.api());
        }
    });

    let selected_count = move || gallery.selected.with(HashSet::len);
    let delete_selected = move |_| {
        let ids: Vec<ImageId> = gallery
            .images
            .with_untracked(|images| images.iter().map(|image| image.id).collect::<Vec<_>>())
            .into_iter()
            .filter(|id| {
                gallery
                    .selected
                    .with_untracked(|selected| selected.contains(id))
            })
            .collect();
        let text = lang.get_untracked().confirm_delete_many(ids.len());
        confirm.ask(text, move || deleter.delete(ids.clone()));
    };
    let select_all = move |_| {
        let all = gallery
            .images
            .with_untracked(|images| images.iter().map(|image| image.id).collect());
        gallery.selected.set(all);
    };

    let status_view = move || {
        let lang = lang.get();
        match gallery.status.get() {
            LoadStatus::Loading => view! {
                <p class="state" data-testid="gallery-loading">{lang.texts().loading}</p>
            }
            .into_any(),
            LoadStatus::Failed(ApiError::Unauthorized)
                if settings
                    .connection
                    .with(|connection| connection.token.is_empty()) =>
            {
                view! {
                    <p class="state" data-testid="gallery-error">{lang.texts().enter_token}</p>
                }
                .into_any()
            }
            LoadStatus::Failed(error) => {
                let needs_settings = matches!(
                    error,
                    ApiError::Unauthorized
                        | ApiError::Unreachable
                        | ApiError::NotConfigured(_)
                        | ApiError::BadAnswer
                );
                view! {
                    <div class="state error" role="alert" data-testid="gallery-error">
                        <p>{error.message(lang)}</p>
                        <button type="button" on:click=move |_| gallery.reload(settings.api())>
                            {lang.texts().try_again}
                        </button>
                        {needs_settings.then(|| view! {
                            <button
                                type="button"
                                class="secondary"
                                on:click=move |_| settings.panel_open.set(true)
                            >
                                {lang.texts().open_settings}
                            </button>
                        })}
                    </div>
                }
                .into_any()
            }
            _ if gallery.images.with(Vec::is_empty) => {
                let search = gallery.search.get();
                let text = if search.trim().is_empty() {
                    lang.texts().empty.to_string()
                } else {
                    lang.no_match(search.trim())
                };
                view! { <p class="state empty" data-testid="gallery-empty">{text}</p> }.into_any()
            }
            _ => ().into_any(),
        }
    };

    let more_view = move || {
        let lang = lang.get();
        match gallery.status.get() {
            LoadStatus::LoadingMore => {
                view! { <p class="state">{lang.texts().loading}</p> }.into_any()
            }
            LoadStatus::MoreFailed(error) => view! {
                <p class="state error" role="alert">{error.message(lang)}</p>
                <button type="button" on:click=move |_| gallery.load_more(settings.api())>
                    {lang.texts().try_again}
                </button>
            }
            .into_any(),
            LoadStatus::Ready if gallery.next_cursor.with(Option::is_some) => view! {
                <button
                    type="button"
                    class="secondary"
                    data-testid="load-more"
                    on:click=move |_| gallery.load_more(settings.api())
                >
                    {lang.texts().load_more}
                </button>
            }
            .into_any(),
            _ => ().into_any(),
        }
    };

    view! {
        <section class="gallery" aria-labelledby="gallery-title">
            <div class="gallery-head">
                <h2 id="gallery-title">{t(|t| t.gallery)}</h2>
                // Only once a listing has answered: "0 images" while loading
                // would be a wrong answer, not a pending one.
                <span class="count" data-testid="image-count">
                    {move || {
                        let known = matches!(
                            gallery.status.get(),
                            LoadStatus::Ready | LoadStatus::LoadingMore | LoadStatus::MoreFailed(_)
                        );
                        known.then(|| lang.get().image_count(gallery.total.get()))
                    }}
                </span>
                <input
                    type="search"
                    class="search"
                    data-testid="search"
                    placeholder=t(|t| t.search)
                    aria-label=t(|t| t.search)
                    prop:value=search_input
                    on:input:target=move |ev| on_search(ev.target().value())
                />
            </div>
            <Show when=move || selected_count() != 0>
                <div class="selection-bar" data-testid="selection-bar">
                    <span data-testid="selected-count">
                        {move || lang.get().selected_count(selected_count())}
                    </span>
                    <button type="button" class="secondary small" on:click=select_all>
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
            {status_view}
            <ul class="grid" class:selecting=move || selected_count() != 0 data-testid="grid">
                <For
                    each=move || gallery.images.get()
                    key=|image| image.id
                    children=move |image| view! { <ImageCard image deleter /> }
                />
            </ul>
            <div class="more" node_ref=sentinel>{more_view}</div>
        </section>
    }
}

/// Keeps `visible` true while the element is on (or near) the screen.
fn observe_visibility(target: NodeRef<html::Div>, visible: RwSignal<bool>) {
    Effect::new(move |_| {
        let Some(element) = target.get() else {
            return;
        };
        let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
            if let Some(entry) = entries.iter().last() {
                let entry: IntersectionObserverEntry = entry.unchecked_into();
                visible.set(entry.is_intersecting());
            }
        });
        let options = IntersectionObserverInit::new();
        // Start loading the next page a screen before the end is reached.
        options.set_root_margin("100% 0px");
        if let Ok(observer) =
            IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options)
        {
            observer.observe(&element);
        }
        // The observer lives as long as the page.
        callback.forget();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matching_follows_the_server() {
        assert!(matches_search("Coffee.png", ""));
        assert!(matches_search("Coffee.png", " co "));
        assert!(matches_search("decoffee.png", "CO"));
        assert!(matches_search("猫咪照片.png", "照"));
        assert!(!matches_search("rocket.jpg", "png"));
        assert!(matches_search("IMG_0001.png", "g0"));
        assert!(matches_search("a-b.png", "A.B"));
        assert!(matches_search("rocket.jpg", "***"));
    }
}
