//! Responsive widths, made at upload from the pixels already decoded for
//! the thumbnail: WebP copies at each width `widths_for` names, drawn by
//! the same canvas code (see `imghost_shared::widths`).

use super::{bitmap, Canvas, NO_WEBP_ENCODER, WEBP};
use imghost_shared::image::{Dimensions, ImageInfo};
use imghost_shared::widths::{height_at, widths_for, MAX_BYTES};
use leptos::prelude::window;
use wasm_bindgen::JsValue;
use web_sys::{Blob, ImageBitmap, ImageBitmapOptions, ResizeQuality};

/// WebP quality of a width: a photo at 0.8 looks like the original at the
/// width shown.
const QUALITY: f64 = 0.8;

/// The widths of the image sent as `sent`, from `source` (its picture as
/// shown). None when it takes none, when the picture as shown is turned a
/// quarter from the stored one (a JPEG's orientation: a srcset would then
/// give readers a picture of another shape), or when the browser cannot
/// encode WebP or a width would be refused: no srcset rather than one
/// with a gap.
pub async fn make(source: &ImageBitmap, sent: &ImageInfo) -> Vec<(u32, Blob)> {
    let Some(size) = sent.dimensions else {
        return Vec::new();
    };
    let (shown_width, shown_height) = (u64::from(source.width()), u64::from(source.height()));
    let (width, height) = (u64::from(size.width), u64::from(size.height));
    // The same shape within a pixel of rounding at the source's size.
    let same_shape = (shown_width * height).abs_diff(shown_height * width) <= width.max(height);
    if !same_shape || NO_WEBP_ENCODER.get() {
        return Vec::new();
    }
    let mut made = Vec::new();
    for wanted in widths_for(sent) {
        match one(
            source,
            Dimensions {
                width: wanted,
                height: height_at(size, wanted),
            },
        )
        .await
        {
            Ok(Some(blob)) => made.push((wanted, blob)),
            _ => return Vec::new(),
        }
    }
    made
}

/// One width, or `None` when the browser encoded something else than WebP
/// or more bytes than the server takes.
async fn one(source: &ImageBitmap, size: Dimensions) -> Result<Option<Blob>, JsValue> {
    let resize = ImageBitmapOptions::new();
    resize.set_resize_width(size.width);
    resize.set_resize_height(size.height);
    resize.set_resize_quality(ResizeQuality::High);
    let scaled =
        window().create_image_bitmap_with_image_bitmap_and_image_bitmap_options(source, &resize)?;
    let scaled = bitmap(scaled).await?;
    let canvas = Canvas::new(size)?;
    let drawn = canvas.draw(&scaled);
    scaled.close();
    drawn?;
    let blob = canvas.to_blob(WEBP, QUALITY).await?;
    Ok((blob.type_() == WEBP && blob.size() <= MAX_BYTES as f64).then_some(blob))
}
