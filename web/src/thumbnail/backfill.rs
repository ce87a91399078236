//! Thumbnails for images stored without one (uploaded before thumbnails,
//! or by a client that made none): a gallery card showing such an image
//! hands its loaded `<img>` over, and the thumbnail is made from it in the
//! background and sent with `PUT /thumbnail`. Once per image and visit,
//! successful or not; the next visit's listing has the thumbnail.
//!
//! At most `AT_ONCE` are made at a time, each when the browser is idle, so
//! scrolling and clicking never wait for them. Failures are logged to the
//! console and not tried again. At most `MAX_WAITING` wait holding their
//! `<img>`; past that (a first screen of many photos, or fast scrolling
//! through thousands) a job keeps only the image's address and fetches it
//! again when its turn comes, from the browser's cache, so memory stays
//! bounded and no image shown is left out.

use super::{decode, make, performance_mark, pixels_of, Timer, DECISION};
use crate::api::Api;
use crate::i18n::Lang;
use gloo_net::http::Request;
use imghost_shared::api::{ImageId, ImageRecord};
use imghost_shared::image::{Dimensions, ImageFormat, ImageInfo};
use imghost_shared::thumbnail::is_needed;
use leptos::logging::warn;
use leptos::prelude::window;
use leptos::task::spawn_local;
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlImageElement, IdleRequestOptions, ReferrerPolicy};

/// Thumbnails made at the same time.
const AT_ONCE: usize = 2;
/// Thumbnails waiting to be made.
const MAX_WAITING: usize = 24;
/// The longest a thumbnail waits for the browser to be idle, in ms.
const IDLE_TIMEOUT_MS: u32 = 1000;
/// Where there is no `requestIdleCallback`: the pause before each, in ms.
const PAUSE_MS: i32 = 100;

struct Job {
    image: Arc<ImageRecord>,
    /// The loaded `<img>`, while few enough wait.
    element: Option<HtmlImageElement>,
    api: Api,
    done: Box<dyn FnOnce(ImageRecord)>,
}

#[derive(Default)]
struct Queue {
    /// Every image queued this visit, whatever became of it.
    seen: HashSet<ImageId>,
    waiting: VecDeque<Job>,
    running: usize,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::default();
}

/// The format an image is stored in, from its content type or else its
/// key's extension.
fn format_of(image: &ImageRecord) -> Option<ImageFormat> {
    let by_type = image
        .content_type
        .as_deref()
        .and_then(ImageFormat::from_mime_type);
    by_type.or_else(|| {
        let (_, extension) = image.object_key.rsplit_once('.')?;
        ImageFormat::from_extension(&extension.to_ascii_lowercase())
    })
}

/// Whether a card showing `image` should make its thumbnail: it has none,
/// and needs one by the shared rule. `shown` is the size of the loaded
/// `<img>`, for records that do not know their size.
pub fn needs_thumbnail(image: &ImageRecord, shown: Option<Dimensions>) -> bool {
    if image.thumbnail_url.is_some() {
        return false;
    }
    let Some(format) = format_of(image).filter(|format| *format != ImageFormat::Svg) else {
        return false;
    };
    is_needed(&ImageInfo {
        format,
        dimensions: image.dimensions().or(shown),
        animated: image.animated.unwrap_or(false),
    })
}

/// Queues making `image`'s thumbnail from `element`, its loaded `<img>`,
/// unless it needs none or was queued before. `done` gets the record with
/// the thumbnail once the server has stored it.
pub fn backfill(
    image: Arc<ImageRecord>,
    element: HtmlImageElement,
    api: Api,
    done: impl FnOnce(ImageRecord) + 'static,
) {
    let (width, height) = (element.natural_width(), element.natural_height());
    let shown = (width > 0 && height > 0).then_some(Dimensions { width, height });
    let id = image.id;
    if !needs_thumbnail(&image, shown) {
        decided(id, false);
        return;
    }
    let queued = QUEUE.with_borrow_mut(|queue| {
        let new = queue.seen.insert(image.id);
        if new {
            let element = (queue.waiting.len() < MAX_WAITING).then_some(element);
            queue.waiting.push_back(Job {
                image,
                element,
                api,
                done: Box::new(done),
            });
        }
        new
    });
    decided(id, queued);
    if queued {
        start_waiting();
    }
}

/// Records what was decided for an image (see `DECISION`).
fn decided(id: ImageId, queued: bool) {
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"id".into(), &JsValue::from_f64(id.0 as f64));
    let _ = js_sys::Reflect::set(&detail, &"queued".into(), &queued.into());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"detail".into(), &detail);
    let _ = performance_mark(DECISION, &options);
}

fn start_waiting() {
    while let Some(job) = QUEUE.with_borrow_mut(|queue| {
        let job = (queue.running < AT_ONCE)
            .then(|| queue.waiting.pop_front())
            .flatten();
        queue.running += usize::from(job.is_some());
        job
    }) {
        spawn_local(async move {
            idle().await;
            run(job).await;
            QUEUE.with_borrow_mut(|queue| queue.running -= 1);
            start_waiting();
        });
    }
}

