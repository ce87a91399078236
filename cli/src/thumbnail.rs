//! Thumbnails, made here from the pixels and sent with an upload (or later
//! with `PUT /thumbnail`): the Worker only checks and stores them.
//!
//! The longest side is [`TARGET_SIDE`], upright (the EXIF orientation is
//! applied, so no orientation travels with the thumbnail), the first frame
//! of an animation. JPEG, or PNG when the image is see-through; JPEG
//! quality goes down until the bytes fit [`MAX_BYTES`].
//!
//! [`TARGET_SIDE`]: imghost_shared::thumbnail::TARGET_SIDE

use crate::error::Error;
use ::image::codecs::jpeg::JpegEncoder;
use ::image::codecs::png::{CompressionType, FilterType, PngEncoder};
use ::image::{DynamicImage, ImageDecoder, ImageEncoder, ImageReader, Limits, Rgba, RgbaImage};
use bytes::Bytes;
use imghost_shared::image::{detect, Dimensions, ImageFormat, ImageInfo};
use imghost_shared::thumbnail::{fit, is_needed, MAX_BYTES};
use std::io::Cursor;

/// JPEG qualities tried in turn until the thumbnail fits [`MAX_BYTES`]: a
/// 480 × 360 photo fits at the first, pure noise only near the last.
const QUALITIES: [u8; 8] = [75, 65, 55, 45, 35, 25, 15, 10];

/// Colour profiles up to this size go with the thumbnail, so a wide-gamut
/// photo keeps its colours; a larger one would take the thumbnail's bytes.
const MAX_PROFILE_BYTES: usize = 16 * 1024;

/// The most pixels decoded for a thumbnail: more than any camera or phone
/// makes, yet a 1 KB file declaring 65500 × 65500 would otherwise make this
/// tool allocate some 13 GB and be killed, upload and all.
pub const MAX_PIXELS: u64 = 100_000_000;

/// The most memory a decoder may take, the decoded pixels included: a
/// 100-megapixel photo at 8 bits per channel fits, at 16 bits it does not.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// A thumbnail ready to send.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    pub data: Bytes,
    /// JPEG or PNG.
    pub format: ImageFormat,
}

impl Thumbnail {
    pub fn mime(&self) -> &'static str {
        self.format.mime_type()
    }

    /// The file name of its multipart part.
    pub fn file_name(&self) -> String {
        format!("thumbnail.{}", self.format.extension())
    }
}

/// Whether this tool can read the pixels of an image of `format`.
pub fn can_decode(format: ImageFormat) -> bool {
    decoder_format(format).is_some()
}

fn decoder_format(format: ImageFormat) -> Option<::image::ImageFormat> {
    Some(match format {
        ImageFormat::Png => ::image::ImageFormat::Png,
        ImageFormat::Jpeg => ::image::ImageFormat::Jpeg,
        ImageFormat::Gif => ::image::ImageFormat::Gif,
        ImageFormat::Webp => ::image::ImageFormat::WebP,
        ImageFormat::Bmp => ::image::ImageFormat::Bmp,
        ImageFormat::Ico => ::image::ImageFormat::Ico,
        // AVIF needs a C decoder; SVG has no pixels (and needs none).
        ImageFormat::Avif | ImageFormat::Svg => return None,
    })
}

/// Whether the image in `data` needs a thumbnail or responsive widths,
/// from its header alone (bytes that are no image need neither).
pub fn needs_extras(data: &[u8]) -> bool {
    detect(data)
        .is_ok_and(|info| is_needed(&info) || !imghost_shared::widths::widths_for(&info).is_empty())
}

/// The thumbnail of the image in `data`, or `None` when it needs none (an
/// SVG, or an image already no larger than a thumbnail in a format every
/// browser shows). Decoding a 12-megapixel photo takes a fraction of a
/// second: call it off the async runtime.
pub fn make(data: &[u8]) -> Result<Option<Thumbnail>, Error> {
    Ok(make_extras(data, Wanted::Thumbnail)?.thumbnail)
}

