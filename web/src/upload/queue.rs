//! The upload queue: one row per file, going Reading → (Converting) →
//! Uploading with progress → Done, or refused or failed with a retry. At
//! most `CONCURRENT_UPLOADS` rows convert or upload at once. Images that
//! need a thumbnail get one, made from the same decoded pixels as the WebP
//! version and sent in the same request.

use super::{heic, shrink};
use crate::api::{ApiError, Extras};
use crate::app::DataVersion;
use crate::gallery::GalleryState;
use crate::settings::Settings;
use crate::thumbnail::{self, Timer};
use imghost_shared::api::UploadResponse;
use imghost_shared::image::{self, ImageFormat, ImageInfo, Rejected};
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, Url};

const CONCURRENT_UPLOADS: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Reading,
    /// A HEIC/HEIF photo being made into a JPEG.
    Decoding,
    /// A HEIC/HEIF photo the browser could not decode: why.
    Undecodable(String),
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
        matches!(
            self,
            Self::Refused(_) | Self::Undecodable(_) | Self::Done(_) | Self::Failed(_)
        )
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

/// The browser objects behind a row (not thread-safe, so stored locally).
struct RowFiles {
    source: File,
    info: Option<ImageInfo>,
    upload: Option<Blob>,
    extras: Extras,
}

#[derive(Clone, Copy)]
pub struct UploadItem {
    pub id: u64,
    pub stage: RwSignal<Stage>,
    pub name: StoredValue<String>,
    /// The file's size (the JPEG's, once a HEIC photo is converted).
    pub size: RwSignal<u64>,
    pub sending: RwSignal<Option<Sending>>,
    /// An object URL of the file, shown as its thumbnail.
    pub preview: RwSignal<Option<String>>,
    files: StoredValue<RowFiles, LocalStorage>,
}

impl UploadItem {
    /// A row for `file`, owned by the current reactive owner.
    fn new(id: u64, file: File) -> Self {
        let preview = RwSignal::new(None::<String>);
        on_cleanup(move || {
            if let Some(url) = preview.try_get_untracked().flatten() {
                let _ = Url::revoke_object_url(&url);
            }
        });
        Self {
            id,
            stage: RwSignal::new(Stage::Reading),
            name: StoredValue::new(file.name()),
            size: RwSignal::new(file.size() as u64),
            sending: RwSignal::new(None),
            preview,
            files: StoredValue::new_local(RowFiles {
                source: file,
                info: None,
                upload: None,
                extras: Extras::default(),
            }),
        }
    }

    /// The name it is sent under (a WebP version's), else the file's.
    pub fn upload_name(&self) -> String {
        self.sending
            .with(|sending| sending.as_ref().map(|s| s.name.clone()))
            .unwrap_or_else(|| self.name.get_value())
    }

    /// Shows `image` as the row's preview, unless it has one.
    fn show_preview(&self, image: &Blob) {
        if self.preview.with_untracked(Option::is_none) {
            self.preview
                .set(Url::create_object_url_with_blob(image).ok());
        }
    }

    /// `None` once the row has been cleared away.
    fn with_files<R>(&self, f: impl FnOnce(&mut RowFiles) -> R) -> Option<R> {
        self.files.try_update_value(f)
    }
}

/// A row in the list, with the reactive owner of its signals and files:
/// dropping the row from the list drops all of them.
struct Row {
    item: UploadItem,
    _owner: Owner,
}

#[derive(Clone, Copy)]
pub struct Uploads {
    rows: RwSignal<Vec<Row>>,
    /// The parent of every row's owner.
    rows_owner: StoredValue<Owner>,
    next_id: StoredValue<u64>,
    settings: Settings,
    gallery: GalleryState,
    data_version: DataVersion,
}

impl Uploads {
    pub fn new(settings: Settings, gallery: GalleryState, data_version: DataVersion) -> Self {
        Self {
            rows: RwSignal::new(Vec::new()),
            rows_owner: StoredValue::new(Owner::new()),
            next_id: StoredValue::new(0),
            settings,
            gallery,
            data_version,
        }
    }

    /// The rows, oldest first.
    pub fn items(self) -> Vec<UploadItem> {
        self.rows
            .with(|rows| rows.iter().map(|row| row.item).collect())
    }

    pub fn has_items(self) -> bool {
        self.rows.with(|rows| !rows.is_empty())
    }

    pub fn has_finished(self) -> bool {
        self.rows.with(|rows| {
            rows.iter()
                .any(|row| row.item.stage.with(Stage::is_finished))
        })
    }

    pub fn add_files(self, files: Vec<File>) {
        for file in files {
            let id = self.next_id.get_value();
            self.next_id.set_value(id + 1);
            let owner = self.rows_owner.with_value(Owner::child);
            let item = owner.with(|| UploadItem::new(id, file));
            let row = Row {
                item,
                _owner: owner,
            };
            self.rows.update(|rows| rows.push(row));
            spawn_local(self.inspect(item));
        }
    }

