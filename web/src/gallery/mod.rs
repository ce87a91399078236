//! The gallery: newest first, a page at a time through the listing cursor
//! (more load as the end of the grid scrolls into view), with only the cards
//! near the screen in the page however many are loaded; server-side search,
//! copy and delete per image, and delete for a selection.
//!
//! - `state`: what is shown, and fetching it
//! - `search`: the search box
//! - `selection`: the bar for a selection of images
//! - `status`: loading, error and empty messages
//! - `card`: one image
//! - `window`: the grid, with only the cards near the screen in the page
//! - `mounted`: the cards in the grid, each kept in place while shown
//! - `sentinel`: the end of the grid, which loads the next page
//! - `delete`: deleting images

mod card;
mod delete;
mod labels;
mod mounted;
mod search;
mod selection;
mod sentinel;
mod state;
mod status;
mod window;

use crate::api::Api;
use crate::i18n::{t, use_lang};
use crate::settings::use_settings;
use delete::Deleter;
pub use labels::upload_labels;
use leptos::prelude::*;
use search::SearchBox;
use selection::SelectionBar;
use sentinel::Sentinel;
use state::use_gallery;
pub use state::GalleryState;
use status::ListingStatus;
use window::WindowedGrid;

#[component]
pub fn Gallery() -> impl IntoView {
    let gallery = use_gallery();
    let settings = use_settings();
    let deleter = Deleter::new();

    Effect::new(move |_| {
        gallery.search.track();
        gallery.filters.track();
        let connection = settings.connection.get();
        gallery.reload(Api::new(&connection));
    });
    labels::mount();
    view! {
        <section class="gallery" aria-labelledby="gallery-title">
            <div class="gallery-head">
                <h2 id="gallery-title">{t(|t| t.gallery)}</h2>
                <ImageCount />
                <SearchBox />
            </div>
            <SelectionBar deleter />
            <ListingStatus />
            <WindowedGrid deleter />
            <Sentinel />
        </section>
    }
}

/// "12 images", once a listing has answered: "0 images" while loading would
/// be a wrong answer, not a pending one.
#[component]
fn ImageCount() -> impl IntoView {
    let gallery = use_gallery();
    let lang = use_lang();
    let count = move || {
        gallery
            .total_is_known()
            .then(|| lang.get().image_count(gallery.total.get()))
    };
    view! { <span class="count" data-testid="image-count">{count}</span> }
}
