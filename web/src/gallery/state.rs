//! What the gallery shows: the images listed so far, the total, where the
//! listing goes on, the search and the selection. Listings are fetched a
//! page at a time; uploads and deletions update what is shown in place.

use crate::api::{Api, ApiError};
use imghost_shared::api::albums::{AlbumId, TagName};
use imghost_shared::api::{ImageId, ImageRecord, ListQuery, MAX_PAGE_SIZE};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashSet;
use std::sync::Arc;

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
    /// The album and tags the listing is narrowed to.
    pub filters: RwSignal<Filters>,
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
            filters: RwSignal::new(Filters::default()),
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
        let first = ListQuery::first_page(MAX_PAGE_SIZE)
            .with_search(&self.search.get_untracked())
            .with_filters(
                self.filters.with_untracked(|f| f.album),
                self.filters.with_untracked(|f| f.tags.clone()),
            );
        let page = match cursor {
            Some(cursor) => first.after(&cursor).map_err(|_| ApiError::BadAnswer),
            None => Ok(first),
        };
        spawn_local(async move {
            let result = match page {
                Ok(page) => api.list(&page).await,
                Err(error) => Err(error),
            };
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
        if !matches_search(&image.original_name, &self.search.get_untracked())
            || !self.filters.with_untracked(|filters| filters.admit(&image))
        {
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

    /// An image back from the trash: in its place (the listing is newest,
    /// i.e. highest id, first), if it belongs in what is listed so far.
    pub fn restored(self, image: ImageRecord) {
        // A restore does not say the image's albums and tags: under a
        // filter, the next listing shows it if it belongs.
        if self.filters.with_untracked(Filters::is_on)
            || !matches_search(&image.original_name, &self.search.get_untracked())
        {
            return;
        }
        let more = self.next_cursor.with_untracked(Option::is_some);
        let mut known = false;
        self.images.update(|images| {
            let at = images.partition_point(|shown| shown.id > image.id);
            known = images.get(at).is_some_and(|shown| shown.id == image.id);
            // Past the last loaded card, a later page brings it.
            if !known && (at < images.len() || !more) {
                images.insert(at, Arc::new(image));
            }
        });
        if !known {
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

    /// Whether a listing has answered, so the total is known.
    pub fn total_is_known(self) -> bool {
        matches!(
            self.status.get(),
            LoadStatus::Ready | LoadStatus::LoadingMore | LoadStatus::MoreFailed(_)
        )
    }

    /// Whether another page is there and nothing is loading.
    pub fn can_load_more(self) -> bool {
        self.status.with(|status| *status == LoadStatus::Ready)
            && self.next_cursor.with(Option::is_some)
    }

    pub fn is_selected(self, id: ImageId) -> bool {
        self.selected.with(|selected| selected.contains(&id))
    }

    pub fn toggle_selected(self, id: ImageId) {
        self.selected.update(|selected| {
            if !selected.remove(&id) {
                selected.insert(id);
            }
        });
    }

    pub fn select_all(self) {
        let all = self
            .images
            .with_untracked(|images| images.iter().map(|image| image.id).collect());
        self.selected.set(all);
    }

    /// The selected images, in the order shown.
    pub fn selected_in_order(self) -> Vec<ImageId> {
        self.images.with_untracked(|images| {
            self.selected.with_untracked(|selected| {
                images
                    .iter()
                    .map(|image| image.id)
                    .filter(|id| selected.contains(id))
                    .collect()
            })
        })
    }
}

/// The album and tags the listing is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub album: Option<AlbumId>,
    pub tags: Vec<TagName>,
}

impl Filters {
    pub fn is_on(&self) -> bool {
        self.album.is_some() || !self.tags.is_empty()
    }

    /// Whether an image with these labels belongs in the listing.
    pub fn admit(&self, image: &ImageRecord) -> bool {
        self.album.is_none_or(|album| image.albums.contains(&album))
            && self.tags.iter().all(|tag| image.tags.contains(tag))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_admit_images_with_every_label() {
        let tag = |name: &str| TagName::parse(name).unwrap();
        let image: ImageRecord = serde_json::from_str(
            r#"{"id": 1, "object_key": "k.png", "original_name": "k.png", "image_url": "u",
                "content_type": null, "size": 1, "created_at": 0,
                "albums": [2], "tags": ["sky", "sea"]}"#,
        )
        .unwrap();
        let filters = |album, tags| Filters { album, tags };
        assert!(filters(None, vec![]).admit(&image));
        assert!(filters(Some(AlbumId(2)), vec![tag("sea")]).admit(&image));
        assert!(!filters(Some(AlbumId(3)), vec![]).admit(&image));
        assert!(!filters(None, vec![tag("sky"), tag("night")]).admit(&image));
        assert!(!Filters::default().is_on());
    }

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
