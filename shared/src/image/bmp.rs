//! BMP and ICO: the size their headers state, and where every part of the
//! file lies, so that stripping knows what is picture and what is not.

use super::bytes::{u16_le, u32_be, u32_le, u8_at};
use super::{png, Dimensions};
use std::ops::Range;

pub(super) fn is_bmp(data: &[u8]) -> bool {
    data.starts_with(b"BM")
}

pub(super) fn bmp_header(data: &[u8]) -> Option<Dimensions> {
    match u32_le(data, 14)? {
        12 => Dimensions::new(u16_le(data, 18)?.into(), u16_le(data, 20)?.into()),
        40 | 52 | 56 | 64 | 108 | 124 => {
            let width = i32::try_from(u32_le(data, 18)?).ok()?;
            // Negative height means the rows are stored top-down.
            let height = (u32_le(data, 22)? as i32).unsigned_abs();
            Dimensions::new(u32::try_from(width).ok()?, height)
        }
        _ => None,
    }
}

pub(super) fn is_ico(data: &[u8]) -> bool {
    data.starts_with(&[0, 0, 1, 0]) && u16_le(data, 4).is_some_and(|count| count > 0)
}

/// Size of the first icon in the directory (0 in the header means 256).
pub(super) fn ico_header(data: &[u8]) -> Option<Dimensions> {
    let count = usize::from(u16_le(data, 4)?);
    if data.len() < 6 + 16 * count {
        return None;
    }
    let side = |at| u8_at(data, at).map(|v| if v == 0 { 256 } else { u32::from(v) });
    Dimensions::new(side(6)?, side(7)?)
}

/// How a bitmap's pixels are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pixels {
    /// Uncompressed rows, each padded to a multiple of 4 bytes.
    Rows,
    /// Run-length (or OS/2 Huffman) coded, as long as the header states.
    Coded,
    /// A whole JPEG or PNG file, as long as the header states.
    Jpeg,
    Png,
}

/// A bitmap's info header and what follows it, as offsets into the file.
pub(super) struct Dib {
    /// Just past the info header and the colour masks after it.
    pub header_end: usize,
    /// Just past the colour table (which a broken file may run into its
    /// pixels: nothing then lies between them).
    pub table_end: usize,
    pub pixels: Pixels,
    /// Bytes of pixels, an icon's transparency mask included.
    pub pixels_len: usize,
}

const HEADERS_CUT: &str = "the file ends inside its headers";

/// The info header at `at`. In an icon it states twice the height: the
/// colour rows, then as many rows of a 1-bit transparency mask.
pub(super) fn dib(data: &[u8], at: usize, icon: bool) -> Result<Dib, &'static str> {
    let size = u32_le(data, at).ok_or(HEADERS_CUT)?;
    if !matches!(size, 12 | 40 | 52 | 56 | 64 | 108 | 124) {
        return Err("its bitmap header is of an unknown kind");
    }
    let header_end = at + size as usize;
    if header_end > data.len() {
        return Err(HEADERS_CUT);
    }
    // Within the header: it is all there.
    let field16 = |offset| u32::from(u16_le(data, at + offset).unwrap_or_default());
    let field32 = |offset| u32_le(data, at + offset).unwrap_or_default();
    // An OS/2 header (12 bytes) has 16-bit sizes and 3-byte colours.
    let (width, height, bits, compression, colours, entry) = if size == 12 {
        (field16(4), field16(6), field16(10), 0, 0, 3)
    } else {
        let side = |offset| (field32(offset) as i32).unsigned_abs();
        (side(4), side(8), field16(14), field32(16), field32(32), 4)
    };
    // OS/2 2.x (64 bytes) numbers its Huffman and RLE24 codings 3 and 4.
    let os2 = size == 64;
    let (masks, pixels) = match compression {
        0 => (0, Pixels::Rows),
        3 | 6 if !os2 => {
            // After a 40-byte header: 3 colour masks, or 4 with alpha.
            let masks = if size != 40 {
                0
            } else if compression == 3 {
                12
            } else {
                16
            };
            (masks, Pixels::Rows)
        }
        4 if !os2 => (0, Pixels::Jpeg),
        5 if !os2 => (0, Pixels::Png),
        _ => (0, Pixels::Coded),
    };
    let rows = u64::from(if icon { height / 2 } else { height });
    let row_len = |bits: u32| (u64::from(width) * u64::from(bits)).div_ceil(32) * 4;
    let pixels_len = match pixels {
        Pixels::Rows => {
            let mask = if icon { row_len(1) * rows } else { 0 };
            (row_len(bits).saturating_mul(rows)).saturating_add(mask)
        }
        _ if field32(20) == 0 => return Err("the size of its compressed pixels is not stated"),
        _ => u64::from(field32(20)),
    };
    // A palette only below 16 bits a pixel, of at most one colour a value.
    let colours = match bits {
        1..=8 if colours == 0 || colours > 1 << bits => 1 << bits,
        1..=8 => colours,
        _ => 0,
    };
    let header_end = header_end + masks;
    Ok(Dib {
        header_end,
        table_end: header_end + (colours * entry) as usize,
        pixels,
        pixels_len: usize::try_from(pixels_len).unwrap_or(usize::MAX),
    })
}

