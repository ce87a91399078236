//! Uploading: files arrive by drop (anywhere on the page), paste or the
//! file picker; each gets a row that goes Reading → (Converting) → Uploading
//! with progress → Done, or is refused or fails with a retry button. At most
//! `CONCURRENT_UPLOADS` rows convert or upload at once.

mod row;
mod shrink;

use crate::api::ApiError;
use crate::app::DataVersion;
use crate::gallery::GalleryState;
use crate::i18n::t;
use crate::settings::{
    parse_max_width, parse_quality, use_settings, Settings, MAX_WIDTH_RANGE, QUALITY_RANGE,
};
use imghost_shared::api::UploadResponse;
use imghost_shared::image::{self, ImageInfo, Rejected};
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use row::UploadRow;
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DataTransfer, File, FileList, Url};

const CONCURRENT_UPLOADS: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Reading,
    /// Not an image: refused in the page, nothing was sent.
    Refused(Rejected),
    Queued,
    Converting,
    /// Fraction of the request body sent, 0 to 1.
    Uploading(f64),
    Done(Box<UploadResponse>),
    Failed(ApiError),
}

impl Stage {
    fn is_busy(&self) -> bool {
        matches!(self, Self::Converting | Self::Uploading(_))
    }

    /// Done, refused or failed: nothing more happens unless retried.
    fn is_finished(&self) -> bool {
        matches!(self, Self::Refused(_) | Self::Done(_) | Self::Failed(_))
    }
}

/// What is (or was) sent for a row: the original or its WebP version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    pub name: String,
    pub size: u64,
    pub converted: bool,
    /// Conversion was tried and was not smaller.
    pub kept_original: bool,
}

#[derive(Clone, Copy)]
pub struct UploadItem {
    id: u64,
    pub stage: RwSignal<Stage>,
    pub name: StoredValue<String>,
    pub size: u64,
    pub sending: RwSignal<Option<Sending>>,
    /// An object URL of the file, shown as its thumbnail.
    pub preview: RwSignal<Option<String>>,
}

impl UploadItem {
    /// The name it is sent under (a WebP version's), else the file's.
    pub fn upload_name(&self) -> String {
        self.sending
            .with(|sending| sending.as_ref().map(|s| s.name.clone()))
            .unwrap_or_else(|| self.name.get_value())
    }
}

/// The browser objects behind a row (not thread-safe, so not in signals).
struct RowFiles {
    source: File,
    info: Option<ImageInfo>,
    upload: Option<Blob>,
}

thread_local! {
    static FILES: RefCell<HashMap<u64, RowFiles>> = RefCell::new(HashMap::new());
}

fn with_files<R>(id: u64, f: impl FnOnce(&mut RowFiles) -> R) -> Option<R> {
    FILES.with(|files| files.borrow_mut().get_mut(&id).map(f))
}

#[derive(Clone, Copy)]
pub struct Uploads {
    items: RwSignal<Vec<UploadItem>>,
    next_id: StoredValue<u64>,
    settings: Settings,
    gallery: GalleryState,
    data_version: DataVersion,
}

