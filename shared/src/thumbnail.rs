//! Thumbnails: small copies of an image for the gallery, made by the client
//! that already holds the decoded pixels (a browser, the CLI) and only
//! checked and stored by the Worker, which cannot decode a 4K photo within
//! a request's CPU time.

use crate::image::{Dimensions, ImageFormat, ImageInfo};

/// The longest side a client makes: a gallery card is at most about 240
/// CSS pixels wide, so this is sharp at twice the pixel density.
pub const TARGET_SIDE: u32 = 480;

/// The longest side the Worker accepts. Above the target, so a client that
/// rounds differently is not refused, and small enough that a thumbnail
/// stays a thumbnail.
pub const MAX_SIDE: u32 = 640;

/// The most bytes the Worker accepts for one thumbnail (a 480 × 360 photo
/// is 20–45 KB as WebP or JPEG).
pub const MAX_BYTES: u64 = 96 * 1024;

/// The formats a thumbnail may have: what every browser shows and every
/// client can encode.
pub const FORMATS: [ImageFormat; 3] = [ImageFormat::Webp, ImageFormat::Jpeg, ImageFormat::Png];

/// What marks a thumbnail's key: `<image key>.thumb.<ext>`.
const KEY_MARK: &str = ".thumb.";

/// The size to draw a thumbnail of an image of `size` at: the image scaled
/// down (never up) so its longest side is at most `TARGET_SIDE`, keeping
/// the aspect ratio, each side at least one pixel.
pub fn fit(size: Dimensions) -> Dimensions {
    let longest = size.width.max(size.height);
    if longest <= TARGET_SIDE {
        return size;
    }
    let scale = |side: u32| {
        ((u64::from(side) * u64::from(TARGET_SIDE) + u64::from(longest) / 2) / u64::from(longest))
            .max(1) as u32
    };
    Dimensions {
        width: scale(size.width),
        height: scale(size.height),
    }
}

/// Whether an image needs a thumbnail at all: one no larger than a
/// thumbnail (or an SVG, which scales) is shown as it is.
pub fn is_needed(info: &ImageInfo) -> bool {
    match info.dimensions {
        None => false,
        Some(size) => size.width.max(size.height) > TARGET_SIDE || !FORMATS.contains(&info.format),
    }
}

/// The key a thumbnail of the image stored under `image_key` is stored
/// under: beside the image, so a listing of the bucket shows them together.
pub fn key_for(image_key: &str, format: ImageFormat) -> String {
    format!("{image_key}{KEY_MARK}{}", format.extension())
}

/// The image key a thumbnail key was made from, if it is one.
pub fn image_key_of(thumbnail_key: &str) -> Option<&str> {
    let (image_key, extension) = thumbnail_key.rsplit_once(KEY_MARK)?;
    let format = ImageFormat::from_extension(extension)?;
    (!image_key.is_empty() && FORMATS.contains(&format)).then_some(image_key)
}

/// Why bytes sent as a thumbnail are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    TooManyBytes { size: u64 },
    WrongFormat(ImageFormat),
    TooLarge(Dimensions),
    Animated,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooManyBytes { size } => write!(
                f,
                "The thumbnail has {size} bytes; at most {MAX_BYTES} are accepted"
            ),
            Self::WrongFormat(format) => write!(
                f,
                "The thumbnail is a {} image; send WebP, JPEG or PNG",
                format.name()
            ),
            Self::TooLarge(size) => write!(
                f,
                "The thumbnail is {} × {} pixels; its longest side may be at most {MAX_SIDE}",
                size.width, size.height
            ),
            Self::Animated => write!(f, "The thumbnail is animated; send its first frame"),
        }
    }
}