/// Which extras to make of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Thumbnail,
    Widths,
    Both,
}

/// What is sent beside an image: its thumbnail and its responsive widths.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub thumbnail: Option<Thumbnail>,
    pub widths: Vec<crate::widths::Width>,
}

/// The thumbnail and the responsive widths of the image in `data` that
/// `wanted` asks for and it needs, from one decode; nothing is decoded when
/// it needs none of them.
pub fn make_extras(data: &[u8], wanted: Wanted) -> Result<Extras, Error> {
    let info = detect(data).map_err(Error::NotAnImage)?;
    let widths = match wanted {
        Wanted::Thumbnail => Vec::new(),
        Wanted::Widths | Wanted::Both => imghost_shared::widths::widths_for(&info),
    };
    let thumbnail_needed = wanted != Wanted::Widths && is_needed(&info);
    if !thumbnail_needed && widths.is_empty() {
        return Ok(Extras::default());
    }
    let format = decoder_format(info.format).ok_or(Error::ThumbnailFormat(info.format))?;
    let mut reader = ImageReader::with_format(Cursor::new(data), format);
    reader.limits(decode_limits());
    let mut decoder = reader.into_decoder().map_err(Error::Thumbnail)?;
    check_size(decoder.dimensions(), decoder.total_bytes())?;
    let orientation = decoder
        .orientation()
        .unwrap_or(::image::metadata::Orientation::NoTransforms);
    let profile = decoder.icc_profile().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(Error::Thumbnail)?;
    // Widths first, from the full image (the thumbnail takes it over).
    let widths = crate::widths::make(&image, orientation, &widths)?;
    let thumbnail = if thumbnail_needed {
        // Scaled before it is turned: `fit` of the turned size is the
        // turned `fit`, and turning 480 × 360 pixels costs nothing.
        let size = fit(Dimensions {
            width: image.width(),
            height: image.height(),
        });
        let mut small = scale_down(image, size);
        small.apply_orientation(orientation);
        Some(encode(&small, profile.as_deref())?)
    } else {
        None
    };
    Ok(Extras { thumbnail, widths })
}

/// What the decoders may allocate for their own buffers. `Limits` has no
/// pixel count (only sides), and `into_decoder` does not count the pixels
/// `from_decoder` allocates: [`check_size`] does both.
fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// Refuses an image whose header declares more than [`MAX_PIXELS`], or
/// pixels taking more than [`MAX_DECODE_BYTES`], before any is allocated.
fn check_size((width, height): (u32, u32), total_bytes: u64) -> Result<(), Error> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS || total_bytes > MAX_DECODE_BYTES {
        return Err(Error::ThumbnailTooLarge { width, height });
    }
    Ok(())
}

/// The image scaled down to `size` (the same shape, no larger): first by a
/// whole factor, averaging blocks of pixels in one pass over the bytes,
/// then by what is left with `thumbnail_exact`, which takes many times
/// longer per source pixel.
pub fn scale_down(image: DynamicImage, size: Dimensions) -> DynamicImage {
    let (width, height) = (image.width(), image.height());
    if (width, height) == (size.width, size.height) {
        return image;
    }
    let factor = (width / size.width).min(height / size.height);
    let image = if factor >= 2 {
        shrink(eight_bit(image), factor)
    } else {
        image
    };
    image.thumbnail_exact(size.width, size.height)
}