    /// Reads the file and refuses anything that is not an image, before any
    /// upload, with the same content sniffing the server uses. A HEIC/HEIF
    /// photo is made into a JPEG first, which then goes the usual way.
    async fn inspect(self, item: UploadItem) {
        let Some(mut source) = item.with_files(|files| files.source.clone()) else {
            return;
        };
        let mut bytes = read(&source).await;
        if image::is_heif(&bytes) {
            item.stage.set(Stage::Decoding);
            let name = shrink::renamed(&item.name.get_value(), "jpg");
            match heic::to_jpeg(&source, &name).await {
                Ok(jpeg) => {
                    item.name.set_value(name);
                    item.size.set(jpeg.size() as u64);
                    item.with_files(|files| files.source = jpeg.clone());
                    bytes = read(&jpeg).await;
                    source = jpeg;
                }
                Err(why) => return item.stage.set(Stage::Undecodable(why)),
            }
        }
        match image::detect(&bytes) {
            Err(rejected) => item.stage.set(Stage::Refused(rejected)),
            Ok(info) => {
                item.with_files(|files| files.info = Some(info));
                // An image that gets a thumbnail is previewed by it: decoding
                // a whole photo for a small preview would slow the making of
                // the thumbnail down, and hold the photo's pixels.
                if !imghost_shared::thumbnail::is_needed(&info) {
                    item.show_preview(&source);
                }
                item.stage.set(Stage::Queued);
                self.start_queued();
            }
        }
    }

    fn start_queued(self) {
        let items = self
            .rows
            .with_untracked(|rows| rows.iter().map(|row| row.item).collect::<Vec<_>>());
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
            && self.wants_webp(item.with_files(|files| files.info).flatten())
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
        let Some((Some(blob), extras)) =
            item.with_files(|files| (files.upload.clone(), files.extras.clone()))
        else {
            return;
        };
        let name = item.upload_name();
        item.stage.set(Stage::Uploading(0.0));
        let api = self.settings.api();
        let stage = item.stage;
        let progress = move |sent| stage.set(Stage::Uploading(sent));
        let mut extras = extras;
        let labels = crate::gallery::upload_labels();
        let mut result = api.upload(&blob, &name, &extras, &labels, progress).await;
        // A thumbnail or widths the server refuses store nothing: the image
        // goes again without what was refused (at most twice: each part
        // once), and the gallery or `imghost widths` makes it later.
        for _ in 0..2 {
            let Err(ApiError::BadRequest(why)) = &result else {
                break;
            };
            let Some(fewer) = extras.without_refused(why) else {
                break;
            };
            warn!("Sent with {name}, refused: {why}");
            extras = fewer;
            item.with_files(|files| files.extras = extras.clone());
            result = api.upload(&blob, &name, &extras, &labels, progress).await;
        }
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
    /// With it, a thumbnail where what is sent needs one.
    async fn prepare(self, item: UploadItem) {
        let Some((source, info)) = item.with_files(|files| (files.source.clone(), files.info))
        else {
            return;
        };
        let options = self.settings.shrink.get_untracked();
        let try_webp = self.wants_webp(info);
        let convert = try_webp && thumbnail::has_offscreen_canvas();
        let needs_thumbnail = |info: Option<ImageInfo>| {
            info.is_some_and(|info| imghost_shared::thumbnail::is_needed(&info))
        };
        // Decoded once, for both; only for the thumbnail, decoding is part
        // of its time.
        let decoding_for_thumbnail = (!convert).then(|| Timer::start("upload", true));
        let bitmap = if convert || needs_thumbnail(info) {
            thumbnail::decode(&source).await.ok()
        } else {
            None
        };
        let webp = match &bitmap {
            Some(bitmap) if convert => shrink::to_webp(bitmap, item.size.get_untracked(), options)
                .await
                .ok()
                .flatten(),
            _ => None,
        };
        let sent = match &webp {
            Some((_, size)) => Some(ImageInfo {
                format: ImageFormat::Webp,
                dimensions: Some(*size),
                animated: false,
            }),
            None => info,
        };
        let thumbnail = match &bitmap {
            Some(bitmap) if needs_thumbnail(sent) => {
                let timer = decoding_for_thumbnail.unwrap_or_else(|| Timer::start("upload", false));
                thumbnail::make(bitmap, timer)
                    .await
                    .inspect_err(|error| warn!("No thumbnail made: {error:?}"))
                    .ok()
            }
            _ => None,
        };
        let widths = match (&bitmap, sent) {
            (Some(bitmap), Some(sent)) => thumbnail::widths::make(bitmap, &sent).await,
            _ => Vec::new(),
        };
        if let Some(bitmap) = bitmap {
            bitmap.close();
        }
        item.show_preview(thumbnail.as_ref().unwrap_or(&source));
        let extras = Extras { thumbnail, widths };
        let sending = match &webp {
            Some((webp, _)) => Sending {
                name: shrink::webp_name(&item.name.get_value()),
                size: webp.size() as u64,
                converted: true,
                kept_original: false,
            },
            None => Sending {
                name: item.name.get_value(),
                size: item.size.get_untracked(),
                converted: false,
                kept_original: try_webp,
            },
        };
        let blob = webp.map_or_else(|| source.into(), |(webp, _)| webp);
        item.with_files(|files| {
            files.upload = Some(blob);
            files.extras = extras;
        });
        item.sending.set(Some(sending));
    }

    pub fn retry(self, item: UploadItem) {
        item.stage.set(Stage::Queued);
        self.start_queued();
    }

    pub fn clear_finished(self) {
        let mut finished = Vec::new();
        self.rows.update(|rows| {
            let (done, remaining): (Vec<Row>, Vec<Row>) = std::mem::take(rows)
                .into_iter()
                .partition(|row| row.item.stage.with_untracked(Stage::is_finished));
            *rows = remaining;
            finished = done;
        });
        // Outside the update: each owner revokes its preview URL and drops
        // the row's signals and files.
        drop(finished);
    }
}

async fn read(file: &File) -> Vec<u8> {
    match JsFuture::from(file.array_buffer()).await {
        Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
        Err(_) => Vec::new(),
    }
}

pub fn use_uploads() -> Uploads {
    expect_context::<Uploads>()
}