/// Checks a thumbnail the client sent, recognised from its bytes.
pub fn check(info: &ImageInfo, byte_count: u64) -> Result<(), Refused> {
    if byte_count > MAX_BYTES {
        return Err(Refused::TooManyBytes { size: byte_count });
    }
    if !FORMATS.contains(&info.format) {
        return Err(Refused::WrongFormat(info.format));
    }
    match info.dimensions {
        Some(size) if size.width.max(size.height) > MAX_SIDE => Err(Refused::TooLarge(size)),
        _ if info.animated => Err(Refused::Animated),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(width: u32, height: u32) -> Dimensions {
        Dimensions { width, height }
    }

    fn info(format: ImageFormat, width: u32, height: u32, animated: bool) -> ImageInfo {
        ImageInfo {
            format,
            dimensions: Some(dims(width, height)),
            animated,
        }
    }

    #[test]
    fn fits_the_longest_side_and_keeps_the_ratio() {
        assert_eq!(fit(dims(4032, 3024)), dims(480, 360));
        assert_eq!(fit(dims(3024, 4032)), dims(360, 480));
        assert_eq!(fit(dims(4000, 3000)), dims(480, 360));
        assert_eq!(fit(dims(481, 481)), dims(480, 480));
        assert_eq!(fit(dims(10_000, 10)), dims(480, 1));
        assert_eq!(fit(dims(1, 100_000)), dims(1, 480));
        assert_eq!(fit(dims(480, 200)), dims(480, 200));
        assert_eq!(fit(dims(20, 30)), dims(20, 30));
        // Rounded to the nearest pixel: 333 × 480 / 1000 = 159.84.
        assert_eq!(fit(dims(1000, 333)), dims(480, 160));
        assert_eq!(fit(dims(u32::MAX, u32::MAX)), dims(480, 480));
    }

    #[test]
    fn small_images_and_svg_need_none() {
        assert!(is_needed(&info(ImageFormat::Jpeg, 4032, 3024, false)));
        assert!(is_needed(&info(ImageFormat::Gif, 481, 10, true)));
        assert!(!is_needed(&info(ImageFormat::Png, 480, 480, false)));
        // Shown as is, but not in a format every browser shows.
        assert!(is_needed(&info(ImageFormat::Avif, 100, 100, false)));
        let svg = ImageInfo {
            format: ImageFormat::Svg,
            dimensions: None,
            animated: false,
        };
        assert!(!is_needed(&svg));
    }

    #[test]
    fn keys_sit_beside_the_image() {
        let key = key_for("2026-11-29/a.png", ImageFormat::Webp);
        assert_eq!(key, "2026-11-29/a.png.thumb.webp");
        assert_eq!(image_key_of(&key), Some("2026-11-29/a.png"));
        assert_eq!(
            image_key_of("old/My Photo.JPG.thumb.jpg"),
            Some("old/My Photo.JPG")
        );
        for other in [
            "2026-11-29/a.png",
            ".thumb.webp",
            "a.png.thumb.gif",
            "a.png.thumb.",
            "a.thumbnail.webp",
        ] {
            assert_eq!(image_key_of(other), None, "{other}");
        }
    }

    #[test]
    fn checks_bytes_format_size_and_frames() {
        assert_eq!(
            check(&info(ImageFormat::Webp, 480, 360, false), 30_000),
            Ok(())
        );
        assert_eq!(
            check(&info(ImageFormat::Png, 640, 640, false), MAX_BYTES),
            Ok(())
        );
        assert_eq!(
            check(&info(ImageFormat::Jpeg, 480, 360, false), MAX_BYTES + 1),
            Err(Refused::TooManyBytes {
                size: MAX_BYTES + 1
            })
        );
        assert_eq!(
            check(&info(ImageFormat::Gif, 48, 36, false), 100),
            Err(Refused::WrongFormat(ImageFormat::Gif))
        );
        assert_eq!(
            check(&info(ImageFormat::Jpeg, 641, 10, false), 100),
            Err(Refused::TooLarge(dims(641, 10)))
        );
        assert_eq!(
            check(&info(ImageFormat::Webp, 48, 36, true), 100),
            Err(Refused::Animated)
        );
        for refused in [
            Refused::TooManyBytes { size: 1 },
            Refused::WrongFormat(ImageFormat::Svg),
            Refused::TooLarge(dims(1000, 1)),
            Refused::Animated,
        ] {
            assert!(refused.to_string().starts_with("The thumbnail"));
        }
    }
}
