//! Browser-side shrinking: scale down to a maximum width and re-encode as
//! WebP with the browser's own encoder, keeping the original whenever that
//! is not smaller. Animated images and SVG are never touched.

use crate::settings::ShrinkOptions;
use crate::thumbnail::has_offscreen_canvas;
use imghost_shared::image::{Dimensions, ImageFormat, ImageInfo};
use leptos::prelude::window;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, ImageBitmap, ImageBitmapOptions, ImageEncodeOptions, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d, ResizeQuality,
};

const WEBP: &str = "image/webp";

/// Formats worth re-encoding: still raster images. (ICO files are icons,
/// kept as they are on purpose.)
pub fn can_convert(info: &ImageInfo) -> bool {
    !info.animated && !matches!(info.format, ImageFormat::Svg | ImageFormat::Ico)
}

/// The size to scale to: at most `max_width` wide, same aspect ratio.
pub fn fit_width(width: u32, height: u32, max_width: u32) -> (u32, u32) {
    if width <= max_width || width == 0 {
        return (width, height);
    }
    let scaled = (f64::from(height) * f64::from(max_width) / f64::from(width)).round();
    (max_width, (scaled as u32).max(1))
}

/// `holiday.photo.PNG` → `holiday.photo.webp`.
pub fn webp_name(name: &str) -> String {
    renamed(name, "webp")
}

/// `name` with its extension replaced (or added): `IMG_1.HEIC` → `IMG_1.jpg`.
pub fn renamed(name: &str, extension: &str) -> String {
    let stem = match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    };
    format!("{stem}.{extension}")
}

/// The WebP version of the decoded image (`crate::thumbnail::decode`) and
/// its size, if the browser can make one and it is smaller than
/// `original_size`; `None` means upload the original.
pub async fn to_webp(
    bitmap: &ImageBitmap,
    original_size: u64,
    options: ShrinkOptions,
) -> Result<Option<(Blob, Dimensions)>, JsValue> {
    if !has_offscreen_canvas() {
        return Ok(None);
    }
    let (width, height) = fit_width(bitmap.width(), bitmap.height(), options.max_width);
    let resized: Option<ImageBitmap> = if width == bitmap.width() {
        None
    } else {
        let resize = ImageBitmapOptions::new();
        resize.set_resize_width(width);
        resize.set_resize_height(height);
        resize.set_resize_quality(ResizeQuality::High);
        let resized = window()
            .create_image_bitmap_with_image_bitmap_and_image_bitmap_options(bitmap, &resize);
        Some(JsFuture::from(resized?).await?.unchecked_into())
    };
    let canvas = OffscreenCanvas::new(width, height)?;
    let context: OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .unchecked_into();
    let drawn = context.draw_image_with_image_bitmap(resized.as_ref().unwrap_or(bitmap), 0.0, 0.0);
    if let Some(resized) = resized {
        resized.close();
    }
    drawn?;
    let encode = ImageEncodeOptions::new();
    encode.set_type(WEBP);
    encode.set_quality(options.quality);
    let webp: Blob = JsFuture::from(canvas.convert_to_blob_with_options(&encode)?)
        .await?
        .unchecked_into();
    // A browser without a WebP encoder silently answers with PNG.
    let smaller = webp.type_() == WEBP && (webp.size() as u64) < original_size;
    Ok(smaller.then_some((webp, Dimensions { width, height })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_to_the_maximum_width_keeping_the_ratio() {
        assert_eq!(fit_width(4000, 3000, 2560), (2560, 1920));
        assert_eq!(fit_width(2560, 100, 2560), (2560, 100));
        assert_eq!(fit_width(800, 600, 2560), (800, 600));
        assert_eq!(fit_width(10_000, 1, 100), (100, 1));
        assert_eq!(fit_width(3, 2, 2), (2, 1));
    }

    #[test]
    fn converted_files_keep_their_name_with_a_webp_extension() {
        assert_eq!(webp_name("coffee.png"), "coffee.webp");
        assert_eq!(webp_name("holiday.photo.JPG"), "holiday.photo.webp");
        assert_eq!(webp_name("screenshot"), "screenshot.webp");
        assert_eq!(webp_name(".hidden"), ".hidden.webp");
        assert_eq!(webp_name("猫.bmp"), "猫.webp");
        assert_eq!(renamed("IMG_0042.HEIC", "jpg"), "IMG_0042.jpg");
    }

    #[test]
    fn animated_images_svg_and_icons_are_left_alone() {
        let info = |format, animated| ImageInfo {
            format,
            dimensions: Some(Dimensions {
                width: 10,
                height: 10,
            }),
            animated,
        };
        assert!(can_convert(&info(ImageFormat::Png, false)));
        assert!(can_convert(&info(ImageFormat::Jpeg, false)));
        assert!(can_convert(&info(ImageFormat::Gif, false)));
        assert!(!can_convert(&info(ImageFormat::Gif, true)));
        assert!(!can_convert(&info(ImageFormat::Png, true)));
        assert!(!can_convert(&info(ImageFormat::Webp, true)));
        assert!(!can_convert(&info(ImageFormat::Svg, false)));
        assert!(!can_convert(&info(ImageFormat::Ico, false)));
    }
}
