//! Above the grid: loading, why the listing failed (with ways out), or why
//! it is empty. Nothing once there are images to show.

use super::state::LoadStatus;
use super::use_gallery;
use crate::api::ApiError;
use crate::i18n::{t, use_lang};
use crate::settings::use_settings;
use leptos::prelude::*;

#[component]
pub fn ListingStatus() -> impl IntoView {
    let gallery = use_gallery();
    let settings = use_settings();
    let lang = use_lang();
    let no_token = move || {
        settings
            .connection
            .with(|connection| connection.token.is_empty())
    };
    move || match gallery.status.get() {
        LoadStatus::Loading => view! {
            <p class="state" data-testid="gallery-loading">{t(|t| t.loading)}</p>
        }
        .into_any(),
        LoadStatus::Failed(ApiError::Unauthorized) if no_token() => view! {
            <p class="state" data-testid="gallery-error">{t(|t| t.enter_token)}</p>
        }
        .into_any(),
        LoadStatus::Failed(error) => view! { <ListingError error /> }.into_any(),
        _ if gallery.images.with(Vec::is_empty) => {
            let text = lang.get().empty_gallery(&gallery.search.get());
            view! { <p class="state empty" data-testid="gallery-empty">{text}</p> }.into_any()
        }
        _ => ().into_any(),
    }
}

/// The listing failed: why, try again, and the settings where the cause is
/// likely there.
#[component]
fn ListingError(error: ApiError) -> impl IntoView {
    let gallery = use_gallery();
    let settings = use_settings();
    let lang = use_lang();
    let needs_settings = matches!(
        error,
        ApiError::Unauthorized
            | ApiError::Unreachable
            | ApiError::NotConfigured(_)
            | ApiError::BadAnswer
    );
    view! {
        <div class="state error" role="alert" data-testid="gallery-error">
            <p>{move || error.message(lang.get())}</p>
            <button type="button" on:click=move |_| gallery.reload(settings.api())>
                {t(|t| t.try_again)}
            </button>
            {needs_settings.then(|| view! {
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| settings.panel_open.set(true)
                >
                    {t(|t| t.open_settings)}
                </button>
            })}
        </div>
    }
}
