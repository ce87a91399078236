//! Thumbnails, made in the browser because it already has the pixels: at
//! upload from the decoded file, and later from a gallery card's loaded
//! `<img>` for images stored without one (`backfill`). Each is drawn at
//! `imghost_shared::thumbnail::fit`'s size and encoded as WebP; where the
//! browser has no WebP encoder, as JPEG on white.
//!
//! Every thumbnail made adds a `performance` measure named `MEASURE`, whose
//! `detail` says what was made: `source` (`"upload"` or `"backfill"`),
//! `decode` (whether decoding the image is part of the duration), `type`,
//! `bytes`, `width` and `height`.

mod backfill;
pub mod widths;

pub use backfill::backfill;

use imghost_shared::image::Dimensions;
use imghost_shared::thumbnail::{fit, MAX_BYTES};
use leptos::prelude::{document, window};
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, ImageBitmap,
    ImageBitmapOptions, ImageEncodeOptions, OffscreenCanvas, OffscreenCanvasRenderingContext2d,
    ResizeQuality,
};

/// The name of the `performance` measure of each thumbnail made.
pub const MEASURE: &str = "imghost-thumbnail";
/// The name of the `performance` mark of each decision the background
/// backfill takes for a card's image, `detail` `{id, queued}`: whoever
/// waits for the backfill (a test) waits for this, not for time to pass.
pub const DECISION: &str = "imghost-thumbnail-decision";

const WEBP: &str = "image/webp";
const JPEG: &str = "image/jpeg";
/// Encoder qualities, tried in turn until the thumbnail is within
/// `MAX_BYTES` (a 480 × 360 photo is far below it at the first).
const QUALITIES: [f64; 2] = [0.8, 0.5];

thread_local! {
    /// The browser answered a WebP request with another format once: it
    /// has no WebP encoder, so later thumbnails go straight to the fallback.
    static NO_WEBP_ENCODER: Cell<bool> = const { Cell::new(false) };
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(catch, js_namespace = performance, js_name = measure)]
    fn performance_measure(name: &str, options: &js_sys::Object) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = performance, js_name = mark)]
    pub(crate) fn performance_mark(
        name: &str,
        options: &js_sys::Object,
    ) -> Result<JsValue, JsValue>;
}

/// Whether the browser has `OffscreenCanvas` (drawing without a page
/// element, and `convertToBlob`).
pub fn has_offscreen_canvas() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"OffscreenCanvas".into())
        .is_ok_and(|class| !class.is_undefined())
}

/// Decodes an image file. `createImageBitmap` applies the EXIF orientation
/// (so the bitmap's size is the size as shown) and gives an animated
/// image's first frame.
pub async fn decode(file: &Blob) -> Result<ImageBitmap, JsValue> {
    bitmap(window().create_image_bitmap_with_blob(file)?).await
}

/// The pixels of a loaded `<img>`, as shown, already at `fit`'s size (so
/// no copy of a whole photo is made).
pub async fn pixels_of(element: &HtmlImageElement) -> Result<ImageBitmap, JsValue> {
    let size = fit_shown(element.natural_width(), element.natural_height())?;
    let made = window().create_image_bitmap_with_html_image_element_and_image_bitmap_options(
        element,
        &resize_to(size),
    )?;
    bitmap(made).await
}

/// `fit`'s size for an image shown at `width` × `height`.
fn fit_shown(width: u32, height: u32) -> Result<Dimensions, JsValue> {
    if width == 0 || height == 0 {
        return Err("the image has no pixels".into());
    }
    Ok(fit(Dimensions { width, height }))
}

/// Scaled by `createImageBitmap`: faster than a canvas scaling a photo down
/// eightfold at a quality that does not alias, and at medium quality,
/// faster than at high.
fn resize_to(size: Dimensions) -> ImageBitmapOptions {
    let resize = ImageBitmapOptions::new();
    resize.set_resize_width(size.width);
    resize.set_resize_height(size.height);
    resize.set_resize_quality(ResizeQuality::Medium);
    resize
}

async fn bitmap(made: js_sys::Promise) -> Result<ImageBitmap, JsValue> {
    Ok(JsFuture::from(made).await?.unchecked_into())
}

/// The start of a thumbnail's making, for its `performance` measure.
pub struct Timer {
    started: f64,
    source: &'static str,
    decode: bool,
}

impl Timer {
    /// From now; `decode` says whether decoding the image comes after this.
    pub fn start(source: &'static str, decode: bool) -> Self {
        Self {
            started: performance_now(),
            source,
            decode,
        }
    }

    fn finish(self, thumbnail: &Blob, size: Dimensions) {
        let detail = js_sys::Object::new();
        let fields: [(&str, JsValue); 6] = [
            ("source", self.source.into()),
            ("decode", self.decode.into()),
            ("type", thumbnail.type_().into()),
            ("bytes", thumbnail.size().into()),
            ("width", size.width.into()),
            ("height", size.height.into()),
        ];
        for (key, value) in fields {
            let _ = js_sys::Reflect::set(&detail, &key.into(), &value);
        }
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"start".into(), &self.started.into());
        let _ = js_sys::Reflect::set(&options, &"detail".into(), &detail);
        // Browsers without measure options refuse them; nothing to do then.
        let _ = performance_measure(MEASURE, &options);
    }
}

