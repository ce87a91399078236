//! Removing location, camera and other personal metadata from JPEG, PNG and
//! WebP files without touching the pixels. What a browser needs to show the
//! picture as intended stays: colour profiles, transparency, animation, and
//! the orientation (rewritten as the only EXIF field).

use super::{exif, jpeg, png, webp, ImageFormat};
use std::borrow::Cow;

/// The file without its personal metadata; borrowed when there was none.
pub fn strip_metadata(format: ImageFormat, data: &[u8]) -> Cow<'_, [u8]> {
    let stripped = match format {
        ImageFormat::Jpeg => strip_jpeg(data),
        ImageFormat::Png => strip_png(data),
        ImageFormat::Webp => strip_webp(data),
        _ => None,
    };
    stripped.map_or(Cow::Borrowed(data), Cow::Owned)
}

const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;

/// APP1 (EXIF, XMP), APP13 (IPTC), maker notes in other APPn, comments,
/// and the multi-picture index (the pictures it lists, which have metadata
/// of their own, are cut off with everything after the main picture).
/// APP0 (JFIF), APP2 ICC profiles and APP14 (Adobe colour transform) stay.
fn is_personal_jpeg_segment(data: &[u8], segment: &jpeg::Segment) -> bool {
    match segment.marker {
        COM => true,
        APP2 => data[segment.payload..segment.end].starts_with(b"MPF\0"),
        APP0 | APP14 => false,
        marker => (0xE0..=0xEF).contains(&marker),
    }
}