/// Where the header fields that stripping rewrites lie in a BMP file.
pub(super) const FILE_SIZE: usize = 2;
pub(super) const PIXELS_SIZE: usize = 14 + 20;
pub(super) const COLOUR_SPACE: usize = 14 + 56;
/// The profile's offset from the start of the info header, and its size.
pub(super) const PROFILE_AT: usize = 14 + 112;
const PROFILE_SIZE: usize = 14 + 116;

/// The colour space of a BITMAPV5HEADER that names no profile.
pub(super) const SRGB: u32 = u32::from_be_bytes(*b"sRGB");
const PROFILE_EMBEDDED: u32 = u32::from_be_bytes(*b"MBED");
const PROFILE_LINKED: u32 = u32::from_be_bytes(*b"LINK");

/// Where the parts of a BMP file lie.
pub(super) struct Bmp {
    pub dib: Dib,
    /// The pixels, or as much of them as the file holds.
    pub pixels: Range<usize>,
    /// An embedded ICC profile wholly between the colour table and the
    /// pixels, or after the pixels.
    pub profile: Option<Range<usize>>,
    /// The header names a profile that is not kept: one linked by its path
    /// on the author's computer, or bytes that are no ICC profile.
    pub profile_dropped: bool,
}

/// The file header, the info header, and where its pixels lie.
pub(super) fn walk_bmp(data: &[u8]) -> Result<Bmp, &'static str> {
    if !is_bmp(data) {
        return Err("it does not start with a BMP signature");
    }
    let dib = dib(data, 14, false)?;
    let offset = u32_le(data, 10).ok_or(HEADERS_CUT)? as usize;
    if offset < dib.header_end {
        return Err("its pixels are said to start inside its headers");
    }
    if offset > data.len() {
        return Err("its pixels are said to start past the end of the file");
    }
    let pixels = offset..offset.saturating_add(dib.pixels_len).min(data.len());
    let v5 = u32_le(data, 14) == Some(124);
    let colour_space = u32_le(data, COLOUR_SPACE).filter(|_| v5);
    let named = matches!(colour_space, Some(PROFILE_EMBEDDED | PROFILE_LINKED));
    let profile = if colour_space == Some(PROFILE_EMBEDDED) {
        let field = |at| u32_le(data, at).unwrap_or_default() as usize;
        let start = 14usize.saturating_add(field(PROFILE_AT));
        let range = start..start.saturating_add(field(PROFILE_SIZE));
        let between = dib.table_end.min(offset) <= range.start && range.end <= offset;
        Some(range)
            .filter(|range| between || range.start >= pixels.end)
            .filter(|range| data.get(range.clone()).is_some_and(is_icc_profile))
    } else {
        None
    };
    Ok(Bmp {
        profile_dropped: named && profile.is_none(),
        dib,
        pixels,
        profile,
    })
}

/// An ICC profile's header: its own size, and its signature.
fn is_icc_profile(profile: &[u8]) -> bool {
    profile.len() >= 128
        && u32_be(profile, 0) == Some(profile.len() as u32)
        && &profile[36..40] == b"acsp"
}

/// One image of an icon file.
pub(super) struct Icon {
    /// All of a PNG; as much of a bitmap as its header accounts for.
    pub data: Range<usize>,
    pub png: bool,
}