impl Uploads {
    pub fn new(settings: Settings, gallery: GalleryState, data_version: DataVersion) -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
            settings,
            gallery,
            data_version,
        }
    }

    pub fn add_files(self, files: Vec<File>) {
        for file in files {
            let id = self.next_id.get_value();
            self.next_id.set_value(id + 1);
            let item = UploadItem {
                id,
                stage: RwSignal::new(Stage::Reading),
                name: StoredValue::new(file.name()),
                size: file.size() as u64,
                sending: RwSignal::new(None),
                preview: RwSignal::new(None),
            };
            FILES.with(|files| {
                files.borrow_mut().insert(
                    id,
                    RowFiles {
                        source: file,
                        info: None,
                        upload: None,
                    },
                )
            });
            self.items.update(|items| items.push(item));
            spawn_local(self.inspect(item));
        }
    }

    /// Reads the file and refuses anything that is not an image, before any
    /// upload, with the same content sniffing the server uses.
    async fn inspect(self, item: UploadItem) {
        let Some(source) = with_files(item.id, |files| files.source.clone()) else {
            return;
        };
        let bytes = match JsFuture::from(source.array_buffer()).await {
            Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
            Err(_) => Vec::new(),
        };
        match image::detect(&bytes) {
            Err(rejected) => item.stage.set(Stage::Refused(rejected)),
            Ok(info) => {
                with_files(item.id, |files| files.info = Some(info));
                item.preview
                    .set(Url::create_object_url_with_blob(&source).ok());
                item.stage.set(Stage::Queued);
                self.start_queued();
            }
        }
    }

    fn start_queued(self) {
        let items = self.items.get_untracked();
        let mut busy = items
            .iter()
            .filter(|item| item.stage.with_untracked(Stage::is_busy))
            .count();
        for item in items {
            if busy >= CONCURRENT_UPLOADS {
                break;
            }
            if item.stage.with_untracked(|stage| *stage == Stage::Queued) {
                let next = if self.will_convert(item) {
                    Stage::Converting
                } else {
                    Stage::Uploading(0.0)
                };
                item.stage.set(next);
                busy += 1;
                spawn_local(self.run(item));
            }
        }
    }

    fn will_convert(self, item: UploadItem) -> bool {
        item.sending.with_untracked(Option::is_none)
            && self.wants_webp(with_files(item.id, |files| files.info).flatten())
    }

    /// Whether shrinking is on and the browser can re-encode this image.
    fn wants_webp(self, info: Option<ImageInfo>) -> bool {
        self.settings
            .shrink
            .with_untracked(|options| options.enabled)
            && info.is_some_and(|info| shrink::can_convert(&info))
    }

    async fn run(self, item: UploadItem) {
        if item.sending.get_untracked().is_none() {
            self.prepare(item).await;
        }
        let Some(blob) = with_files(item.id, |files| files.upload.clone()).flatten() else {
            return;
        };
        let name = item.upload_name();
        item.stage.set(Stage::Uploading(0.0));
        let api = self.settings.api();
        let stage = item.stage;
        let result = api
            .upload(&blob, &name, move |sent| {
                stage.set(Stage::Uploading(sent));
            })
            .await;
        match result {
            Ok(answer) => {
                if !answer.duplicate {
                    self.gallery.added(answer.image.clone());
                }
                self.data_version.bump();
                item.stage.set(Stage::Done(Box::new(answer)));
            }
            Err(error) => item.stage.set(Stage::Failed(error)),
        }
        self.start_queued();
    }

    /// Decides what to send: the WebP version when shrinking is on, the
    /// image can be converted and the result is smaller; else the original.
    async fn prepare(self, item: UploadItem) {
        let Some((source, info)) = with_files(item.id, |files| (files.source.clone(), files.info))
        else {
            return;
        };
        let options = self.settings.shrink.get_untracked();
        let try_webp = self.wants_webp(info);
        let webp = if try_webp {
            shrink::to_webp(&source, item.size, options)
                .await
                .ok()
                .flatten()
        } else {
            None
        };
        let sending = match &webp {
            Some(webp) => Sending {
                name: shrink::webp_name(&item.name.get_value()),
                size: webp.size() as u64,
                converted: true,
                kept_original: false,
            },
            None => Sending {
                name: item.name.get_value(),
                size: item.size,
                converted: false,
                kept_original: try_webp,
            },
        };
        let blob = webp.unwrap_or_else(|| source.into());
        with_files(item.id, |files| files.upload = Some(blob));
        item.sending.set(Some(sending));
    }

    pub fn retry(self, item: UploadItem) {
        item.stage.set(Stage::Queued);
        self.start_queued();
    }

    pub fn clear_finished(self) {
        let (finished, remaining): (Vec<_>, Vec<_>) = self
            .items
            .get_untracked()
            .into_iter()
            .partition(|item| item.stage.with_untracked(Stage::is_finished));
        for item in &finished {
            if let Some(url) = item.preview.get_untracked() {
                let _ = Url::revoke_object_url(&url);
            }
            FILES.with(|files| files.borrow_mut().remove(&item.id));
        }
        self.items.set(remaining);
        for item in finished {
            item.stage.dispose();
            item.name.dispose();
            item.sending.dispose();
            item.preview.dispose();
        }
    }
}

pub fn use_uploads() -> Uploads {
    expect_context::<Uploads>()
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

#[component]
pub fn UploadPanel() -> impl IntoView {
    let uploads = use_uploads();
    let settings = use_settings();
    let dragging = RwSignal::new(false);
    let picker = NodeRef::<html::Input>::new();

    // The whole page takes drops and pastes: aiming at the drop zone is not
    // needed, and a missed drop never navigates away to the image.
    // Enter and leave fire for every element crossed; the drag has left
    // the page when they balance out.
    let drag_depth = StoredValue::new(0i32);
    let listeners = [
        window_event_listener(ev::dragenter, move |ev| {
            if carries_files(ev.data_transfer()) {
                drag_depth.update_value(|depth| *depth += 1);
                dragging.set(true);
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
                    dragging.set(false);
                }
            }
        }),
        window_event_listener(ev::drop, move |ev| {
            let files = files_of(ev.data_transfer().and_then(|data| data.files()));
            drag_depth.set_value(0);
            dragging.set(false);
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

    let picked = move |_| {
        if let Some(input) = picker.get() {
            uploads.add_files(files_of(input.files()));
            input.set_value("");
        }
    };
    let shrink = settings.shrink;
    let has_finished = move || {
        uploads
            .items
            .with(|items| items.iter().any(|item| item.stage.with(Stage::is_finished)))
    };

    view! {
        <section class="panel upload" aria-labelledby="upload-title">
            <div class="drop-zone" class:dragging=dragging data-testid="drop-zone">
                <h2 id="upload-title">{t(|t| t.drop_title)}</h2>
                <p>
                    {t(|t| t.drop_hint)} " "
                    <button
                        type="button"
                        data-testid="choose-files"
                        on:click=move |_| {
                            if let Some(input) = picker.get() {
                                input.click();
                            }
                        }
                    >
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
            <div class="options">
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
                <label class="inline">
                    {t(|t| t.quality)}
                    <input
                        type="number"
                        min=QUALITY_RANGE.0
                        max=QUALITY_RANGE.1
                        step="0.01"
                        data-testid="quality"
                        prop:disabled=move || !shrink.get().enabled
                        prop:value=move || shrink.get().quality.to_string()
                        on:change:target=move |ev| {
                            let quality = parse_quality(&ev.target().value());
                            shrink.update(|options| options.quality = quality);
                            ev.target().set_value(&quality.to_string());
                        }
                    />
                </label>
                <Show when=has_finished>
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
            <Show when=move || uploads.items.with(|items| !items.is_empty())>
                <ul class="upload-rows" data-testid="upload-rows">
                    <For
                        each=move || uploads.items.get()
                        key=|item| item.id
                        children=|item| view! { <UploadRow item /> }
                    />
                </ul>
            </Show>
        </section>
    }
}
