use super::isobmff::Brand;
use super::{bmp, gif, isobmff, jpeg, png, svg, webp, Dimensions, ImageFormat};
use std::fmt;

/// What the bytes of an accepted image say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    /// `None` where the format keeps no size in its header (SVG).
    pub dimensions: Option<Dimensions>,
    /// More than one frame (GIF, APNG, animated WebP, AVIF sequence).
    pub animated: bool,
}

/// Why bytes are not an image imghost accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    Empty,
    /// Starts like this image format, but its header does not parse.
    Damaged(ImageFormat),
    /// Something else; the text says what it looks like.
    NotAnImage(&'static str),
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "The file is empty"),
            Self::Damaged(format) => write!(
                f,
                "The file starts like a {} image but its header is damaged or cut short",
                format.name()
            ),
            Self::NotAnImage(what) => write!(
                f,
                "Only images can be uploaded (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO); this file looks like {what}"
            ),
        }
    }
}

/// Recognises an image from its first bytes and parses its header.
pub fn detect(data: &[u8]) -> Result<ImageInfo, Rejected> {
    if data.is_empty() {
        return Err(Rejected::Empty);
    }
    let format = sniff_image(data).ok_or_else(|| Rejected::NotAnImage(describe_other(data)))?;
    let damaged = Rejected::Damaged(format);
    let (dimensions, animated) = match format {
        ImageFormat::Png => png::header(data).map(|(d, a)| (Some(d), a)),
        ImageFormat::Jpeg => jpeg::header(data).map(|d| (Some(d), false)),
        ImageFormat::Gif => gif::header(data).map(|(d, a)| (Some(d), a)),
        ImageFormat::Webp => webp::header(data).map(|(d, a)| (Some(d), a)),
        ImageFormat::Avif => {
            let sequence = isobmff::brand(data) == Some(Brand::Avif { sequence: true });
            isobmff::dimensions(data).map(|d| (Some(d), sequence))
        }
        ImageFormat::Bmp => bmp::bmp_header(data).map(|d| (Some(d), false)),
        ImageFormat::Ico => bmp::ico_header(data).map(|d| (Some(d), false)),
        ImageFormat::Svg => Some((None, false)),
    }
    .ok_or(damaged)?;
    Ok(ImageInfo {
        format,
        dimensions,
        animated,
    })
}

/// A HEIC/HEIF photo (the iPhone camera's default). Not accepted as it is:
/// most browsers cannot show it, so the command line tool converts it first.
pub fn is_heif(data: &[u8]) -> bool {
    isobmff::brand(data) == Some(Brand::Heif)
}

fn sniff_image(data: &[u8]) -> Option<ImageFormat> {
    Some(if data.starts_with(png::SIGNATURE) {
        ImageFormat::Png
    } else if data.starts_with(jpeg::SIGNATURE) {
        ImageFormat::Jpeg
    } else if gif::is_gif(data) {
        ImageFormat::Gif
    } else if webp::is_webp(data) {
        ImageFormat::Webp
    } else if matches!(isobmff::brand(data), Some(Brand::Avif { .. })) {
        ImageFormat::Avif
    } else if bmp::is_bmp(data) {
        ImageFormat::Bmp
    } else if bmp::is_ico(data) {
        ImageFormat::Ico
    } else if svg::is_svg(data) {
        ImageFormat::Svg
    } else {
        return None;
    })
}

/// A short description of a file that is not an accepted image, for the
/// error message.
fn describe_other(data: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF-", "a PDF document (application/pdf)"),
        (
            b"PK\x03\x04",
            "a ZIP archive or Office document (application/zip)",
        ),
        (b"\x1f\x8b", "gzip-compressed data (application/gzip)"),
        (b"Rar!\x1a\x07", "a RAR archive (application/vnd.rar)"),
        (
            b"7z\xbc\xaf\x27\x1c",
            "a 7-Zip archive (application/x-7z-compressed)",
        ),
        (b"\x7fELF", "a Linux program (application/x-executable)"),
        (b"MZ", "a Windows program (application/x-msdownload)"),
        (
            b"II*\0",
            "a TIFF image, which browsers cannot show (image/tiff)",
        ),
        (
            b"MM\0*",
            "a TIFF image, which browsers cannot show (image/tiff)",
        ),
        (b"8BPS", "a Photoshop document (image/vnd.adobe.photoshop)"),
        (b"\x1a\x45\xdf\xa3", "a WebM or Matroska video (video/webm)"),
        (b"OggS", "Ogg audio or video (application/ogg)"),
        (b"ID3", "an MP3 audio file (audio/mpeg)"),
        (b"fLaC", "a FLAC audio file (audio/flac)"),
        (b"wOFF", "a web font (font/woff)"),
        (b"wOF2", "a web font (font/woff2)"),
    ];
    if let Some((_, what)) = SIGNATURES.iter().find(|(magic, _)| data.starts_with(magic)) {
        return what;
    }
    match isobmff::brand(data) {
        Some(Brand::Heif) => {
            return "a HEIC/HEIF photo, which most browsers cannot show; upload it with the \
                    imghost command line tool, which converts it to JPEG, or export it as JPEG \
                    (image/heic)"
        }
        Some(Brand::Video) => return "an MP4 or QuickTime video (video/mp4)",
        Some(Brand::Avif { .. }) | None => {}
    }
    if data.starts_with(b"RIFF") {
        return "a RIFF audio or video file (audio/wav, video/avi)";
    }
    describe_text(data).unwrap_or("binary data of an unknown kind (application/octet-stream)")
}