fn strip_jpeg(data: &[u8]) -> Option<Vec<u8>> {
    let segments: Vec<jpeg::Segment> = jpeg::segments(data).collect();
    // What follows the header segments is copied: from the start of scan to
    // the end of the main picture, dropping anything appended after it
    // (further pictures, a motion photo's video). If the walk stopped on
    // something it could not read, the rest is kept as it is.
    let (body, body_end) = match segments.iter().find(|s| s.marker == jpeg::SOS) {
        Some(sos) => (
            sos.end,
            jpeg::end_of_image(data, sos.end).unwrap_or(data.len()),
        ),
        None => (segments.last().map_or(2, |s| s.end), data.len()),
    };
    let personal = |segment: &jpeg::Segment| is_personal_jpeg_segment(data, segment);
    if body_end == data.len() && !segments.iter().any(personal) {
        return None;
    }
    let orientation = segments
        .iter()
        .filter(|s| s.marker == APP1)
        .find_map(|s| {
            data[s.payload..s.end]
                .strip_prefix(b"Exif\0\0")
                .and_then(exif::orientation)
        })
        .filter(|o| *o != 1);
    let mut out = Vec::with_capacity(body_end);
    out.extend_from_slice(&data[..2]); // SOI
    let mut orientation_written = orientation.is_none();
    for segment in &segments {
        if !orientation_written && segment.marker != APP0 {
            let tiff = exif::orientation_only(orientation.unwrap_or(1));
            out.extend_from_slice(&[0xFF, APP1]);
            out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
            out.extend_from_slice(b"Exif\0\0");
            out.extend_from_slice(&tiff);
            orientation_written = true;
        }
        if !personal(segment) {
            out.extend_from_slice(&data[segment.start..segment.end]);
        }
    }
    out.extend_from_slice(&data[body..body_end]);
    Some(out)
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

fn strip_png(data: &[u8]) -> Option<Vec<u8>> {
    let chunks: Vec<png::Chunk> = png::chunks(data).collect();
    if chunks.iter().all(|chunk| png_kept(&chunk.kind)) {
        return None;
    }
    let mut orientation = chunks
        .iter()
        .find(|chunk| &chunk.kind == b"eXIf")
        .and_then(|chunk| exif::orientation(&data[chunk.start + 8..chunk.end - 4]))
        .filter(|o| *o != 1);
    let mut out = Vec::with_capacity(data.len());
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
    // Anything after the last whole chunk (normally nothing) is dropped.
    Some(out)
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

fn strip_webp(data: &[u8]) -> Option<Vec<u8>> {
    let chunks: Vec<webp::Chunk> = webp::chunks(data).collect();
    if chunks.iter().all(|chunk| WEBP_KEPT.contains(&&chunk.kind)) {
        return None;
    }
    let orientation = chunks
        .iter()
        .find(|chunk| &chunk.kind == b"EXIF")
        .and_then(|chunk| {
            let exif = &data[chunk.payload..chunk.end.min(data.len())];
            exif::orientation(exif.strip_prefix(b"Exif\0\0").unwrap_or(exif))
        })
        .filter(|o| *o != 1);
    let mut out = Vec::with_capacity(data.len());
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
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::detect;
    use crate::image::exif::tests::camera_exif;

    const ROCKET_JPG: &[u8] = include_bytes!("../../../tests/fixtures/rocket.jpg");
    const TEXT_PNG: &[u8] = include_bytes!("../../../tests/fixtures/text.png");

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }

    fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut segment = vec![0xFF, marker];
        segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        segment.extend_from_slice(payload);
        segment
    }

    /// rocket.jpg with camera EXIF (GPS, serial, orientation 6), XMP, IPTC,
    /// a comment and an ICC profile, inserted after its JFIF segment.
    fn camera_jpeg() -> Vec<u8> {
        let jfif_end = 2 + 2 + usize::from(u16::from_be_bytes([ROCKET_JPG[4], ROCKET_JPG[5]]));
        let exif = [b"Exif\0\0".as_slice(), &camera_exif(6)].concat();
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>52,31N</exif:GPSLatitude></x:xmpmeta>";
        [
            &ROCKET_JPG[..jfif_end],
            &jpeg_segment(APP1, &exif),
            &jpeg_segment(APP2, b"ICC_PROFILE\0\x01\x01fake-profile"),
            &jpeg_segment(APP1, xmp),
            &jpeg_segment(0xED, b"Photoshop 3.0\0IPTC city=Amsterdam"),
            &jpeg_segment(COM, b"shot at home"),
            &ROCKET_JPG[jfif_end..],
        ]
        .concat()
    }

    #[test]
    fn jpeg_loses_location_and_serial_but_keeps_orientation_profile_and_pixels() {
        let original = camera_jpeg();
        let stripped = strip_metadata(ImageFormat::Jpeg, &original);
        for personal in [
            &b"SN12345678"[..],
            b"Canon",
            b"GPSLatitude",
            b"Amsterdam",
            b"shot at home",
        ] {
            assert!(contains(&original, personal));
            assert!(
                !contains(&stripped, personal),
                "{}",
                String::from_utf8_lossy(personal)
            );
        }
        assert!(contains(&stripped, b"ICC_PROFILE\0\x01\x01fake-profile"));
        let exif = jpeg::segments(&stripped)
            .find(|s| s.marker == APP1)
            .map(|s| stripped[s.payload + 6..s.end].to_vec())
            .unwrap();
        assert_eq!(exif::orientation(&exif), Some(6));
        // Same picture: the entropy-coded data is untouched.
        let scan = |data: &[u8]| {
            data[jpeg::segments(data)
                .find(|s| s.marker == jpeg::SOS)
                .unwrap()
                .start..]
                .to_vec()
        };
        assert!(scan(&stripped) == scan(&original));
        assert_eq!(
            detect(&stripped).unwrap().dimensions,
            detect(&original).unwrap().dimensions
        );
    }

    /// rocket.jpg without its one comment segment: JFIF, ICC and pixels.
    fn plain_jpeg() -> Vec<u8> {
        let comment = jpeg::segments(ROCKET_JPG)
            .find(|s| s.marker == COM)
            .unwrap();
        [&ROCKET_JPG[..comment.start], &ROCKET_JPG[comment.end..]].concat()
    }

    #[test]
    fn jpeg_comments_go_and_clean_jpegs_are_returned_as_is() {
        let stripped = strip_metadata(ImageFormat::Jpeg, ROCKET_JPG);
        assert!(*stripped == *plain_jpeg());
        let plain = plain_jpeg();
        assert!(matches!(
            strip_metadata(ImageFormat::Jpeg, &plain),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn anything_after_the_main_picture_is_cut_off() {
        // A motion photo's video (with its own location) after the picture,
        // and a multi-picture index that pointed at a second picture.
        let plain = plain_jpeg();
        let video = b"\0\0\0\x18ftypmp42....\xa9xyz+52.37+004.89/";
        let mpf = jpeg_segment(APP2, b"MPF\0II*\0offsets");
        let original = [&plain[..2], &mpf, &plain[2..], video].concat();
        let stripped = strip_metadata(ImageFormat::Jpeg, &original);
        assert!(*stripped == *plain);
        assert!(stripped.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn segments_before_unreadable_bytes_are_still_stripped() {
        // Junk where a marker should be stops the segment walk before the
        // scan; the EXIF before it must go all the same.
        let exif = [b"Exif\0\0".as_slice(), &camera_exif(1)].concat();
        let plain = plain_jpeg();
        let original = [
            &plain[..2],
            &jpeg_segment(APP1, &exif),
            b"junk",
            &plain[2..],
        ]
        .concat();
        let stripped = strip_metadata(ImageFormat::Jpeg, &original);
        assert!(!contains(&stripped, b"SN12345678"));
        assert!(stripped.ends_with(&plain[2..]));
    }

    #[test]
    fn upright_jpeg_gets_no_exif_at_all() {
        let exif = [b"Exif\0\0".as_slice(), &camera_exif(1)].concat();
        let plain = plain_jpeg();
        let original = [&plain[..2], &jpeg_segment(APP1, &exif), &plain[2..]].concat();
        let stripped = strip_metadata(ImageFormat::Jpeg, &original);
        assert!(*stripped == *plain);
    }

    fn png_chunk(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_png_chunk(&mut out, kind, payload);
        out
    }

    #[test]
    fn png_loses_text_and_exif_but_keeps_orientation_and_profile() {
        let ihdr_end = 8 + 25;
        let original = [
            &TEXT_PNG[..ihdr_end],
            &png_chunk(b"iCCP", b"profile\0\0compressed"),
            &png_chunk(b"eXIf", &camera_exif(3)),
            &png_chunk(b"tEXt", b"Author\0Jane Doe"),
            &png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<GPSLatitude/>"),
            &TEXT_PNG[ihdr_end..],
        ]
        .concat();
        let stripped = strip_metadata(ImageFormat::Png, &original);
        for personal in [&b"Jane Doe"[..], b"GPSLatitude", b"SN12345678"] {
            assert!(
                !contains(&stripped, personal),
                "{}",
                String::from_utf8_lossy(personal)
            );
        }
        assert!(contains(&stripped, b"profile\0\0compressed"));
        let exif = png::chunks(&stripped).find(|c| &c.kind == b"eXIf").unwrap();
        assert_eq!(
            exif::orientation(&stripped[exif.start + 8..exif.end - 4]),
            Some(3)
        );
        let idat = |data: &[u8]| -> Vec<u8> {
            png::chunks(data)
                .filter(|c| &c.kind == b"IDAT")
                .flat_map(|c| data[c.start..c.end].to_vec())
                .collect()
        };
        assert!(idat(&stripped) == idat(&original));
        // Every chunk's CRC is valid, including the written eXIf.
        for chunk in png::chunks(&stripped) {
            let crc = crc32(&stripped[chunk.start + 4..chunk.end - 4]);
            assert_eq!(crc.to_be_bytes(), stripped[chunk.end - 4..chunk.end]);
        }
        assert_eq!(
            detect(&stripped).unwrap().dimensions,
            detect(TEXT_PNG).unwrap().dimensions
        );
    }

    fn riff_chunk(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = kind.to_vec();
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            out.push(0);
        }
        out
    }

    fn webp(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        [
            b"RIFF".as_slice(),
            &((body.len() + 4) as u32).to_le_bytes(),
            b"WEBP",
            &body,
        ]
        .concat()
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_its_header_stays_consistent() {
        let vp8x = riff_chunk(
            b"VP8X",
            &[0x20 | VP8X_EXIF | VP8X_XMP, 0, 0, 0, 9, 0, 0, 9, 0, 0],
        );
        let image = riff_chunk(b"VP8L", &[0x2F, 9, 64, 2, 0, 0]);
        let original = webp(&[
            vp8x,
            riff_chunk(b"ICCP", b"profile"),
            image.clone(),
            riff_chunk(b"EXIF", &camera_exif(8)),
            riff_chunk(b"XMP ", b"<GPSLatitude/>"),
        ]);
        let stripped = strip_metadata(ImageFormat::Webp, &original);
        assert!(!contains(&stripped, b"GPSLatitude"));
        assert!(!contains(&stripped, b"SN12345678"));
        assert!(contains(&stripped, b"profile"));
        assert!(contains(&stripped, &image));
        let size = u32::from_le_bytes(stripped[4..8].try_into().unwrap()) as usize;
        assert_eq!(size, stripped.len() - 8);
        let flags = stripped[20];
        assert_eq!(flags & VP8X_XMP, 0);
        assert_eq!(flags & VP8X_EXIF, VP8X_EXIF);
        let exif = webp::chunks(&stripped)
            .find(|c| &c.kind == b"EXIF")
            .unwrap();
        assert_eq!(
            exif::orientation(&stripped[exif.payload..exif.end]),
            Some(8)
        );
        assert_eq!(webp::chunks(&stripped).count(), 4);
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        // text.png's IHDR chunk, as its encoder wrote it.
        assert_eq!(crc32(&TEXT_PNG[12..29]).to_be_bytes(), TEXT_PNG[29..33]);
    }

    #[test]
    fn an_empty_extended_header_chunk_is_no_crash() {
        // Found by fuzzing: a second, empty VP8X chunk.
        let image = riff_chunk(b"VP8L", &[0x2F, 9, 64, 2, 0, 0]);
        let vp8x = riff_chunk(b"VP8X", &[0x08, 0, 0, 0, 9, 0, 0, 9, 0, 0]);
        let data = webp(&[
            vp8x,
            riff_chunk(b"VP8X", b""),
            image,
            riff_chunk(b"EXIF", b"x"),
        ]);
        let stripped = strip_metadata(ImageFormat::Webp, &data);
        assert!(!contains(&stripped, b"EXIF"));
    }

    #[test]
    fn other_formats_and_damaged_files_pass_through() {
        let gif = include_bytes!("../../../tests/fixtures/no_time_for_that_tiny.gif");
        assert!(matches!(
            strip_metadata(ImageFormat::Gif, gif),
            Cow::Borrowed(_)
        ));
        for len in 0..600 {
            let _ = strip_metadata(ImageFormat::Jpeg, &camera_jpeg()[..len]);
            let _ = strip_metadata(ImageFormat::Png, &TEXT_PNG[..len]);
        }
    }
}