/// Every image the directory lists. Each has to lie in the file after the
/// directory, and be a PNG or an uncompressed bitmap. (Images may overlap:
/// each is read on its own.)
pub(super) fn walk_ico(data: &[u8]) -> Result<Vec<Icon>, &'static str> {
    if !is_ico(data) {
        return Err("it does not start with an icon directory");
    }
    let count = usize::from(u16_le(data, 4).unwrap_or_default());
    let directory_end = 6 + 16 * count;
    if directory_end > data.len() {
        return Err("the file ends inside its directory");
    }
    let mut icons = Vec::with_capacity(count);
    for entry in (6..directory_end).step_by(16) {
        let field = |at| u32_le(data, entry + at).unwrap_or_default() as usize;
        let start = field(12);
        let range = start..start.saturating_add(field(8));
        if start < directory_end || range.end > data.len() {
            return Err("an icon lies outside the file");
        }
        let png = data[range.clone()].starts_with(png::SIGNATURE);
        let end = if png {
            range.end
        } else {
            let dib = dib(&data[..range.end], start, true)?;
            if dib.pixels != Pixels::Rows {
                return Err("an icon's bitmap is compressed");
            }
            dib.table_end.saturating_add(dib.pixels_len).min(range.end)
        };
        icons.push(Icon {
            data: start..end,
            png,
        });
    }
    Ok(icons)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::samples::{bmp_info, bmp_palette, set_u32};

    fn parts(dib: &Dib) -> (usize, usize, Pixels, usize) {
        (dib.header_end, dib.table_end, dib.pixels, dib.pixels_len)
    }

    #[test]
    fn rows_are_padded_to_four_bytes_and_an_icon_adds_its_mask() {
        // (width, bits, bytes a row)
        for (width, bits, row) in [
            (1, 1, 4),
            (32, 1, 4),
            (33, 1, 8),
            (7, 4, 4),
            (9, 4, 8),
            (5, 8, 8),
            (3, 16, 8),
            (3, 24, 12),
            (5, 24, 16),
            (1, 32, 4),
        ] {
            let table = if bits <= 8 { 4 << bits } else { 0 };
            for height in [3, -3] {
                let dib = dib(&bmp_info(40, width, height, bits), 0, false).unwrap();
                assert_eq!(parts(&dib), (40, 40 + table, Pixels::Rows, 3 * row));
            }
            // Six rows stated: three of colour, three of a 1-bit mask.
            let icon = dib(&bmp_info(40, width, 6, bits), 0, true).unwrap();
            let mask = (width as usize).div_ceil(32) * 4;
            assert_eq!(icon.pixels_len, 3 * row + 3 * mask, "{width} {bits}");
        }
    }

    #[test]
    fn colour_tables_and_masks_are_as_long_as_the_header_says() {
        let with = |size: u32, bits: u16, compression: u32, colours: u32| {
            let mut info = bmp_info(size, 4, 2, bits);
            if size > 12 {
                set_u32(&mut info, 16, compression);
                set_u32(&mut info, 20, 9); // a stated length
                set_u32(&mut info, 32, colours);
            }
            let dib = dib(&info, 0, false).unwrap();
            (dib.header_end, dib.table_end - dib.header_end, dib.pixels)
        };
        assert_eq!(with(12, 8, 0, 0), (12, 3 * 256, Pixels::Rows));
        assert_eq!(with(12, 24, 0, 0), (12, 0, Pixels::Rows));
        assert_eq!(with(40, 4, 0, 0), (40, 64, Pixels::Rows));
        assert_eq!(with(40, 4, 0, 3), (40, 12, Pixels::Rows));
        assert_eq!(with(40, 8, 0, 20), (40, 80, Pixels::Rows));
        // More colours than values, or a palette for true colour: unused.
        assert_eq!(with(40, 4, 0, 17), (40, 64, Pixels::Rows));
        assert_eq!(with(124, 24, 0, 5), (124, 0, Pixels::Rows));
        assert_eq!(with(40, 16, 3, 0), (52, 0, Pixels::Rows));
        assert_eq!(with(40, 32, 6, 0), (56, 0, Pixels::Rows));
        assert_eq!(with(56, 32, 3, 0), (56, 0, Pixels::Rows));
        assert_eq!(with(64, 24, 3, 0).2, Pixels::Coded);
        assert_eq!(with(108, 0, 4, 0).2, Pixels::Jpeg);
        assert_eq!(with(64, 24, 4, 0).2, Pixels::Coded);
        assert_eq!(with(124, 0, 5, 0).2, Pixels::Png);
        assert_eq!(with(64, 24, 5, 0).2, Pixels::Coded);
        assert_eq!(with(40, 8, 1, 0), (40, 1024, Pixels::Coded));
        // Compressed pixels are as long as stated, and must be stated.
        let mut rle = [bmp_info(40, 4, 2, 8), bmp_palette(40, 8)].concat();
        set_u32(&mut rle, 16, 2);
        assert!(dib(&rle, 0, false).is_err());
        set_u32(&mut rle, 20, 77);
        assert_eq!(dib(&rle, 0, false).unwrap().pixels_len, 77);
    }

    #[test]
    fn headers_of_unknown_kinds_or_cut_short_are_refused() {
        let info = bmp_info(108, 4, 2, 24);
        assert!(dib(&info[..107], 0, false).is_err());
        assert!(dib(&info, 1, false).is_err());
        let mut unknown = info.clone();
        set_u32(&mut unknown, 0, 100);
        assert!(dib(&unknown, 0, false).is_err());
        // Huge sizes saturate instead of overflowing.
        let huge = bmp_info(40, i32::MAX, i32::MIN, u16::MAX);
        assert_eq!(dib(&huge, 0, false).unwrap().pixels_len, usize::MAX);
    }
}