/// The image with 8 bits per channel (what nearly every image has).
fn eight_bit(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => image,
        DynamicImage::ImageLuma16(_) => DynamicImage::ImageLuma8(image.to_luma8()),
        DynamicImage::ImageLumaA16(_) => DynamicImage::ImageLumaA8(image.to_luma_alpha8()),
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// Each `factor` × `factor` block of an 8-bit image averaged into one
/// pixel (the blocks at the right and bottom edges may be smaller).
fn shrink(image: DynamicImage, factor: u32) -> DynamicImage {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let channels = usize::from(image.color().channel_count());
    let k = factor as usize;
    let (out_width, out_height) = (width.div_ceil(k), height.div_ceil(k));
    let raw = image.as_bytes();
    let mut sums = vec![0u32; out_width * channels];
    let mut out = Vec::with_capacity(out_width * out_height * channels);
    for top in (0..height).step_by(k) {
        let rows = k.min(height - top);
        sums.fill(0);
        for row in raw[top * width * channels..(top + rows) * width * channels]
            .chunks_exact(width * channels)
        {
            for (block, sum) in row
                .chunks(k * channels)
                .zip(sums.chunks_exact_mut(channels))
            {
                for pixel in block.chunks_exact(channels) {
                    for (total, &value) in sum.iter_mut().zip(pixel) {
                        *total += u32::from(value);
                    }
                }
            }
        }
        for (left, sum) in (0..width).step_by(k).zip(sums.chunks_exact(channels)) {
            let count = (k.min(width - left) * rows) as u32;
            out.extend(sum.iter().map(|total| ((total + count / 2) / count) as u8));
        }
    }
    let (w, h) = (out_width as u32, out_height as u32);
    let built = match channels {
        1 => ::image::GrayImage::from_raw(w, h, out).map(DynamicImage::ImageLuma8),
        2 => ::image::GrayAlphaImage::from_raw(w, h, out).map(DynamicImage::ImageLumaA8),
        3 => ::image::RgbImage::from_raw(w, h, out).map(DynamicImage::ImageRgb8),
        _ => RgbaImage::from_raw(w, h, out).map(DynamicImage::ImageRgba8),
    };
    built.expect("the buffer holds every pixel")
}

/// PNG when some pixels are see-through and it fits; otherwise JPEG (on
/// white), at the best quality that fits.
fn encode(image: &DynamicImage, profile: Option<&[u8]>) -> Result<Thumbnail, Error> {
    let gray = !image.color().has_color();
    if is_see_through(image) {
        if let Some(png) = encode_png(image, gray, profile)? {
            return Ok(png);
        }
    }
    let opaque = on_white(image, gray);
    for quality in QUALITIES {
        let mut out = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
        attach_profile(&mut encoder, profile, gray);
        write(encoder, &opaque)?;
        if out.len() as u64 <= MAX_BYTES {
            return Ok(thumbnail(out, ImageFormat::Jpeg));
        }
    }
    Err(Error::ThumbnailTooManyBytes)
}

/// The PNG of a see-through image, or `None` when it is larger than a
/// thumbnail may be.
fn encode_png(
    image: &DynamicImage,
    gray: bool,
    profile: Option<&[u8]>,
) -> Result<Option<Thumbnail>, Error> {
    let pixels = if gray {
        DynamicImage::ImageLumaA8(image.to_luma_alpha8())
    } else {
        DynamicImage::ImageRgba8(image.to_rgba8())
    };
    let mut out = Vec::new();
    let mut encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive);
    attach_profile(&mut encoder, profile, gray);
    write(encoder, &pixels)?;
    Ok((out.len() as u64 <= MAX_BYTES).then(|| thumbnail(out, ImageFormat::Png)))
}

/// Encodes the pixels as they are (gray as gray: `encode_image` would see
/// any `DynamicImage` as RGBA).
fn write(encoder: impl ImageEncoder, image: &DynamicImage) -> Result<(), Error> {
    encoder
        .write_image(
            image.as_bytes(),
            image.width(),
            image.height(),
            image.color().into(),
        )
        .map_err(Error::Thumbnail)
}

fn thumbnail(data: Vec<u8>, format: ImageFormat) -> Thumbnail {
    Thumbnail {
        data: data.into(),
        format,
    }
}

