//! Removing location, camera and other personal metadata from JPEG, PNG,
//! WebP, GIF, AVIF, BMP and ICO files without touching the pixels. What a
//! browser needs to show the picture as intended stays: colour profiles,
//! transparency, animation, and the orientation (rewritten as the only EXIF
//! field). Bytes after the picture go. A file whose structure cannot be
//! followed to its end is refused: metadata could hide in what was not read.

use super::{bmp, exif, gif, isobmff, jpeg, png, webp, ImageFormat};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// Why a file's metadata could not be removed with certainty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StripError {
    pub format: ImageFormat,
    /// What could not be read, in plain words.
    pub reason: &'static str,
}

impl fmt::Display for StripError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "The {}'s structure could not be fully read ({}), so its metadata cannot be removed safely",
            self.format.name(),
            self.reason
        )
    }
}

impl std::error::Error for StripError {}

/// What stripping found: nothing to change, or the file without its metadata.
type Stripped = Result<Option<Vec<u8>>, &'static str>;

/// The file without its personal metadata; borrowed when there was none.
pub fn strip_metadata(format: ImageFormat, data: &[u8]) -> Result<Cow<'_, [u8]>, StripError> {
    let stripped = match format {
        ImageFormat::Jpeg => strip_jpeg(data),
        ImageFormat::Png => strip_png(data),
        ImageFormat::Webp => strip_webp(data),
        ImageFormat::Gif => strip_gif(data),
        ImageFormat::Avif => strip_isobmff(data),
        ImageFormat::Bmp => strip_bmp(data),
        ImageFormat::Ico => strip_ico(data),
        ImageFormat::Svg => Ok(None),
    };
    borrowed_unless_changed(format, data, stripped)
}

/// A JPEG whose pixels are already turned as they are shown (decoded from
/// a HEIC photo, whose rotation the decoder applied) without its metadata
/// and without an orientation, which would turn it a second time.
pub fn strip_upright_jpeg(data: &[u8]) -> Result<Cow<'_, [u8]>, StripError> {
    borrowed_unless_changed(ImageFormat::Jpeg, data, strip_jpeg_with(data, false))
}

fn borrowed_unless_changed(
    format: ImageFormat,
    data: &[u8],
    stripped: Stripped,
) -> Result<Cow<'_, [u8]>, StripError> {
    match stripped {
        Ok(stripped) => Ok(stripped.map_or(Cow::Borrowed(data), Cow::Owned)),
        Err(reason) => Err(StripError { format, reason }),
    }
}

const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;
const COM: u8 = 0xFE;

/// Every APPn segment (EXIF, XMP, IPTC, maker notes, the multi-picture
/// index) and every comment, except the JFIF header, ICC profiles and the
/// Adobe colour transform.
fn is_personal_jpeg_segment(data: &[u8], segment: &jpeg::Segment) -> bool {
    let payload = &data[segment.payload..segment.end];
    match segment.marker {
        COM => true,
        APP0 => !payload.starts_with(b"JFIF\0"),
        APP2 => !payload.starts_with(b"ICC_PROFILE\0"),
        APP14 => !payload.starts_with(b"Adobe"),
        marker => (APP0..=APP15).contains(&marker),
    }
}

fn strip_jpeg(data: &[u8]) -> Stripped {
    strip_jpeg_with(data, true)
}

