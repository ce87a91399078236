//! Responsive widths: smaller WebP copies of a photo that a `srcset` offers
//! to readers on narrow screens. Like thumbnails, a client that holds the
//! decoded pixels (a browser, the CLI) makes them; the Worker only checks
//! and stores them, under `<image key>@<width>w.webp` beside the image. The
//! image's own key stays its one URL; the widths are only ever named in a
//! `srcset` next to it.

use crate::image::{Dimensions, ImageFormat, ImageInfo};

/// The widths a client makes, in CSS pixels times density: a phone column
/// at 2× and 3×, a blog column at 2×, a full-width hero.
pub const CANDIDATES: [u32; 4] = [640, 960, 1280, 1920];

/// A width is made only below this share of the original's width: a copy
/// nearly as wide as the original saves a reader too little to be worth
/// storing.
const MAX_SHARE_PERCENT: u64 = 80;

/// The most bytes the Worker accepts for one width (a 1920 px photo is
/// 200–600 KB as WebP at quality 80).
pub const MAX_BYTES: u64 = 2 * 1024 * 1024;

/// The widths to make of an image: those under 80 % of its width, none for
/// an animated image (a still copy would lose the motion), an SVG (which
/// scales) or an image of unknown size.
pub fn widths_for(info: &ImageInfo) -> Vec<u32> {
    match info.dimensions {
        Some(size) if !info.animated && info.format != ImageFormat::Svg => CANDIDATES
            .into_iter()
            .filter(|width| u64::from(*width) * 100 < u64::from(size.width) * MAX_SHARE_PERCENT)
            .collect(),
        _ => Vec::new(),
    }
}

/// The height of the copy of an image of `size` at `width`, keeping the
/// aspect ratio (rounded, at least one pixel).
pub fn height_at(size: Dimensions, width: u32) -> u32 {
    let scaled = (u64::from(size.height) * u64::from(width) + u64::from(size.width) / 2)
        / u64::from(size.width.max(1));
    scaled.max(1) as u32
}

/// Where the copy at `width` of the image stored under `image_key` goes.
pub fn key_for(image_key: &str, width: u32) -> String {
    format!("{image_key}@{width}w.webp")
}

/// The image key and width a width's key was made from, if it is one.
pub fn image_key_of(key: &str) -> Option<(&str, u32)> {
    let (image_key, rest) = key.rsplit_once('@')?;
    let width = rest.strip_suffix("w.webp")?;
    let width: u32 = width.parse().ok()?;
    (!image_key.is_empty() && CANDIDATES.contains(&width) && rest == format!("{width}w.webp"))
        .then_some((image_key, width))
}

/// The keys of an image's widths, smallest first.
pub fn keys_for(image_key: &str, widths: &[u32]) -> Vec<String> {
    widths
        .iter()
        .map(|width| key_for(image_key, *width))
        .collect()
}