/// The colour profile goes along only when it describes pixels like the
/// ones written (an RGB profile for RGB, a gray one for gray): a CMYK
/// photo's profile would misdescribe the RGB it was decoded to.
fn attach_profile(encoder: &mut impl ImageEncoder, profile: Option<&[u8]>, gray: bool) {
    let space: &[u8] = if gray { b"GRAY" } else { b"RGB " };
    if let Some(profile) = profile {
        if profile.len() <= MAX_PROFILE_BYTES && profile.get(16..20) == Some(space) {
            // Encoders that take no profile simply go without.
            let _ = encoder.set_icc_profile(profile.to_vec());
        }
    }
}

/// Whether any pixel is less than fully opaque.
fn is_see_through(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p[3] < u8::MAX)
}

/// The pixels over white, without alpha: gray stays gray (a smaller JPEG).
fn on_white(image: &DynamicImage, gray: bool) -> DynamicImage {
    let flat = if image.color().has_alpha() {
        let mut rgba: RgbaImage = image.to_rgba8();
        for pixel in rgba.pixels_mut() {
            let Rgba([r, g, b, a]) = *pixel;
            let over = |c: u8| {
                let (c, a) = (u32::from(c), u32::from(a));
                ((c * a + 255 * (255 - a) + 127) / 255) as u8
            };
            *pixel = Rgba([over(r), over(g), over(b), u8::MAX]);
        }
        DynamicImage::ImageRgba8(rgba)
    } else {
        image.clone()
    };
    if gray {
        DynamicImage::ImageLuma8(flat.to_luma8())
    } else {
        DynamicImage::ImageRgb8(flat.to_rgb8())
    }
}

/// Whether a listed image needs a thumbnail, from what its row says (type,
/// size, frames); `true` when the row does not say enough, so that its
/// bytes decide.
pub fn is_needed_by(content_type: Option<&str>, size: Option<Dimensions>, animated: bool) -> bool {
    match (format_of(content_type), size) {
        (Some(ImageFormat::Svg), _) => false,
        (Some(format), Some(size)) => is_needed(&ImageInfo {
            format,
            dimensions: Some(size),
            animated,
        }),
        _ => true,
    }
}