fn strip_jpeg_with(data: &[u8], keep_orientation: bool) -> Stripped {
    // Anything after the end of the main picture is dropped: further
    // pictures the multi-picture index listed, a motion photo's video.
    let walk = jpeg::walk(data)?;
    let personal = |segment: &jpeg::Segment| is_personal_jpeg_segment(data, segment);
    if walk.end == data.len() && !walk.segments.iter().any(personal) {
        return Ok(None);
    }
    let orientation = walk
        .segments
        .iter()
        .filter(|s| s.marker == APP1)
        .find_map(|s| {
            data[s.payload..s.end]
                .strip_prefix(b"Exif\0\0")
                .and_then(exif::orientation)
        })
        .filter(|o| keep_orientation && *o != 1);
    let mut out = Vec::with_capacity(walk.end);
    out.extend_from_slice(&data[..2]); // SOI
    let mut orientation_written = orientation.is_none();
    let mut copied = 2;
    for segment in &walk.segments {
        // Between segments lies only the entropy-coded data of a scan.
        out.extend_from_slice(&data[copied..segment.start]);
        // After the JFIF header, which has to come first.
        if !orientation_written && segment.marker != APP0 && !personal(segment) {
            write_jpeg_orientation(&mut out, orientation.unwrap_or(1));
            orientation_written = true;
        }
        if !personal(segment) {
            out.extend_from_slice(&data[segment.start..segment.end]);
        }
        copied = segment.end;
    }
    out.extend_from_slice(&data[copied..walk.end]);
    Ok(Some(out))
}

fn write_jpeg_orientation(out: &mut Vec<u8>, orientation: u16) {
    let tiff = exif::orientation_only(orientation);
    out.extend_from_slice(&[0xFF, APP1]);
    out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
}

/// Chunks a PNG needs to display as intended; every other ancillary chunk
/// (text, EXIF, time, private chunks) goes.
const PNG_KEPT: [&[u8; 4]; 19] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCV", b"cLLI", b"hIST",
];

fn png_kept(kind: &[u8; 4]) -> bool {
    PNG_KEPT.contains(&kind)
}

fn strip_png(data: &[u8]) -> Stripped {
    let chunks = png::walk(data)?;
    let end = chunks
        .last()
        .map_or(png::SIGNATURE.len(), |chunk| chunk.end);
    if end == data.len() && chunks.iter().all(|chunk| png_kept(&chunk.kind)) {
        return Ok(None);
    }
    let mut orientation = chunks
        .iter()
        .find(|chunk| &chunk.kind == b"eXIf")
        .and_then(|chunk| exif::orientation(&data[chunk.start + 8..chunk.end - 4]))
        .filter(|o| *o != 1);
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(png::SIGNATURE);
    for chunk in &chunks {
        if &chunk.kind == b"IDAT" {
            if let Some(orientation) = orientation.take() {
                write_png_chunk(&mut out, b"eXIf", &exif::orientation_only(orientation));
            }
        }
        if png_kept(&chunk.kind) {
            out.extend_from_slice(&data[chunk.start..chunk.end]);
        }
    }
    Ok(Some(out))
}

fn write_png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    let crc = crc32(kind.iter().chain(payload));
    out.extend_from_slice(&crc.to_be_bytes());
}

/// The CRC-32 PNG chunks end with. Bit by bit: it only ever covers the few
/// bytes of the orientation chunk, so a table would be dead weight.
fn crc32<'a>(bytes: impl IntoIterator<Item = &'a u8>) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;
const WEBP_KEPT: [&[u8; 4]; 7] = [
    b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];
const WEBP_FRAME_KEPT: [&[u8; 4]; 3] = [b"VP8 ", b"VP8L", b"ALPH"];