fn describe_text(data: &[u8]) -> Option<&'static str> {
    let text = svg::utf8_prefix(&data[..data.len().min(1024)])?;
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
    {
        return None;
    }
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let lower: String = start
        .chars()
        .take(256)
        .collect::<String>()
        .to_ascii_lowercase();
    Some(
        if lower.contains("<html") || lower.starts_with("<!doctype html") {
            "an HTML document (text/html)"
        } else if lower.starts_with('<') {
            "an XML document (application/xml)"
        } else if lower.starts_with('{') || lower.starts_with('[') {
            "JSON text (application/json)"
        } else {
            "plain text (text/plain)"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROCKET_JPG: &[u8] = include_bytes!("../../../tests/fixtures/rocket.jpg");
    const TEXT_PNG: &[u8] = include_bytes!("../../../tests/fixtures/text.png");
    const LOGO_PNG: &[u8] = include_bytes!("../../../tests/fixtures/logo.png");
    const ANIMATED_GIF: &[u8] = include_bytes!("../../../tests/fixtures/no_time_for_that_tiny.gif");

    fn dims(width: u32, height: u32) -> Option<Dimensions> {
        Some(Dimensions { width, height })
    }

    fn riff_webp(fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut data = b"RIFF\0\0\0\0WEBP".to_vec();
        data.extend_from_slice(fourcc);
        data.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        data.extend_from_slice(payload);
        data
    }

    fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut data = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        data.extend_from_slice(kind);
        data.extend_from_slice(body);
        data
    }

    fn avif(brand: &[u8; 4], width: u32, height: u32) -> Vec<u8> {
        let ftyp = iso_box(b"ftyp", &[brand.as_slice(), b"\0\0\0\0mif1miaf"].concat());
        let ispe = iso_box(
            b"ispe",
            &[[0u8; 4], width.to_be_bytes(), height.to_be_bytes()].concat(),
        );
        let meta = iso_box(
            b"meta",
            &[&[0u8; 4][..], &iso_box(b"iprp", &iso_box(b"ipco", &ispe))].concat(),
        );
        [ftyp, meta].concat()
    }

    #[test]
    fn real_files_from_the_corpus() {
        let jpeg = detect(ROCKET_JPG).unwrap();
        assert_eq!(jpeg.format, ImageFormat::Jpeg);
        assert_eq!(jpeg.dimensions, dims(640, 427));
        assert!(!jpeg.animated);

        assert_eq!(detect(TEXT_PNG).unwrap().dimensions, dims(448, 172));
        let logo = detect(LOGO_PNG).unwrap();
        assert_eq!(
            (logo.format, logo.dimensions),
            (ImageFormat::Png, dims(500, 500))
        );

        let gif = detect(ANIMATED_GIF).unwrap();
        assert_eq!(
            (gif.format, gif.dimensions, gif.animated),
            (ImageFormat::Gif, dims(14, 25), true)
        );
    }

    #[test]
    fn webp_in_all_three_encodings() {
        let lossy = riff_webp(
            b"VP8 ",
            &[0, 0, 0, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01],
        );
        assert_eq!(detect(&lossy).unwrap().dimensions, dims(640, 480));

        // 14-bit width-1 and height-1 packed after the 0x2F signature.
        let bits: u32 = (100 - 1) | ((50 - 1) << 14);
        let lossless = riff_webp(b"VP8L", &[&[0x2F][..], &bits.to_le_bytes()].concat());
        assert_eq!(detect(&lossless).unwrap().dimensions, dims(100, 50));

        let extended = riff_webp(
            b"VP8X",
            &[0x02, 0, 0, 0, 0x1F, 0x03, 0x00, 0x0F, 0x00, 0x00],
        );
        let info = detect(&extended).unwrap();
        assert_eq!(
            (info.format, info.dimensions, info.animated),
            (ImageFormat::Webp, dims(800, 16), true)
        );
    }

    #[test]
    fn avif_still_and_sequence_but_not_heic() {
        let still = detect(&avif(b"avif", 1920, 1080)).unwrap();
        assert_eq!(
            (still.format, still.dimensions, still.animated),
            (ImageFormat::Avif, dims(1920, 1080), false)
        );
        assert!(detect(&avif(b"avis", 10, 10)).unwrap().animated);
        let heic = detect(&avif(b"heic", 10, 10)).unwrap_err();
        assert!(heic.to_string().contains("HEIC"), "{heic}");
    }

    #[test]
    fn heif_is_told_apart_from_avif_and_video() {
        // A major brand and, as cameras write it, one compatible brand.
        let ftyp = |major: &[u8; 4], compatible: &[u8; 4]| {
            iso_box(
                b"ftyp",
                &[major.as_slice(), b"\0\0\0\0", compatible].concat(),
            )
        };
        for brand in [b"heic", b"heix", b"hevc", b"mif1", b"msf1"] {
            assert!(
                is_heif(&ftyp(brand, b"isom")),
                "{}",
                String::from_utf8_lossy(brand)
            );
            assert!(
                is_heif(&ftyp(b"isom", brand)),
                "{}",
                String::from_utf8_lossy(brand)
            );
        }
        for brand in [b"isom", b"qt  ", b"mp42"] {
            assert!(
                !is_heif(&ftyp(brand, b"isom")),
                "{}",
                String::from_utf8_lossy(brand)
            );
        }
        // AVIF lists mif1 among its brands and stays AVIF.
        assert!(!is_heif(&ftyp(b"avif", b"mif1")));
        assert!(!is_heif(&avif(b"avis", 10, 10)));
        assert!(!is_heif(b"\x89PNG\r\n\x1a\n"));
        assert!(!is_heif(b""));
    }

    #[test]
    fn bmp_and_ico() {
        let mut bmp = b"BM".to_vec();
        bmp.resize(14, 0);
        bmp.extend_from_slice(&40u32.to_le_bytes());
        bmp.extend_from_slice(&3i32.to_le_bytes());
        bmp.extend_from_slice(&(-2i32).to_le_bytes());
        assert_eq!(detect(&bmp).unwrap().dimensions, dims(3, 2));

        let mut ico = vec![0, 0, 1, 0, 1, 0, 0, 32];
        ico.resize(6 + 16, 0);
        let info = detect(&ico).unwrap();
        assert_eq!(
            (info.format, info.dimensions),
            (ImageFormat::Ico, dims(256, 32))
        );
    }

    #[test]
    fn svg_with_prolog_is_recognised() {
        for text in [
            "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "\u{feff}<?xml version='1.0'?>\n<!-- drawn by hand -->\n<!DOCTYPE svg>\n<svg>",
        ] {
            let info = detect(text.as_bytes()).unwrap();
            assert_eq!(
                (info.format, info.dimensions),
                (ImageFormat::Svg, None),
                "{text}"
            );
        }
        assert!(detect(b"<svgfoo>").is_err());
        // Found by fuzzing: a multi-byte character across the doctype's end.
        assert!(detect("<!doctyp\u{e9}>".as_bytes()).is_err());
        assert!(detect("  <!DOCTYP\u{4e2d}".as_bytes()).is_err());
    }

    #[test]
    fn content_not_name_decides() {
        let text = detect(b"hello, I am plain text\n").unwrap_err();
        assert_eq!(text, Rejected::NotAnImage("plain text (text/plain)"));
        assert!(text.to_string().contains("text/plain"));
        for (data, mime) in [
            (&b"%PDF-1.7\n"[..], "application/pdf"),
            (b"<!DOCTYPE html><html><script>", "text/html"),
            (b"{\"a\": 1}", "application/json"),
            (b"PK\x03\x04rest", "application/zip"),
            (b"\x7fELF\x02\x01", "application/x-executable"),
            (b"\0\x01\x02\x03binary", "application/octet-stream"),
            (&iso_box(b"ftyp", b"isom\0\0\0\0isomavc1"), "video/mp4"),
        ] {
            let message = detect(data).unwrap_err().to_string();
            assert!(message.contains(mime), "{message}");
        }
        assert_eq!(detect(b""), Err(Rejected::Empty));
    }

    #[test]
    fn truncated_or_forged_headers_are_damaged() {
        assert_eq!(
            detect(&TEXT_PNG[..20]),
            Err(Rejected::Damaged(ImageFormat::Png))
        );
        assert_eq!(
            detect(&ROCKET_JPG[..40]),
            Err(Rejected::Damaged(ImageFormat::Jpeg))
        );
        assert_eq!(
            detect(b"GIF89a\0\0\0\0"),
            Err(Rejected::Damaged(ImageFormat::Gif))
        );
        assert_eq!(
            detect(&riff_webp(b"VP8 ", &[0; 4])),
            Err(Rejected::Damaged(ImageFormat::Webp))
        );
        // A zero-sized image is no image.
        let mut zero = TEXT_PNG[..33].to_vec();
        zero[16..20].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(detect(&zero), Err(Rejected::Damaged(ImageFormat::Png)));
    }

    #[test]
    fn every_prefix_of_real_files_is_handled_without_panicking() {
        for data in [ROCKET_JPG, TEXT_PNG, ANIMATED_GIF] {
            for len in 0..data.len().min(4096) {
                let _ = detect(&data[..len]);
            }
        }
    }
}
