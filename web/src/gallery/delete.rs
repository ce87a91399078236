//! Deleting images, one card's or a selection's.

use super::use_gallery;
use super::GalleryState;
use crate::api::ApiError;
use crate::app::DataVersion;
use crate::i18n::{use_lang, Lang};
use crate::settings::{use_settings, Settings};
use crate::toast::{use_toasts, Toasts};
use imghost_shared::api::ImageId;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Deletes images one after the other, each card leaving as its image goes.
#[derive(Clone, Copy)]
pub struct Deleter {
    gallery: GalleryState,
    data_version: DataVersion,
    toasts: Toasts,
    lang: RwSignal<Lang>,
    settings: Settings,
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