fn strip_webp(data: &[u8]) -> Stripped {
    let body = webp::riff_body(data)?;
    let chunks = webp::walk(data, body.clone())?;
    for frame in chunks.iter().filter(|chunk| &chunk.kind == b"ANMF") {
        // A frame's header (16 bytes), then its image's chunks; anything
        // else there would have to be cut out of the frame.
        let frame_end = frame.payload + frame.len;
        let frame_data = (frame.payload + 16).min(frame_end)..frame_end;
        if !webp::walk(data, frame_data)?
            .iter()
            .all(|chunk| WEBP_FRAME_KEPT.contains(&&chunk.kind))
        {
            return Err("an animation frame holds data other than its image");
        }
    }
    if body.end == data.len() && chunks.iter().all(|chunk| WEBP_KEPT.contains(&&chunk.kind)) {
        return Ok(None);
    }
    let orientation = chunks
        .iter()
        .find(|chunk| &chunk.kind == b"EXIF")
        .and_then(|chunk| {
            let exif = &data[chunk.payload..chunk.payload + chunk.len];
            exif::orientation(exif.strip_prefix(b"Exif\0\0").unwrap_or(exif))
        })
        .filter(|o| *o != 1);
    let mut out = Vec::with_capacity(body.end);
    out.extend_from_slice(&data[..12]); // RIFF, size (fixed below), WEBP
    for chunk in &chunks {
        if !WEBP_KEPT.contains(&&chunk.kind) {
            continue;
        }
        let start = out.len();
        out.extend_from_slice(&data[chunk.start..chunk.end]);
        // The flags byte follows the chunk header (absent if the chunk is empty).
        if let (b"VP8X", Some(flags)) = (&chunk.kind, out.get_mut(start + 8)) {
            *flags &= !(VP8X_EXIF | VP8X_XMP);
            if orientation.is_some() {
                *flags |= VP8X_EXIF;
            }
        }
    }
    if let Some(orientation) = orientation {
        let tiff = exif::orientation_only(orientation);
        out.extend_from_slice(b"EXIF");
        out.extend_from_slice(&(tiff.len() as u32).to_le_bytes());
        out.extend_from_slice(&tiff); // even length: no padding byte
    }
    let riff_size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Ok(Some(out))
}

/// Whether a WebP shows as stored: no EXIF orientation but 1 (the one
/// tag `strip_metadata` keeps). `false` when its chunks cannot be walked:
/// then nothing is sure.
pub fn is_upright_webp(data: &[u8]) -> bool {
    let Ok(body) = webp::riff_body(data) else {
        return false;
    };
    let Ok(chunks) = webp::walk(data, body) else {
        return false;
    };
    chunks
        .iter()
        .filter(|chunk| &chunk.kind == b"EXIF")
        .all(|chunk| {
            let exif = &data[chunk.payload..chunk.payload + chunk.len];
            exif::orientation(exif.strip_prefix(b"Exif\0\0").unwrap_or(exif)).unwrap_or(1) == 1
        })
}

const GIF_GRAPHIC_CONTROL: u8 = 0xF9;
const GIF_APPLICATION: u8 = 0xFF;

/// Comments, plain text, unknown extensions and application extensions
/// (XMP and others) go; images, their graphic control (timing,
/// transparency) and the looping extension stay.
fn is_personal_gif_block(data: &[u8], block: &gif::Block) -> bool {
    let bytes = &data[block.start..block.end];
    match block.label {
        None | Some(GIF_GRAPHIC_CONTROL) => false,
        Some(GIF_APPLICATION) => !is_gif_looping(bytes),
        Some(_) => true,
    }
}

/// The looping extension exactly as browsers read it, with no room for
/// anything else: identifier, then one sub-block with the loop count.
fn is_gif_looping(block: &[u8]) -> bool {
    let data = &block[2..];
    block.len() == 19
        && (data.starts_with(b"\x0bNETSCAPE2.0\x03\x01")
            || data.starts_with(b"\x0bANIMEXTS1.0\x03\x01"))
}

