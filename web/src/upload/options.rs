//! The line under the drop zone: shrinking options (on or off, maximum
//! width, WebP quality), the responsive snippet's `sizes`, and clearing
//! finished rows.

use super::use_uploads;
use crate::i18n::t;
use crate::settings::{
    parse_max_width, parse_quality, parse_sizes, quality_text, use_settings, ShrinkOptions,
    MAX_WIDTH_RANGE, QUALITY_RANGE_TEXT,
};
use leptos::prelude::*;

#[component]
pub fn UploadOptions() -> impl IntoView {
    let uploads = use_uploads();
    view! {
        <div class="options">
            <ShrinkToggle />
            <MaxWidthInput />
            <QualityInput />
            <SizesInput />
            <Show when=move || uploads.has_finished()>
                <button
                    type="button"
                    class="secondary small clear"
                    data-testid="clear-finished"
                    on:click=move |_| uploads.clear_finished()
                >
                    {t(|t| t.clear_finished)}
                </button>
            </Show>
        </div>
    }
}

fn use_shrink() -> RwSignal<ShrinkOptions> {
    use_settings().shrink
}

#[component]
fn ShrinkToggle() -> impl IntoView {
    let shrink = use_shrink();
    view! {
        <label class="check">
            <input
                type="checkbox"
                data-testid="shrink"
                prop:checked=move || shrink.get().enabled
                on:change:target=move |ev| {
                    let enabled = ev.target().checked();
                    shrink.update(|options| options.enabled = enabled);
                }
            />
            {t(|t| t.shrink)}
        </label>
    }
}

#[component]
fn MaxWidthInput() -> impl IntoView {
    let shrink = use_shrink();
    view! {
        <label class="inline">
            {t(|t| t.max_width)}
            <input
                type="number"
                min=MAX_WIDTH_RANGE.0
                max=MAX_WIDTH_RANGE.1
                step="1"
                data-testid="max-width"
                prop:disabled=move || !shrink.get().enabled
                prop:value=move || shrink.get().max_width.to_string()
                on:change:target=move |ev| {
                    let width = parse_max_width(&ev.target().value());
                    shrink.update(|options| options.max_width = width);
                    ev.target().set_value(&width.to_string());
                }
            />
        </label>
    }
}

#[component]
fn QualityInput() -> impl IntoView {
    let shrink = use_shrink();
    view! {
        <label class="inline">
            {t(|t| t.quality)}
            <input
                type="number"
                min=QUALITY_RANGE_TEXT.0
                max=QUALITY_RANGE_TEXT.1
                step="0.01"
                data-testid="quality"
                prop:disabled=move || !shrink.get().enabled
                prop:value=move || quality_text(shrink.get().quality)
                on:change:target=move |ev| {
                    let quality = parse_quality(&ev.target().value());
                    shrink.update(|options| options.quality = quality);
                    ev.target().set_value(&quality_text(quality));
                }
            />
        </label>
    }
}

#[component]
fn SizesInput() -> impl IntoView {
    let sizes = use_settings().sizes;
    view! {
        <label class="inline" title=t(|t| t.sizes_hint)>
            {t(|t| t.sizes)}
            <input
                type="text"
                spellcheck="false"
                data-testid="sizes"
                prop:value=move || sizes.get()
                on:change:target=move |ev| {
                    let text = parse_sizes(&ev.target().value());
                    ev.target().set_value(&text);
                    sizes.set(text);
                }
            />
        </label>
    }
}