/// How D1 keeps the widths an image has: ascending, space-separated.
pub fn to_column(widths: &[u32]) -> String {
    widths
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The widths from D1's column; anything not a candidate width is dropped,
/// so a damaged column never names an object imghost did not write.
pub fn from_column(column: &str) -> Vec<u32> {
    let named: Vec<u32> = column
        .split_ascii_whitespace()
        .filter_map(|width| width.parse().ok())
        .collect();
    CANDIDATES
        .into_iter()
        .filter(|width| named.contains(width))
        .collect()
}

/// `url@640w.webp 640w, …, url <original width>w`: the srcset of an image
/// served from `image_url`, its widths and then the original.
pub fn srcset(image_url: &str, widths: &[u32], original_width: u32) -> String {
    widths
        .iter()
        .map(|width| format!("{} {width}w", key_for(image_url, *width)))
        .chain(std::iter::once(format!("{image_url} {original_width}w")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why bytes sent as a width are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    NotWanted {
        width: u32,
    },
    TooManyBytes {
        width: u32,
        size: u64,
    },
    NotWebp {
        width: u32,
        format: ImageFormat,
    },
    Animated {
        width: u32,
    },
    WrongSize {
        width: u32,
        found: Dimensions,
        expected: Dimensions,
    },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotWanted { width } => write!(
                f,
                "The image takes no {width} px width: it takes only widths of 640, 960, 1280 \
                 and 1920 below 80 % of its own, and none when animated"
            ),
            Self::TooManyBytes { width, size } => write!(
                f,
                "The {width} px width has {size} bytes; at most {MAX_BYTES} are accepted"
            ),
            Self::NotWebp { width, format } => write!(
                f,
                "The {width} px width is a {} image; send WebP",
                format.name()
            ),
            Self::Animated { width } => {
                write!(f, "The {width} px width is animated; send one frame")
            }
            Self::WrongSize {
                width,
                found,
                expected,
            } => write!(
                f,
                "The {width} px width is {} × {} pixels; it must be {} × {}",
                found.width, found.height, expected.width, expected.height
            ),
        }
    }
}

/// Checks the copy declared to be `width` wide of an image of `image`
/// (its stored form), recognised from its bytes: a still WebP exactly that
/// wide, with the image's aspect ratio (a pixel of rounding either way).
pub fn check(image: &ImageInfo, width: u32, copy: &ImageInfo, size: u64) -> Result<(), Refused> {
    if !widths_for(image).contains(&width) {
        return Err(Refused::NotWanted { width });
    }
    if size > MAX_BYTES {
        return Err(Refused::TooManyBytes { width, size });
    }
    if copy.format != ImageFormat::Webp {
        return Err(Refused::NotWebp {
            width,
            format: copy.format,
        });
    }
    if copy.animated {
        return Err(Refused::Animated { width });
    }
    let original = image
        .dimensions
        .expect("widths_for names none without a size");
    let expected = Dimensions {
        width,
        height: height_at(original, width),
    };
    match copy.dimensions {
        Some(found) if found.width == width && found.height.abs_diff(expected.height) <= 1 => {
            Ok(())
        }
        found => Err(Refused::WrongSize {
            width,
            found: found.unwrap_or(Dimensions {
                width: 0,
                height: 0,
            }),
            expected,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(width: u32, height: u32) -> ImageInfo {
        ImageInfo {
            format: ImageFormat::Jpeg,
            dimensions: Some(Dimensions { width, height }),
            animated: false,
        }
    }

    fn webp(width: u32, height: u32) -> ImageInfo {
        ImageInfo {
            format: ImageFormat::Webp,
            ..photo(width, height)
        }
    }

    #[test]
    fn widths_stay_under_four_fifths_of_the_original() {
        assert_eq!(widths_for(&photo(4032, 3024)), vec![640, 960, 1280, 1920]);
        assert_eq!(widths_for(&photo(2400, 1600)), vec![640, 960, 1280]);
        // 1920 is exactly 80 % of 2400 wide: not made.
        assert_eq!(widths_for(&photo(2401, 1600)), vec![640, 960, 1280, 1920]);
        assert_eq!(widths_for(&photo(800, 600)), Vec::<u32>::new());
        assert_eq!(widths_for(&photo(801, 600)), vec![640]);
        // A tall narrow image is judged by its width, what srcset selects on.
        assert_eq!(widths_for(&photo(700, 5000)), Vec::<u32>::new());
    }

    #[test]
    fn none_for_animations_svg_or_unknown_sizes() {
        let animated = ImageInfo {
            animated: true,
            ..photo(4000, 3000)
        };
        assert!(widths_for(&animated).is_empty());
        let svg = ImageInfo {
            format: ImageFormat::Svg,
            dimensions: None,
            animated: false,
        };
        assert!(widths_for(&svg).is_empty());
        let sized_svg = ImageInfo {
            format: ImageFormat::Svg,
            ..photo(4000, 3000)
        };
        assert!(widths_for(&sized_svg).is_empty());
    }

    #[test]
    fn heights_keep_the_aspect_ratio() {
        let size = Dimensions {
            width: 4032,
            height: 3024,
        };
        assert_eq!(height_at(size, 640), 480);
        assert_eq!(height_at(size, 1920), 1440);
        let wide = Dimensions {
            width: 10000,
            height: 3,
        };
        assert_eq!(height_at(wide, 640), 1);
    }

    #[test]
    fn the_refusal_names_the_candidates() {
        let said = Refused::NotWanted { width: 700 }.to_string();
        let named: Vec<String> = CANDIDATES.iter().map(u32::to_string).collect();
        assert!(said.contains(&named[..3].join(", ")), "{said}");
        assert!(said.contains(&format!("and {}", named[3])), "{said}");
    }

    #[test]
    fn keys_name_their_image_and_width() {
        let key = key_for("2026-12-06/a.jpg", 960);
        assert_eq!(key, "2026-12-06/a.jpg@960w.webp");
        assert_eq!(image_key_of(&key), Some(("2026-12-06/a.jpg", 960)));
        assert_eq!(
            image_key_of("mail@host/b.png@640w.webp"),
            Some(("mail@host/b.png", 640))
        );
        for other in [
            "2026-12-06/a.jpg",
            "a.jpg@961w.webp",
            "a.jpg@0640w.webp",
            "a.jpg@+640w.webp",
            "a.jpg@640w.png",
            "a.jpg@640.webp",
            "@640w.webp",
            "a.jpg@640w.webp.thumb.webp",
        ] {
            assert_eq!(image_key_of(other), None, "{other}");
        }
    }

    #[test]
    fn the_column_round_trips_and_drops_junk() {
        assert_eq!(to_column(&[640, 960]), "640 960");
        assert_eq!(from_column("640 960"), vec![640, 960]);
        assert_eq!(from_column("1920 640 640 ../x 961"), vec![640, 1920]);
        assert_eq!(from_column(""), Vec::<u32>::new());
    }

    #[test]
    fn srcset_lists_the_widths_then_the_original() {
        assert_eq!(
            srcset("https://i.example/a.jpg", &[640, 960], 4032),
            "https://i.example/a.jpg@640w.webp 640w, https://i.example/a.jpg@960w.webp 960w, \
             https://i.example/a.jpg 4032w"
        );
        assert_eq!(
            srcset("https://i.example/a.jpg", &[], 500),
            "https://i.example/a.jpg 500w"
        );
    }

    #[test]
    fn a_width_must_be_wanted_webp_still_and_sized_as_declared() {
        let image = photo(4032, 3024);
        assert_eq!(check(&image, 640, &webp(640, 480), 30_000), Ok(()));
        assert_eq!(check(&image, 640, &webp(640, 481), 30_000), Ok(()));
        assert!(matches!(
            check(&image, 700, &webp(700, 525), 1),
            Err(Refused::NotWanted { width: 700 })
        ));
        assert!(matches!(
            check(&photo(1000, 750), 960, &webp(960, 720), 1),
            Err(Refused::NotWanted { .. })
        ));
        assert!(matches!(
            check(&image, 640, &webp(640, 480), MAX_BYTES + 1),
            Err(Refused::TooManyBytes { .. })
        ));
        assert!(matches!(
            check(&image, 640, &photo(640, 480), 1),
            Err(Refused::NotWebp { .. })
        ));
        let animated = ImageInfo {
            animated: true,
            ..webp(640, 480)
        };
        assert!(matches!(
            check(&image, 640, &animated, 1),
            Err(Refused::Animated { .. })
        ));
        for (w, h) in [(960, 720), (640, 400), (641, 480)] {
            assert!(
                matches!(
                    check(&image, 640, &webp(w, h), 1),
                    Err(Refused::WrongSize { .. })
                ),
                "{w} × {h}"
            );
        }
        assert_eq!(
            check(&image, 960, &webp(640, 480), 1)
                .unwrap_err()
                .to_string(),
            "The 960 px width is 640 × 480 pixels; it must be 960 × 720"
        );
    }
}
