//! Where files come in: the drop zone with its file picker, and drops and
//! pastes anywhere on the page.

use super::use_uploads;
use crate::i18n::t;
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use web_sys::{DataTransfer, File, FileList};

#[component]
pub fn DropZone() -> impl IntoView {
    let uploads = use_uploads();
    let dragging = take_page_drops_and_pastes();
    let picker = NodeRef::<html::Input>::new();
    let picked = move |_| {
        if let Some(input) = picker.get() {
            uploads.add_files(files_of(input.files()));
            input.set_value("");
        }
    };
    let open_picker = move |_| {
        if let Some(input) = picker.get() {
            input.click();
        }
    };
    view! {
        <div class="drop-zone" class:dragging=dragging data-testid="drop-zone">
            <h2 id="upload-title">{t(|t| t.drop_title)}</h2>
            <p>
                {t(|t| t.drop_hint)} " "
                <button type="button" data-testid="choose-files" on:click=open_picker>
                    {t(|t| t.choose_files)}
                </button>
            </p>
            <input
                type="file"
                multiple
                accept="image/*"
                class="visually-hidden"
                tabindex="-1"
                aria-hidden="true"
                data-testid="file-input"
                node_ref=picker
                on:change=picked
            />
        </div>
    }
}

/// Makes the whole page take drops and pastes of files, for as long as the
/// calling component lives: aiming at the drop zone is not needed, and a
/// missed drop never navigates away to the image. True while files are
/// dragged over the page.
fn take_page_drops_and_pastes() -> ReadSignal<bool> {
    let uploads = use_uploads();
    let (dragging, set_dragging) = signal(false);
    // Enter and leave fire for every element crossed; the drag has left
    // the page when they balance out.
    let drag_depth = StoredValue::new(0i32);
    let listeners = [
        window_event_listener(ev::dragenter, move |ev| {
            if carries_files(ev.data_transfer()) {
                drag_depth.update_value(|depth| *depth += 1);
                set_dragging.set(true);
            }
        }),
        window_event_listener(ev::dragover, move |ev| {
            if carries_files(ev.data_transfer()) {
                ev.prevent_default();
                if let Some(data) = ev.data_transfer() {
                    data.set_drop_effect("copy");
                }
            }
        }),
        window_event_listener(ev::dragleave, move |ev| {
            if carries_files(ev.data_transfer()) {
                drag_depth.update_value(|depth| *depth = (*depth - 1).max(0));
                if drag_depth.get_value() == 0 {
                    set_dragging.set(false);
                }
            }
        }),
        window_event_listener(ev::drop, move |ev| {
            let files = files_of(ev.data_transfer().and_then(|data| data.files()));
            drag_depth.set_value(0);
            set_dragging.set(false);
            if !files.is_empty() {
                ev.prevent_default();
                uploads.add_files(files);
            }
        }),
        window_event_listener(ev::paste, move |ev| {
            let files = files_of(ev.clipboard_data().and_then(|data| data.files()));
            if !files.is_empty() {
                ev.prevent_default();
                uploads.add_files(files);
            }
        }),
    ];
    on_cleanup(move || listeners.into_iter().for_each(|listener| listener.remove()));
    dragging
}

fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

fn carries_files(data: Option<DataTransfer>) -> bool {
    data.is_some_and(|data| data.types().includes(&"Files".into(), 0))
}