/// A thumbnail of the decoded image `source`: scaled to `fit`'s size,
/// drawn and encoded. A bitmap of an `<img>` from another origin cannot be
/// read back from a canvas: that fails here.
pub async fn make(source: &ImageBitmap, timer: Timer) -> Result<Blob, JsValue> {
    let size = fit_shown(source.width(), source.height())?;
    let scaled = window()
        .create_image_bitmap_with_image_bitmap_and_image_bitmap_options(source, &resize_to(size))?;
    let scaled = bitmap(scaled).await?;
    let canvas = Canvas::new(size)?;
    let drawn = canvas.draw(&scaled);
    scaled.close();
    drawn?;
    let thumbnail = encode(&canvas, size).await?;
    timer.finish(&thumbnail, size);
    Ok(thumbnail)
}

/// WebP where the browser encodes it, else JPEG on white; at the first
/// quality that keeps it within `MAX_BYTES`.
async fn encode(canvas: &Canvas, size: Dimensions) -> Result<Blob, JsValue> {
    let mut mime = WEBP;
    if NO_WEBP_ENCODER.get() {
        mime = JPEG;
        canvas.fill_behind(size)?;
    }
    for quality in QUALITIES {
        let mut blob = canvas.to_blob(mime, quality).await?;
        if blob.type_() != mime {
            // Asked for a type it cannot encode, a canvas answers with PNG.
            NO_WEBP_ENCODER.set(true);
            mime = JPEG;
            canvas.fill_behind(size)?;
            blob = canvas.to_blob(mime, quality).await?;
        }
        if blob.size() <= MAX_BYTES as f64 {
            return Ok(blob);
        }
    }
    Err("the thumbnail has more bytes than the server accepts".into())
}

/// A 2D canvas: an `OffscreenCanvas` where the browser has one, else a
/// `<canvas>` that is never put in the page.
enum Canvas {
    Offscreen(OffscreenCanvas, OffscreenCanvasRenderingContext2d),
    Element(HtmlCanvasElement, CanvasRenderingContext2d),
}

impl Canvas {
    fn new(size: Dimensions) -> Result<Self, JsValue> {
        let context = |context: Option<js_sys::Object>| context.ok_or("no 2d canvas context");
        if has_offscreen_canvas() {
            let canvas = OffscreenCanvas::new(size.width, size.height)?;
            let context = context(canvas.get_context("2d")?)?.unchecked_into();
            Ok(Self::Offscreen(canvas, context))
        } else {
            let canvas: HtmlCanvasElement = document().create_element("canvas")?.unchecked_into();
            canvas.set_width(size.width);
            canvas.set_height(size.height);
            let context = context(canvas.get_context("2d")?)?.unchecked_into();
            Ok(Self::Element(canvas, context))
        }
    }

    /// Draws `bitmap` at the top left.
    fn draw(&self, bitmap: &ImageBitmap) -> Result<(), JsValue> {
        match self {
            Self::Offscreen(_, context) => context.draw_image_with_image_bitmap(bitmap, 0.0, 0.0),
            Self::Element(_, context) => context.draw_image_with_image_bitmap(bitmap, 0.0, 0.0),
        }
    }

    /// Paints white behind what is drawn, for a format without
    /// transparency (where it would turn black).
    fn fill_behind(&self, size: Dimensions) -> Result<(), JsValue> {
        let (width, height) = (f64::from(size.width), f64::from(size.height));
        match self {
            Self::Offscreen(_, context) => {
                context.set_global_composite_operation("destination-over")?;
                context.set_fill_style_str("#fff");
                context.fill_rect(0.0, 0.0, width, height);
            }
            Self::Element(_, context) => {
                context.set_global_composite_operation("destination-over")?;
                context.set_fill_style_str("#fff");
                context.fill_rect(0.0, 0.0, width, height);
            }
        }
        Ok(())
    }

    /// The canvas encoded as `mime`; a browser that cannot encode it
    /// answers with PNG.
    async fn to_blob(&self, mime: &str, quality: f64) -> Result<Blob, JsValue> {
        let blob = match self {
            Self::Offscreen(canvas, _) => {
                let options = ImageEncodeOptions::new();
                options.set_type(mime);
                options.set_quality(quality);
                JsFuture::from(canvas.convert_to_blob_with_options(&options)?).await?
            }
            Self::Element(canvas, _) => {
                let mut refused = None;
                let made = js_sys::Promise::new(&mut |resolve, _reject| {
                    refused = canvas
                        .to_blob_with_type_and_encoder_options(&resolve, mime, &quality.into())
                        .err();
                });
                if let Some(error) = refused {
                    return Err(error);
                }
                JsFuture::from(made).await?
            }
        };
        // `toBlob` hands over null when encoding failed.
        blob.dyn_into()
            .map_err(|_| JsValue::from_str("the canvas could not be encoded"))
    }
}