async fn run(job: Job) {
    let Job {
        image,
        element,
        api,
        done,
    } = job;
    let drawn = match &element {
        Some(element) => from_element(element).await,
        None => Err(JsValue::NULL),
    };
    // An `<img>` from another origin cannot be read back from a canvas,
    // and a job queued past `MAX_WAITING` kept none: then the image is
    // fetched (with CORS; from the cache when it was just shown) and
    // decoded.
    let thumbnail = match drawn {
        Ok(thumbnail) => Ok(thumbnail),
        Err(_) => from_fetched(&image.image_url).await,
    };
    let thumbnail = match thumbnail {
        Ok(thumbnail) => thumbnail,
        Err(error) => {
            warn!("No thumbnail made for image {}: {error:?}", image.id);
            return;
        }
    };
    match api.put_thumbnail(image.id, &thumbnail).await {
        Ok(Some(record)) => done(record),
        // It has one already; the next listing shows it.
        Ok(None) => {}
        Err(error) => warn!(
            "Thumbnail of image {} not stored: {}",
            image.id,
            error.message(Lang::En)
        ),
    }
}

async fn from_element(element: &HtmlImageElement) -> Result<Blob, JsValue> {
    let timer = Timer::start("backfill", false);
    let bitmap = pixels_of(element).await?;
    let thumbnail = make(&bitmap, timer).await;
    bitmap.close();
    thumbnail
}

async fn from_fetched(url: &str) -> Result<Blob, JsValue> {
    let timer = Timer::start("backfill", true);
    let response = Request::get(url)
        .referrer_policy(ReferrerPolicy::NoReferrer)
        .send()
        .await
        .map_err(|error| JsValue::from_str(&error.to_string()))?;
    if !response.ok() {
        return Err(format!("fetching the image answered {}", response.status()).into());
    }
    let response: web_sys::Response = response.into();
    let blob: Blob = JsFuture::from(response.blob()?).await?.unchecked_into();
    let bitmap = decode(&blob).await?;
    let thumbnail = make(&bitmap, timer).await;
    bitmap.close();
    thumbnail
}

/// Resolves when the browser is idle (or after `IDLE_TIMEOUT_MS`), or after
/// a short pause where it cannot say.
async fn idle() {
    let ready = js_sys::Promise::new(&mut |resolve, _reject| {
        let window = window();
        let options = IdleRequestOptions::new();
        options.set_timeout(IDLE_TIMEOUT_MS);
        if window
            .request_idle_callback_with_options(&resolve, &options)
            .is_err()
        {
            let _ =
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, PAUSE_MS);
        }
    });
    let _ = JsFuture::from(ready).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content_type: Option<&str>, key: &str, size: Option<(u32, u32)>) -> ImageRecord {
        ImageRecord {
            id: ImageId(1),
            object_key: key.into(),
            original_name: "a".into(),
            image_url: format!("https://img.example/{key}"),
            content_type: content_type.map(str::to_string),
            size: 10,
            created_at: 0,
            width: size.map(|(width, _)| width),
            height: size.map(|(_, height)| height),
            sha256: None,
            stored_sha256: None,
            original_size: None,
            compressed_by: None,
            animated: None,
            thumbnail_key: None,
            thumbnail_url: None,
            widths: Vec::new(),
            deleted_at: None,
            albums: vec![],
            tags: vec![],
        }
    }

    fn dims(width: u32, height: u32) -> Option<Dimensions> {
        Some(Dimensions { width, height })
    }

    #[test]
    fn large_images_without_a_thumbnail_need_one() {
        let photo = record(Some("image/jpeg"), "a.jpg", Some((4032, 3024)));
        assert!(needs_thumbnail(&photo, None));
        let with_one = ImageRecord {
            thumbnail_url: Some("https://img.example/a.jpg.thumb.webp".into()),
            widths: Vec::new(),
            ..photo.clone()
        };
        assert!(!needs_thumbnail(&with_one, dims(4032, 3024)));
        let small = record(Some("image/png"), "a.png", Some((480, 300)));
        assert!(!needs_thumbnail(&small, dims(480, 300)));
        // Small, but not in a format every browser shows.
        let gif = record(Some("image/gif"), "a.gif", Some((14, 25)));
        assert!(needs_thumbnail(&gif, None));
    }

    #[test]
    fn the_shown_size_stands_in_for_an_unknown_one() {
        let old = record(Some("image/png"), "a.png", None);
        assert!(!needs_thumbnail(&old, None));
        assert!(needs_thumbnail(&old, dims(1200, 800)));
        assert!(!needs_thumbnail(&old, dims(400, 300)));
    }

    #[test]
    fn svg_and_unknown_formats_are_left_alone() {
        let svg = record(Some("image/svg+xml"), "a.svg", None);
        assert!(!needs_thumbnail(&svg, dims(2000, 2000)));
        let unknown = record(None, "a.tiff", Some((2000, 2000)));
        assert!(!needs_thumbnail(&unknown, dims(2000, 2000)));
    }

    #[test]
    fn the_format_comes_from_the_type_or_else_the_key() {
        let typed = record(Some("Image/JPEG; charset=binary"), "a.bin", None);
        assert_eq!(format_of(&typed), Some(ImageFormat::Jpeg));
        let keyed = record(None, "2026/a.WEBP", None);
        assert_eq!(format_of(&keyed), Some(ImageFormat::Webp));
        let odd = record(Some("application/octet-stream"), "a.png", None);
        assert_eq!(format_of(&odd), Some(ImageFormat::Png));
        assert_eq!(format_of(&record(None, "noextension", None)), None);
    }
}
