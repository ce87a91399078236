//! Uploading: files arrive by drop (anywhere on the page), paste or the file
//! picker, and each gets a row that follows it until it is uploaded.
//!
//! - `queue`: the rows' state and the upload queue that drives them
//! - `drop`: the drop zone, file picker, and page-wide drop and paste
//! - `options`: shrinking options and clearing finished rows
//! - `row`: one file's row
//! - `shrink`: WebP conversion in the browser
//! - `heic`: HEIC/HEIF photos to JPEG, before anything else

mod drop;
mod heic;
mod options;
mod queue;
mod row;
mod shrink;

use drop::DropZone;
use leptos::prelude::*;
use options::UploadOptions;
use queue::use_uploads;
pub use queue::Uploads;
use row::UploadRow;

#[component]
pub fn UploadPanel() -> impl IntoView {
    let uploads = use_uploads();
    view! {
        <section class="panel upload" aria-labelledby="upload-title">
            <DropZone />
            <UploadOptions />
            <Show when=move || uploads.has_items()>
                <ul class="upload-rows" data-testid="upload-rows">
                    <For
                        each=move || uploads.items()
                        key=|item| item.id
                        children=|item| view! { <UploadRow item /> }
                    />
                </ul>
            </Show>
        </section>
    }
}
