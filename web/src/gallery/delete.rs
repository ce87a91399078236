//! Deleting images, one card's or a selection's: they move to the trash,
//! and the toast saying so has an Undo that brings them back.

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
            let mut trashed = Vec::new();
            let mut failed = None;
            for id in ids {
                match api.delete(id).await {
                    Ok(_) => trashed.push(id),
                    // Already gone is as good as deleted (but not ours to undo).
                    Err(ApiError::NotFound) => {}
                    Err(error) => {
                        failed = Some(error);
                        break;
                    }
                }
                self.gallery.removed(id);
            }
            let lang = self.lang.get_untracked();
            let Some(text) = self.told(trashed.len(), failed, lang.deleted(trashed.len())) else {
                return;
            };
            self.toasts
                .with_action(text, |t| t.undo, move || self.undo(trashed.clone()));
        });
    }

    /// Takes `ids` out of the trash again, their cards back in place.
    fn undo(self, ids: Vec<ImageId>) {
        let api = self.settings.api();
        spawn_local(async move {
            let mut restored = 0;
            let mut failed = None;
            for id in ids {
                match api.restore(id).await {
                    Ok(answer) => {
                        self.gallery.restored(answer.image);
                        restored += 1;
                    }
                    Err(error) => {
                        failed = Some(error);
                        break;
                    }
                }
            }
            let lang = self.lang.get_untracked();
            if let Some(text) = self.told(restored, failed, lang.restored(restored)) {
                self.toasts.show(text);
            }
        });
    }

    /// After `done` images changed: the stats follow. An error with nothing
    /// done is toasted here; else `text`, the error after it, is returned
    /// for the caller to show.
    fn told(self, done: usize, failed: Option<ApiError>, text: String) -> Option<String> {
        let lang = self.lang.get_untracked();
        let error = failed.map(|error| error.message(lang));
        if done == 0 {
            if let Some(error) = error {
                self.toasts.error(error);
            }
            return None;
        }
        self.data_version.bump();
        Some(match error {
            Some(error) => text + ". " + &error,
            None => text,
        })
    }
}