fn strip_gif(data: &[u8]) -> Stripped {
    let walk = gif::walk(data)?;
    // Four bytes of timing and transparency: a longer graphic control block
    // would carry data that no decoder reads.
    let odd_control = |b: &gif::Block| b.label == Some(GIF_GRAPHIC_CONTROL) && b.end - b.start != 8;
    if walk.blocks.iter().any(odd_control) {
        return Err("a graphic control block is not of the standard size");
    }
    let personal = |block: &gif::Block| is_personal_gif_block(data, block);
    if walk.end == data.len() && !walk.blocks.iter().any(personal) {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(walk.end);
    out.extend_from_slice(&data[..walk.header_end]);
    for block in walk.blocks.iter().filter(|block| !personal(block)) {
        out.extend_from_slice(&data[block.start..block.end]);
    }
    let trailer = walk
        .blocks
        .last()
        .map_or(walk.header_end, |block| block.end);
    out.extend_from_slice(&data[trailer..walk.end]);
    Ok(Some(out))
}

/// AVIF (and HEIF): the Exif and XMP items are blanked where they lie, and
/// every box the picture is not shown from becomes a `free` box of zeros,
/// each of the same length, so that no offset in the file changes.
fn strip_isobmff(data: &[u8]) -> Stripped {
    let blanks = isobmff::blanks(data)?;
    let zeros = |range: &Range<usize>| data[range.clone()].iter().all(|byte| *byte == 0);
    let free = |at: &usize| &data[*at..*at + 4] == b"free";
    if blanks.zeros.iter().all(zeros) && blanks.freed.iter().all(free) {
        return Ok(None);
    }
    let mut out = data.to_vec();
    for range in blanks.zeros {
        out[range].fill(0);
    }
    for at in blanks.freed {
        out[at..at + 4].copy_from_slice(b"free");
    }
    Ok(Some(out))
}

/// BMP: the pixels end where the header's size and depth say (or the
/// stated length of compressed ones); after them only an embedded colour
/// profile stays. Between the headers and the pixels, whatever is not the
/// palette or that profile becomes zeros, so no offset changes. A JPEG or
/// PNG stored as the pixels is stripped as such.
fn strip_bmp(data: &[u8]) -> Stripped {
    let walk = bmp::walk_bmp(data)?;
    let pixels = &data[walk.pixels.clone()];
    let embedded = match walk.dib.pixels {
        bmp::Pixels::Jpeg => strip_jpeg(pixels)?,
        bmp::Pixels::Png => strip_png(pixels)?,
        _ => None,
    };
    let mut out = data[..walk.pixels.start].to_vec();
    out[walk.dib.table_end.min(walk.pixels.start)..].fill(0);
    // No profile: 0..0, which copies nothing here and is never after the pixels.
    let profile = walk.profile.unwrap_or_default();
    if profile.end <= walk.pixels.start {
        out[profile.clone()].copy_from_slice(&data[profile.clone()]);
    }
    if let Some(embedded) = &embedded {
        put_u32_le(&mut out, bmp::PIXELS_SIZE, embedded.len());
    }
    out.extend_from_slice(embedded.as_deref().unwrap_or(pixels));
    if profile.start >= walk.pixels.end {
        let at = out.len() - 14;
        put_u32_le(&mut out, bmp::PROFILE_AT, at);
        out.extend_from_slice(&data[profile]);
    }
    if walk.profile_dropped {
        put_u32_le(&mut out, bmp::COLOUR_SPACE, bmp::SRGB as usize);
        out[bmp::PROFILE_AT..bmp::PROFILE_AT + 8].fill(0);
    }
    let size = out.len();
    put_u32_le(&mut out, bmp::FILE_SIZE, size);
    out[6..10].fill(0); // reserved
    Ok((out != data).then_some(out))
}

/// ICO: rebuilt from its directory, image after image: PNGs stripped like
/// PNG files, bitmaps cut where their header says they end, with sizes and
/// offsets to match. Gaps and anything after the last image go.
fn strip_ico(data: &[u8]) -> Stripped {
    let icons = bmp::walk_ico(data)?;
    let mut out = data[..6 + 16 * icons.len()].to_vec();
    for (entry, icon) in (6..).step_by(16).zip(&icons) {
        let image = &data[icon.data.clone()];
        let stripped = if icon.png { strip_png(image)? } else { None };
        let image = stripped.as_deref().unwrap_or(image);
        // Only images listed more than once can add up to more than the file.
        if out.len() + image.len() > data.len() {
            return Err("its images overlap");
        }
        put_u32_le(&mut out, entry + 8, image.len());
        let at = out.len();
        put_u32_le(&mut out, entry + 12, at);
        out.extend_from_slice(image);
    }
    Ok((out != data).then_some(out))
}

/// Sizes and offsets in BMP and ICO headers; files are far below 4 GiB.
fn put_u32_le(out: &mut [u8], at: usize, value: usize) {
    out[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes());
}

#[cfg(test)]
mod tests;
