//! Responsive widths, made here from the pixels already decoded for the
//! thumbnail and sent with an upload (or later with `PUT /widths`): WebP
//! at quality 80, each exactly one of the widths `widths_for` names, with
//! the image's aspect ratio (see `imghost_shared::widths`).

use crate::error::Error;
use ::image::metadata::Orientation;
use ::image::DynamicImage;
use bytes::Bytes;
use imghost_shared::image::Dimensions;
use imghost_shared::widths::{height_at, MAX_BYTES};

/// WebP quality: photos at 80 look like the original at the width shown.
const QUALITY: f32 = 80.0;

/// A width ready to send.
#[derive(Debug, Clone)]
pub struct Width {
    pub width: u32,
    pub data: Bytes,
}

/// The copies of `image` at each of `widths` (largest scaled from the
/// original, each smaller one from the one before, which is as sharp and
/// far quicker). None when the orientation turns the picture a quarter:
/// the stored image's width is then its height on screen, and a srcset
/// built on it would be wrong, so such a photo is uploaded without widths.
pub fn make(
    image: &DynamicImage,
    orientation: Orientation,
    widths: &[u32],
) -> Result<Vec<Width>, Error> {
    if widths.is_empty() || turns_a_quarter(orientation) {
        return Ok(Vec::new());
    }
    let size = Dimensions {
        width: image.width(),
        height: image.height(),
    };
    let mut made = Vec::with_capacity(widths.len());
    let mut source = image.clone();
    for width in widths.iter().rev() {
        let target = Dimensions {
            width: *width,
            height: height_at(size, *width),
        };
        source = crate::thumbnail::scale_down(source, target);
        let mut upright = source.clone();
        upright.apply_orientation(orientation);
        let data = encode(&upright)?;
        if data.len() as u64 > MAX_BYTES {
            // Noise no encoder can shrink: better no widths than a srcset
            // with a gap.
            return Ok(Vec::new());
        }
        made.push(Width {
            width: *width,
            data,
        });
    }
    made.reverse();
    Ok(made)
}

fn turns_a_quarter(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Lossy WebP of the pixels (with alpha when they have it).
fn encode(image: &DynamicImage) -> Result<Bytes, Error> {
    let (width, height) = (image.width(), image.height());
    let encoded = if image.color().has_alpha() {
        let pixels = image.to_rgba8();
        webp::Encoder::from_rgba(&pixels, width, height)
            .encode_simple(false, QUALITY)
            .map(|encoded| encoded.to_vec())
    } else {
        let pixels = image.to_rgb8();
        webp::Encoder::from_rgb(&pixels, width, height)
            .encode_simple(false, QUALITY)
            .map(|encoded| encoded.to_vec())
    }
    .map_err(|why| Error::Widths(format!("{why:?}")))?;
    Ok(Bytes::from(encoded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use imghost_shared::image::{detect, ImageFormat};

    fn photo(width: u32, height: u32) -> DynamicImage {
        let mut image = ::image::RgbImage::new(width, height);
        for (x, y, pixel) in image.enumerate_pixels_mut() {
            *pixel = ::image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]);
        }
        DynamicImage::ImageRgb8(image)
    }

    #[test]
    fn each_width_is_a_still_webp_of_the_declared_size() {
        let made = make(
            &photo(2000, 1500),
            Orientation::NoTransforms,
            &[640, 960, 1280],
        )
        .unwrap();
        let sizes: Vec<_> = made
            .iter()
            .map(|width| {
                let info = detect(&width.data).unwrap();
                assert_eq!(info.format, ImageFormat::Webp);
                assert!(!info.animated);
                info.dimensions.map(|d| (d.width, d.height))
            })
            .collect();
        assert_eq!(
            sizes,
            [Some((640, 480)), Some((960, 720)), Some((1280, 960))]
        );
        assert_eq!(
            made.iter().map(|w| w.width).collect::<Vec<_>>(),
            [640, 960, 1280]
        );
    }

    #[test]
    fn a_quarter_turned_photo_gets_none_a_half_turned_one_does() {
        let image = photo(1000, 800);
        assert!(make(&image, Orientation::Rotate90, &[640])
            .unwrap()
            .is_empty());
        let turned = make(&image, Orientation::Rotate180, &[640]).unwrap();
        let info = detect(&turned[0].data).unwrap();
        assert_eq!(
            info.dimensions.map(|d| (d.width, d.height)),
            Some((640, 512))
        );
    }
}