/// The image type named by a listed image's content type, if it is one
/// this tool recognises.
pub fn format_of(content_type: Option<&str>) -> Option<ImageFormat> {
    ImageFormat::from_mime_type(content_type?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::image::codecs::gif::GifEncoder;
    use ::image::{Delay, Frame, GrayImage, Luma, Rgb, RgbImage};
    use imghost_shared::thumbnail::{check, TARGET_SIDE};

    fn dims(width: u32, height: u32) -> Dimensions {
        Dimensions { width, height }
    }

    /// A photo-like image: smooth gradients under noise that survives the
    /// scaling down (it changes every 8 pixels), the worst case for a
    /// JPEG's size, and a fine grain like a camera's, which makes its JPEG
    /// as slow to decode as a photo's.
    fn photo(width: u32, height: u32) -> RgbImage {
        let hash = |x: u32, y: u32| {
            let hash = (u64::from(x) << 32 | u64::from(y)) ^ 0x2545_f491_4f6c_dd1d;
            let hash = hash.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            hash ^ hash >> 29
        };
        RgbImage::from_fn(width, height, |x, y| {
            let (coarse, fine) = (hash(x / 8, y / 8), hash(x, y));
            let noise =
                |shift: u32| ((coarse >> shift) & 0x3f) as u32 + ((fine >> shift) & 0xf) as u32;
            Rgb([
                ((x * 180 / width) + noise(0)).min(255) as u8,
                ((y * 180 / height) + noise(8)).min(255) as u8,
                (((x + y) * 100 / (width + height)) + noise(16)).min(255) as u8,
            ])
        })
    }

    /// The image as an uncompressed BMP: quick to write and read, so that
    /// a 12-megapixel test stays quick unoptimised.
    fn bmp(image: &RgbImage) -> Vec<u8> {
        let (width, height) = image.dimensions();
        let row = (width * 3).div_ceil(4) * 4;
        let size = 54 + row * height;
        let mut out = Vec::with_capacity(size as usize);
        out.extend_from_slice(b"BM");
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&54u32.to_le_bytes()); // where the pixels start
        out.extend_from_slice(&40u32.to_le_bytes()); // BITMAPINFOHEADER
        out.extend_from_slice(&width.to_le_bytes());
        out.extend_from_slice(&height.to_le_bytes()); // positive: bottom row first
        out.extend_from_slice(&1u16.to_le_bytes()); // planes
        out.extend_from_slice(&24u16.to_le_bytes()); // bits per pixel
        out.extend_from_slice(&[0; 24]); // no compression, sizes, palette
        let line = (width * 3) as usize;
        for y in (0..height as usize).rev() {
            for rgb in image.as_raw()[y * line..(y + 1) * line].chunks_exact(3) {
                out.extend_from_slice(&[rgb[2], rgb[1], rgb[0]]);
            }
            out.resize(out.len() + (row - width * 3) as usize, 0);
        }
        out
    }

    fn jpeg(image: &DynamicImage, exif_orientation: Option<u16>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut out, 90);
        if let Some(orientation) = exif_orientation {
            encoder
                .set_exif_metadata(orientation_exif(orientation))
                .unwrap();
        }
        encoder.encode_image(image).unwrap();
        out
    }

    /// A little-endian TIFF block with only IFD0's Orientation.
    fn orientation_exif(orientation: u16) -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0\x01\0".to_vec();
        tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_le_bytes()); // one value
        tiff.extend_from_slice(&orientation.to_le_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // padding, no next IFD
        tiff
    }

    fn png(image: &DynamicImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ::image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn decode(thumbnail: &Thumbnail) -> DynamicImage {
        ::image::load_from_memory(&thumbnail.data).unwrap()
    }

    /// What the Worker checks, checked here; the thumbnail's size.
    fn accepted(thumbnail: &Thumbnail) -> Dimensions {
        let info = detect(&thumbnail.data).unwrap();
        assert_eq!(info.format, thumbnail.format);
        assert_eq!(check(&info, thumbnail.data.len() as u64), Ok(()));
        let size = info.dimensions.unwrap();
        let longest = size.width.max(size.height);
        assert!(longest <= TARGET_SIDE, "{size:?}");
        assert_eq!(
            (decode(thumbnail).width(), decode(thumbnail).height()),
            (size.width, size.height)
        );
        size
    }

    #[test]
    fn a_noisy_photo_becomes_a_jpeg_of_the_target_size_within_the_byte_limit() {
        let data = bmp(&photo(4000, 3000));
        let thumbnail = make(&data).unwrap().expect("a large photo needs one");
        assert_eq!(accepted(&thumbnail), dims(480, 360));
        assert_eq!(thumbnail.format, ImageFormat::Jpeg);
        assert_eq!(thumbnail.mime(), "image/jpeg");
        assert_eq!(thumbnail.file_name(), "thumbnail.jpg");
        assert!(thumbnail.data.len() as u64 <= MAX_BYTES);
    }

    #[test]
    fn noise_lowers_the_quality_until_it_fits() {
        // Every pixel random: at the first quality this is well over the limit.
        let mut state = 7u32;
        let noise = RgbImage::from_fn(480, 480, |_, _| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let [r, g, b, _] = state.to_le_bytes();
            Rgb([r / 4 + 60, g / 4 + 60, b / 4])
        });
        let mut at_first = Vec::new();
        JpegEncoder::new_with_quality(&mut at_first, QUALITIES[0])
            .encode_image(&noise)
            .unwrap();
        assert!(at_first.len() as u64 > MAX_BYTES, "{}", at_first.len());
        let thumbnail = encode(&DynamicImage::ImageRgb8(noise), None).unwrap();
        assert_eq!(accepted(&thumbnail), dims(480, 480));
    }

    #[test]
    fn the_exif_orientation_is_applied() {
        // Stored landscape, red on the left, blue on the right; orientation
        // 6 says to turn it 90° clockwise: portrait, red on top.
        let stored = RgbImage::from_fn(1200, 800, |x, _| {
            if x < 600 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        });
        let data = jpeg(&DynamicImage::ImageRgb8(stored), Some(6));
        let thumbnail = make(&data).unwrap().unwrap();
        assert_eq!(accepted(&thumbnail), dims(320, 480));

        let pixels = decode(&thumbnail).to_rgb8();
        let top = pixels.get_pixel(160, 40);
        let bottom = pixels.get_pixel(160, 440);
        assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");
        // The thumbnail is upright as it is: no orientation goes with it.
        let mut decoder = ImageReader::new(Cursor::new(&thumbnail.data[..]))
            .with_guessed_format()
            .unwrap()
            .into_decoder()
            .unwrap();
        assert_eq!(
            decoder.orientation().unwrap(),
            ::image::metadata::Orientation::NoTransforms
        );
    }

    #[test]
    fn see_through_images_stay_see_through_as_png() {
        let logo = RgbaImage::from_fn(1000, 500, |x, y| {
            if (x / 100 + y / 100) % 2 == 0 {
                Rgba([30, 120, 200, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let thumbnail = make(&png(&DynamicImage::ImageRgba8(logo)))
            .unwrap()
            .unwrap();
        assert_eq!(accepted(&thumbnail), dims(480, 240));
        assert_eq!(thumbnail.format, ImageFormat::Png);

        let pixels = decode(&thumbnail).to_rgba8();
        assert_eq!(pixels.get_pixel(10, 10)[3], 255);
        assert_eq!(pixels.get_pixel(58, 10)[3], 0);
    }

    #[test]
    fn an_alpha_channel_that_is_all_opaque_makes_a_jpeg() {
        let opaque = RgbaImage::from_fn(800, 600, |x, y| Rgba([x as u8, y as u8, 90, 255]));
        let thumbnail = make(&png(&DynamicImage::ImageRgba8(opaque)))
            .unwrap()
            .unwrap();
        accepted(&thumbnail);
        assert_eq!(thumbnail.format, ImageFormat::Jpeg);
    }

    #[test]
    fn see_through_noise_too_large_for_png_is_a_jpeg_on_white() {
        let mut state = 11u32;
        let noisy = RgbaImage::from_fn(480, 480, |x, _| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let [r, g, b, _] = state.to_le_bytes();
            // The left half fully transparent: white in the JPEG.
            Rgba([r, g, b, if x < 240 { 0 } else { 255 }])
        });
        let thumbnail = encode(&DynamicImage::ImageRgba8(noisy), None).unwrap();
        accepted(&thumbnail);
        assert_eq!(thumbnail.format, ImageFormat::Jpeg);
        let pixel = *decode(&thumbnail).to_rgb8().get_pixel(100, 100);
        assert!(pixel.0.iter().all(|&c| c > 235), "{pixel:?}");
    }

    #[test]
    fn gray_images_make_gray_jpegs() {
        let gray = GrayImage::from_fn(1000, 1000, |x, y| Luma([((x ^ y) & 0xff) as u8]));
        let thumbnail = make(&png(&DynamicImage::ImageLuma8(gray)))
            .unwrap()
            .unwrap();
        accepted(&thumbnail);
        assert_eq!(thumbnail.format, ImageFormat::Jpeg);
        assert_eq!(decode(&thumbnail).color(), ::image::ColorType::L8);
    }

    #[test]
    fn an_animated_gif_gives_its_first_frame() {
        let frame = |color: [u8; 4]| {
            Frame::from_parts(
                RgbaImage::from_pixel(100, 60, Rgba(color)),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            )
        };
        let mut data = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut data);
            encoder
                .encode_frames([frame([255, 0, 0, 255]), frame([0, 255, 0, 255])])
                .unwrap();
        }
        assert!(detect(&data).unwrap().animated);
        // A GIF needs one however small: thumbnails are never animated.
        let thumbnail = make(&data).unwrap().unwrap();
        assert_eq!(accepted(&thumbnail), dims(100, 60));

        let pixel = *decode(&thumbnail).to_rgb8().get_pixel(50, 30);
        assert!(pixel[0] > 200 && pixel[1] < 60, "{pixel:?}");
    }

    #[test]
    fn an_animated_webp_gives_its_first_frame() {
        let data = animated_webp(600, 200, &[[255, 0, 0], [0, 0, 255]]);
        let info = detect(&data).unwrap();
        assert!(info.animated);
        assert_eq!(info.dimensions, Some(dims(600, 200)));
        let thumbnail = make(&data).unwrap().unwrap();
        assert_eq!(accepted(&thumbnail), dims(480, 160));

        let pixel = *decode(&thumbnail).to_rgb8().get_pixel(240, 80);
        assert!(pixel[0] > 200 && pixel[2] < 60, "{pixel:?}");
    }

    /// An animated WebP of full-size lossless frames, one colour each.
    fn animated_webp(width: u32, height: u32, colors: &[[u8; 3]]) -> Vec<u8> {
        fn chunk(name: &[u8; 4], payload: &[u8]) -> Vec<u8> {
            let mut out = name.to_vec();
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(payload);
            if payload.len() % 2 == 1 {
                out.push(0);
            }
            out
        }
        let u24 = |n: u32| n.to_le_bytes()[..3].to_vec();
        let mut vp8x = vec![0x02, 0, 0, 0]; // the animation flag
        vp8x.extend(u24(width - 1));
        vp8x.extend(u24(height - 1));
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &vp8x));
        body.extend(chunk(b"ANIM", &[0, 0, 0, 0, 0, 0]));
        for color in colors {
            let frame = DynamicImage::ImageRgb8(RgbImage::from_pixel(width, height, Rgb(*color)));
            let mut still = Cursor::new(Vec::new());
            frame
                .write_to(&mut still, ::image::ImageFormat::WebP)
                .unwrap();
            let still = still.into_inner();
            // RIFF, size, WEBP, then the VP8L chunk.
            let vp8l = &still[12..];
            let mut anmf = [u24(0), u24(0), u24(width - 1), u24(height - 1), u24(100)].concat();
            anmf.push(0);
            anmf.extend_from_slice(vp8l);
            body.extend(chunk(b"ANMF", &anmf));
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend(body);
        out
    }

    #[test]
    fn small_images_and_svg_need_none() {
        let small = DynamicImage::ImageRgb8(photo(480, 300));
        assert!(make(&jpeg(&small, None)).unwrap().is_none());
        assert!(make(&png(&small)).unwrap().is_none());
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="3000"/>"#;
        assert!(make(svg).unwrap().is_none());
    }

    #[test]
    fn what_cannot_be_decoded_is_said() {
        // The header is whole (so it is recognised), the pixels cut short.
        let mut damaged = png(&DynamicImage::ImageRgb8(photo(1000, 800)));
        damaged.truncate(2000);
        assert!(needs_extras(&damaged));
        let error = make(&damaged).unwrap_err().to_string();
        assert!(error.starts_with("cannot make a thumbnail: "), "{error}");
        assert_eq!(
            make(b"hello").unwrap_err().to_string(),
            Error::NotAnImage(detect(b"hello").unwrap_err()).to_string()
        );
        assert!(!can_decode(ImageFormat::Avif));
        assert!(can_decode(ImageFormat::Bmp));
        assert_eq!(
            Error::ThumbnailFormat(ImageFormat::Avif).to_string(),
            "cannot make a thumbnail: this tool does not decode AVIF images"
        );
    }

    /// A CRC-32 as PNG chunks carry (bit by bit: test data is tiny).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    }

    /// Small files whose headers declare 65500 × 65500 pixels (some 13 GB
    /// decoded): a JPEG with its frame header patched, a PNG with its IHDR
    /// patched and its CRC made right again.
    fn declaring_huge_sizes() -> [(&'static str, Vec<u8>); 2] {
        let small = DynamicImage::ImageRgb8(photo(16, 16));
        let mut jpeg = jpeg(&small, None);
        let sof = jpeg
            .windows(2)
            .position(|pair| pair == [0xff, 0xc0])
            .expect("a baseline frame header");
        // Marker, length, precision, then height and width.
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xff, 0xdc, 0xff, 0xdc]);
        let mut png = png(&small);
        png[16..24].copy_from_slice(&[0, 0, 0xff, 0xdc, 0, 0, 0xff, 0xdc]);
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        [("jpeg", jpeg), ("png", png)]
    }

    #[test]
    fn images_declaring_too_many_pixels_are_refused_before_decoding() {
        for (name, data) in declaring_huge_sizes() {
            assert!(data.len() < 2048, "{name}: {} bytes", data.len());
            assert_eq!(
                detect(&data).unwrap().dimensions,
                Some(dims(65500, 65500)),
                "{name}"
            );
            assert!(needs_extras(&data), "{name}");
            let started = std::time::Instant::now();
            let error = make(&data).unwrap_err();
            assert!(
                started.elapsed() < std::time::Duration::from_secs(2),
                "{name}: {:?}",
                started.elapsed()
            );
            assert!(
                matches!(
                    error,
                    Error::ThumbnailTooLarge {
                        width: 65500,
                        height: 65500
                    }
                ),
                "{name}: {error:?}"
            );
            assert_eq!(
                error.to_string(),
                "cannot make a thumbnail: 65500 × 65500 pixels is more than this tool \
                 decodes (at most 100 megapixels in 512 MB)"
            );
        }
        // The limits leave room for the largest photos.
        assert!(check_size((12_000, 8_000), 12_000 * 8_000 * 4).is_ok());
        assert!(check_size((12_000, 8_000), 12_000 * 8_000 * 8).is_err());
    }

    #[test]
    fn colour_profiles_go_along_only_when_they_fit_the_pixels() {
        let mut rgb_profile = vec![0u8; 600];
        rgb_profile[16..20].copy_from_slice(b"RGB ");
        let mut cmyk_profile = rgb_profile.clone();
        cmyk_profile[16..20].copy_from_slice(b"CMYK");
        let image = DynamicImage::ImageRgb8(photo(100, 100));
        let profile_of = |profile: &[u8]| {
            let thumbnail = encode(&image, Some(profile)).unwrap();
            let mut decoder = ImageReader::new(Cursor::new(thumbnail.data.to_vec()))
                .with_guessed_format()
                .unwrap()
                .into_decoder()
                .unwrap();
            decoder.icc_profile().unwrap()
        };
        assert_eq!(profile_of(&rgb_profile), Some(rgb_profile.clone()));
        assert_eq!(profile_of(&cmyk_profile), None);
    }

    #[test]
    fn listed_images_say_whether_they_need_one() {
        let jpeg = Some("image/jpeg");
        assert!(is_needed_by(jpeg, Some(dims(4032, 3024)), false));
        assert!(!is_needed_by(jpeg, Some(dims(480, 320)), false));
        assert!(!is_needed_by(Some("IMAGE/PNG"), Some(dims(48, 32)), false));
        assert!(is_needed_by(Some("image/gif"), Some(dims(48, 32)), true));
        assert!(!is_needed_by(Some("image/svg+xml"), None, false));
        // Not enough said: the bytes decide.
        assert!(is_needed_by(jpeg, None, false));
        assert!(is_needed_by(None, Some(dims(10, 10)), false));
        assert!(is_needed_by(Some("application/octet-stream"), None, false));
        assert_eq!(format_of(Some("image/avif")), Some(ImageFormat::Avif));
        assert_eq!(format_of(Some("text/plain")), None);
        assert_eq!(format_of(None), None);
    }
}
