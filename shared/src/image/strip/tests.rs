use super::*;
use crate::image::detect;
use crate::image::samples::*;

const ROCKET_JPG: &[u8] = include_bytes!("../../../../tests/fixtures/rocket.jpg");
const TEXT_PNG: &[u8] = include_bytes!("../../../../tests/fixtures/text.png");
const ANIMATED_GIF: &[u8] = include_bytes!("../../../../tests/fixtures/no_time_for_that_tiny.gif");
const SMALL_WEBP: &[u8] = include_bytes!("../../../../tests/fixtures/small.webp");

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn strip(format: ImageFormat, data: &[u8]) -> Vec<u8> {
    strip_metadata(format, data)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_owned()
}

fn refusal(format: ImageFormat, data: &[u8]) -> String {
    let error = strip_metadata(format, data).expect_err("refused");
    assert_eq!(error.format, format);
    let message = error.to_string();
    assert!(message.starts_with(&format!("The {}'s structure", format.name())));
    assert!(message.contains(error.reason), "{message}");
    assert!(message.ends_with("so its metadata cannot be removed safely"));
    message
}

fn is_borrowed(format: ImageFormat, data: &[u8]) -> bool {
    matches!(strip_metadata(format, data), Ok(Cow::Borrowed(_)))
}

/// Stripped as expected, with nothing personal left, never larger, and
/// nothing more to strip.
fn assert_stripped(format: ImageFormat, original: &[u8], expected: &[u8]) {
    let stripped = strip(format, original);
    assert!(
        stripped == expected,
        "{format:?}: {} bytes, expected {}",
        stripped.len(),
        expected.len()
    );
    assert_eq!(personal_data_left(&stripped), Vec::<String>::new());
    assert_eq!(metadata_left(&stripped), Vec::<String>::new());
    assert!(stripped.len() <= original.len());
    assert_eq!(strip(format, &stripped), stripped);
    assert_eq!(
        detect(&stripped).unwrap().dimensions,
        detect(original).unwrap().dimensions
    );
}

/// Every metadata piece after every part but the last, and after the end.
fn everywhere(parts: &[Vec<u8>], metadata: &[Vec<u8>]) -> Vec<(usize, Vec<u8>)> {
    (0..parts.len())
        .flat_map(|after| metadata.iter().map(move |piece| (after, piece.clone())))
        .collect()
}

// ---- JPEG ----

/// rocket.jpg with camera EXIF (GPS, serial, orientation 6), XMP, IPTC,
/// a comment and an ICC profile, inserted after its JFIF segment.
fn camera_jpeg() -> Vec<u8> {
    let jfif_end = 2 + 2 + usize::from(u16::from_be_bytes([ROCKET_JPG[4], ROCKET_JPG[5]]));
    [
        &ROCKET_JPG[..jfif_end],
        &jpeg_exif(6),
        &jpeg_segment(APP2, b"ICC_PROFILE\0\x01\x01fake-profile"),
        &jpeg_metadata(6)[1..5].concat(),
        &ROCKET_JPG[jfif_end..],
    ]
    .concat()
}

#[test]
fn jpeg_loses_location_and_serial_but_keeps_orientation_profile_and_pixels() {
    let original = camera_jpeg();
    assert!(!personal_data_left(&original).is_empty());
    let stripped = strip(ImageFormat::Jpeg, &original);
    assert_eq!(personal_data_left(&stripped), Vec::<String>::new());
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
    assert!(strip(ImageFormat::Jpeg, ROCKET_JPG) == plain_jpeg());
    assert!(is_borrowed(ImageFormat::Jpeg, &plain_jpeg()));
    for progressive in [false, true] {
        assert!(is_borrowed(
            ImageFormat::Jpeg,
            &jpeg_parts(progressive).concat()
        ));
    }
}

#[test]
fn anything_after_the_main_picture_is_cut_off() {
    // A motion photo's video (with its own location) after the picture,
    // and a multi-picture index that pointed at a second picture.
    let plain = plain_jpeg();
    let video = b"\0\0\0\x18ftypmp42....\xa9xyz+52.37+004.89/";
    let mpf = jpeg_segment(APP2, b"MPF\0II*\0offsets");
    let original = [&plain[..2], &mpf, &plain[2..], video].concat();
    assert!(strip(ImageFormat::Jpeg, &original) == plain);
    // Trailing data alone is reason enough to strip.
    let clean = jpeg_parts(false).concat();
    let trailing = [clean.as_slice(), b"Canon SN12345678"].concat();
    assert!(strip(ImageFormat::Jpeg, &trailing) == clean);
}

#[test]
fn upright_jpeg_gets_no_exif_at_all() {
    let plain = plain_jpeg();
    let original = [&plain[..2], &jpeg_exif(1), &plain[2..]].concat();
    assert!(strip(ImageFormat::Jpeg, &original) == plain);
}

#[test]
fn jpeg_metadata_goes_from_every_position_and_between_scans() {
    for progressive in [false, true] {
        let parts = jpeg_parts(progressive);
        let metadata = jpeg_metadata(6);
        let original = interleave(&parts, &everywhere(&parts, &metadata));
        assert!(!personal_data_left(&original).is_empty());
        let expected = interleave(&parts, &[(1, jpeg_orientation(6))]);
        assert_stripped(ImageFormat::Jpeg, &original, &expected);
    }
}

#[test]
fn an_upright_jpeg_loses_its_orientation_too() {
    let original = camera_jpeg();
    let upright = strip_upright_jpeg(&original).unwrap().into_owned();
    assert_eq!(personal_data_left(&upright), Vec::<String>::new());
    assert!(jpeg::segments(&upright).all(|s| s.marker != APP1));
    assert!(contains(&upright, b"ICC_PROFILE\0\x01\x01fake-profile"));
    assert_eq!(
        detect(&upright).unwrap().dimensions,
        detect(&original).unwrap().dimensions
    );
    // A JPEG with nothing to remove comes back as it was.
    let plain = strip_upright_jpeg(&upright).unwrap();
    assert!(matches!(plain, Cow::Borrowed(_)));
}

#[test]
fn the_orientation_comes_from_the_first_exif_that_has_one() {
    let parts = jpeg_parts(true);
    let no_orientation = jpeg_segment(APP1, b"Exif\0\0II*\0junk");
    let original = interleave(
        &parts,
        &[(0, no_orientation), (1, jpeg_exif(3)), (8, jpeg_exif(8))],
    );
    let expected = interleave(&parts, &[(1, jpeg_orientation(3))]);
    assert_stripped(ImageFormat::Jpeg, &original, &expected);
    // Not from an XMP segment, and not when upright.
    let original = interleave(
        &parts,
        &[(2, jpeg_metadata(1)[1].clone()), (3, jpeg_exif(1))],
    );
    assert_stripped(ImageFormat::Jpeg, &original, &parts.concat());
}

#[test]
fn only_the_kept_kinds_of_app_segment_stay() {
    let payload = |marker: u8, text: &[u8]| jpeg_segment(marker, &[text, b" Jane Doe"].concat());
    for (marker, prefix, kept) in [
        (APP0, &b"JFIF\0"[..], true),
        (APP0, b"JFXX\0", false),
        (APP2, b"ICC_PROFILE\0", true),
        (APP2, b"ICC_PROFILE", false),
        (APP14, b"Adobe", true),
        (APP14, b"Adob", false),
        (APP1, b"JFIF\0", false),
        (0xE3, b"ICC_PROFILE\0", false),
        (0xEF, b"Adobe", false),
        (COM, b"JFIF\0", false),
    ] {
        let segment = payload(marker, prefix);
        let original = interleave(&jpeg_parts(false), &[(4, segment)]);
        let stripped = strip(ImageFormat::Jpeg, &original);
        assert_eq!(
            contains(&stripped, b"Jane Doe"),
            kept,
            "{marker:x} {prefix:?}"
        );
    }
    // Tables, frame and restart markers are no metadata.
    let parts = jpeg_parts(false);
    let restart = interleave(&parts, &[(6, vec![0xFF, 0xD3]), (6, vec![0xFF, 0x01])]);
    assert!(is_borrowed(ImageFormat::Jpeg, &restart));
}

#[test]
fn jpegs_that_cannot_be_walked_are_refused() {
    let parts = jpeg_parts(true);
    let with = |inserted: &[(usize, Vec<u8>)]| interleave(&parts, inserted);
    // One stray byte after the frame header, then EXIF and a comment.
    let stray = with(&[
        (5, vec![0x00]),
        (5, jpeg_exif(6)),
        (5, jpeg_metadata(6)[3].clone()),
    ]);
    assert!(refusal(ImageFormat::Jpeg, &stray).contains("marker"));
    for junk in [&b"junk"[..], b"\xFF\x00", b"\xFF\xD8", b"\xFF\xFF\xFF\x00"] {
        refusal(
            ImageFormat::Jpeg,
            &with(&[(0, junk.to_vec()), (0, jpeg_exif(6))]),
        );
    }
    // A segment whose length runs past the end, or is too short to be one.
    let exif = jpeg_exif(6);
    let clean = parts.concat();
    let cut = [&clean[..20], &exif[..exif.len() - 1]].concat();
    assert!(refusal(ImageFormat::Jpeg, &cut).contains("past the end"));
    let short = with(&[(1, vec![0xFF, APP1, 0, 1]), (1, exif)]);
    refusal(ImageFormat::Jpeg, &short);
    refusal(ImageFormat::Jpeg, &[&clean[..20], &[0xFF, 0xFF]].concat());
    refusal(ImageFormat::Jpeg, b"\xFF\xD9\xFF\xD9");
    refusal(ImageFormat::Jpeg, b"");
}

#[test]
fn every_prefix_of_a_jpeg_with_metadata_is_refused_or_clean() {
    let parts = jpeg_parts(true);
    let original = interleave(&parts, &everywhere(&parts, &jpeg_metadata(6)));
    let mut accepted = 0;
    for len in 0..original.len() {
        if let Ok(stripped) = strip_metadata(ImageFormat::Jpeg, &original[..len]) {
            assert_eq!(personal_data_left(&stripped), Vec::<String>::new(), "{len}");
            assert!(stripped.len() <= len);
            accepted += 1;
        }
    }
    // Cut short inside a scan, or between segments: still readable.
    assert!(accepted > 20, "{accepted}");
}

// ---- PNG ----

#[test]
fn png_loses_text_and_exif_but_keeps_orientation_and_profile() {
    let ihdr_end = 8 + 25;
    let original = [
        &TEXT_PNG[..ihdr_end],
        &png_chunk(b"iCCP", b"profile\0\0compressed"),
        &png_metadata(3).concat(),
        &TEXT_PNG[ihdr_end..],
    ]
    .concat();
    let stripped = strip(ImageFormat::Png, &original);
    assert_eq!(personal_data_left(&stripped), Vec::<String>::new());
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

#[test]
fn png_metadata_goes_from_every_position() {
    let parts = png_parts();
    let mut inserted = everywhere(&parts[1..], &png_metadata(6));
    inserted.iter_mut().for_each(|(after, _)| *after += 1);
    let original = interleave(&parts, &inserted);
    let orientation = png_chunk(b"eXIf", &orientation_tiff(6));
    let expected = interleave(&parts, &[(2, orientation)]);
    assert_stripped(ImageFormat::Png, &original, &expected);
    assert!(is_borrowed(ImageFormat::Png, &parts.concat()));
    assert!(is_borrowed(ImageFormat::Png, TEXT_PNG));
    // Bytes after IEND are no part of the picture.
    let trailing = [parts.concat().as_slice(), b"SN12345678"].concat();
    assert_stripped(ImageFormat::Png, &trailing, &parts.concat());
}

#[test]
fn pngs_that_cannot_be_walked_are_refused() {
    let parts = png_parts();
    let clean = parts.concat();
    // A chunk running past the end, with an eXIf before it.
    let idat_at = clean.len() - parts[5].len() - parts[4].len();
    let mut damaged = interleave(&parts, &[(1, png_metadata(6)[0].clone())]);
    let at = idat_at + png_metadata(6)[0].len();
    damaged[at..at + 4].copy_from_slice(&1000u32.to_be_bytes());
    assert!(refusal(ImageFormat::Png, &damaged).contains("past the end"));
    refusal(ImageFormat::Png, &[&clean[..clean.len() - 2]].concat());
    refusal(ImageFormat::Png, &[&clean[..clean.len() - 10]].concat());
    refusal(ImageFormat::Png, &[clean.as_slice(), &[0; 0]].concat()[1..]);
    let huge = [&clean[..33], &u32::MAX.to_be_bytes(), b"tEXt"].concat();
    refusal(ImageFormat::Png, &huge);
    // Cut short exactly after a chunk: all of it was read.
    let cut = &clean[..clean.len() - 12];
    assert!(is_borrowed(ImageFormat::Png, cut));
}

// ---- WebP ----

#[test]
fn webp_loses_exif_and_xmp_and_its_header_stays_consistent() {
    let parts = webp_parts(VP8X_ICC | VP8X_EXIF | VP8X_XMP);
    let original = webp(&[parts.concat(), webp_metadata(8).concat()].concat());
    let stripped = strip(ImageFormat::Webp, &original);
    assert_eq!(personal_data_left(&stripped), Vec::<String>::new());
    assert!(contains(&stripped, &parts[1]));
    assert!(contains(&stripped, &parts[2]));
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
fn a_webp_turned_by_its_exif_is_not_upright() {
    let parts = webp_parts(VP8X_ICC | VP8X_EXIF | VP8X_XMP);
    for (orientation, upright) in [(1, true), (6, false), (8, false)] {
        let original = webp(&[parts.concat(), webp_metadata(orientation).concat()].concat());
        let stripped = strip(ImageFormat::Webp, &original);
        assert_eq!(is_upright_webp(&stripped), upright, "{orientation}");
    }
    assert!(is_upright_webp(&webp(&parts.concat())));
    assert!(!is_upright_webp(b"RIFF\x04\0\0\0WEBP-cut"));
}

#[test]
fn webp_metadata_goes_from_every_position() {
    let parts = webp_parts(VP8X_ICC | VP8X_EXIF | VP8X_XMP);
    let metadata = webp_metadata(6);
    let body = interleave(&parts, &everywhere(&parts[..2], &metadata));
    let original = [
        webp(&[body.as_slice(), &metadata.concat()].concat()),
        metadata.concat(),
    ]
    .concat();
    let orientation = riff_chunk(b"EXIF", &orientation_tiff(6));
    let expected = webp(&[webp_parts(VP8X_ICC | VP8X_EXIF).concat(), orientation].concat());
    assert_stripped(ImageFormat::Webp, &original, &expected);
    let upright = webp(&[parts.concat(), webp_metadata(1).concat()].concat());
    assert_stripped(
        ImageFormat::Webp,
        &upright,
        &webp(&webp_parts(VP8X_ICC).concat()),
    );
    assert!(is_borrowed(ImageFormat::Webp, SMALL_WEBP));
    assert!(is_borrowed(
        ImageFormat::Webp,
        &webp(&webp_parts(VP8X_ICC).concat())
    ));
}

#[test]
fn webp_animation_frames_may_hold_only_their_image() {
    let frame = |inner: &[u8]| riff_chunk(b"ANMF", &[&[0; 16][..], inner].concat());
    let image = riff_chunk(b"VP8L", &[0x2F, 3, 0x40, 0, 0]);
    let alpha = riff_chunk(b"ALPH", &[0]);
    let head = riff_chunk(b"VP8X", &[0x02, 0, 0, 0, 3, 0, 0, 1, 0, 0]);
    let clean = webp(
        &[
            head.clone(),
            frame(&[alpha.clone(), image.clone()].concat()),
        ]
        .concat(),
    );
    assert!(is_borrowed(ImageFormat::Webp, &clean));
    let exif = riff_chunk(b"EXIF", &camera_exif(1));
    let hidden = webp(&[head.clone(), frame(&[image.clone(), exif].concat())].concat());
    assert!(refusal(ImageFormat::Webp, &hidden).contains("animation frame"));
    let cut = webp(&[head.clone(), frame(&image[..image.len() - 2])].concat());
    refusal(ImageFormat::Webp, &cut);
    // A frame too short for its header holds no image either.
    let short = webp(&[head, riff_chunk(b"ANMF", &[0; 4])].concat());
    assert!(is_borrowed(ImageFormat::Webp, &short));
}

#[test]
fn webps_that_cannot_be_walked_are_refused() {
    let clean = webp(&webp_parts(VP8X_ICC).concat());
    let with_exif = webp(&[webp_metadata(6)[0].clone(), webp_parts(VP8X_ICC).concat()].concat());
    // A chunk running past the end of the container.
    let mut damaged = with_exif.clone();
    let last = damaged.len() - webp_parts(VP8X_ICC)[2].len();
    damaged[last + 4..last + 8].copy_from_slice(&100u32.to_le_bytes());
    assert!(refusal(ImageFormat::Webp, &damaged).contains("past the end"));
    refusal(ImageFormat::Webp, &with_exif[..with_exif.len() - 4]);
    refusal(ImageFormat::Webp, &clean[..clean.len() - 7]);
    refusal(ImageFormat::Webp, b"RIFF\0\0\0\0WEBX");
    refusal(ImageFormat::Webp, b"RIFF");
    // Found by fuzzing: a container whose stated size leaves out every chunk.
    for size in [0u32, 4, 11] {
        let mut empty = clean.clone();
        empty[4..8].copy_from_slice(&size.to_le_bytes());
        assert!(refusal(ImageFormat::Webp, &empty).contains("no room"));
    }
    let mut one_header = clean.clone();
    one_header[4..8].copy_from_slice(&12u32.to_le_bytes());
    assert!(!refusal(ImageFormat::Webp, &one_header).contains("no room"));
    // The container's stated size decides where it ends.
    let mut shorter = clean.clone();
    let last_len = webp_parts(VP8X_ICC)[2].len() as u32;
    shorter[4..8].copy_from_slice(&(clean.len() as u32 - 8 - last_len).to_le_bytes());
    let stripped = strip(ImageFormat::Webp, &shorter);
    assert_eq!(stripped.len(), clean.len() - last_len as usize);
    // Without its padding byte, what is written after a chunk would be
    // misread.
    let odd = webp(
        &[
            webp_parts(VP8X_ICC)[..2].concat(),
            riff_chunk(b"VP8L", &[0x2F, 3, 0x40, 0, 0]),
        ]
        .concat(),
    );
    assert!(is_borrowed(ImageFormat::Webp, &odd));
    refusal(ImageFormat::Webp, &odd[..odd.len() - 1]);
}

#[test]
fn an_empty_extended_header_chunk_is_no_crash() {
    // Found by fuzzing: a second, empty VP8X chunk.
    let image = riff_chunk(b"VP8L", &[0x2F, 9, 64, 2, 0, 0]);
    let vp8x = riff_chunk(b"VP8X", &[0x08, 0, 0, 0, 9, 0, 0, 9, 0, 0]);
    let data = webp(
        &[
            vp8x,
            riff_chunk(b"VP8X", b""),
            image,
            riff_chunk(b"EXIF", b"x"),
        ]
        .concat(),
    );
    let stripped = strip(ImageFormat::Webp, &data);
    assert!(!contains(&stripped, b"EXIF"));
}

// ---- GIF ----

#[test]
fn gif_comments_and_application_data_go_before_and_after_the_images() {
    let parts = gif_parts();
    let mut inserted = everywhere(&parts[..parts.len() - 1], &gif_metadata());
    inserted.push((parts.len() - 1, b"Canon SN12345678".to_vec()));
    let original = interleave(&parts, &inserted);
    assert_stripped(ImageFormat::Gif, &original, &parts.concat());
    assert!(
        detect(&strip(ImageFormat::Gif, &original))
            .unwrap()
            .animated
    );
    assert!(is_borrowed(ImageFormat::Gif, &parts.concat()));
    assert!(is_borrowed(ImageFormat::Gif, ANIMATED_GIF));
    // Cut short after a whole block: nothing was left unread.
    let cut = interleave(&parts[..4], &[(3, gif_metadata()[0].clone())]);
    assert!(strip(ImageFormat::Gif, &cut) == parts[..4].concat());
}

#[test]
fn only_the_exact_looping_extension_stays() {
    let parts = gif_parts();
    let looping = |id: &[u8], rest: &[u8]| [&[0x21, 0xFF, 11][..], id, rest].concat();
    for (extension, kept) in [
        (looping(b"NETSCAPE2.0", &[3, 1, 5, 0, 0]), true),
        (looping(b"ANIMEXTS1.0", &[3, 1, 0, 0, 0]), true),
        (looping(b"NETSCAPE2.1", &[3, 1, 0, 0, 0]), false),
        (looping(b"NETSCAPE2.0", &[3, 2, 0, 0, 0]), false),
        (looping(b"NETSCAPE2.0", &[2, 1, 0, 0]), false),
        (looping(b"NETSCAPE2.0", &[3, 1, 0, 0, 1, 7, 0]), false),
    ] {
        let original = interleave(
            &[parts[0].clone(), parts[3].clone(), parts[6].clone()],
            &[(0, extension.clone())],
        );
        let stripped = strip(ImageFormat::Gif, &original);
        assert_eq!(contains(&stripped, &extension), kept, "{extension:?}");
    }
    // Dropping the looping extension on its own also counts as stripping.
    let mut odd = parts.clone();
    odd[1] = looping(b"NETSCAPE2.0", &[3, 1, 0, 0, 1, 7, 0]);
    assert!(!is_borrowed(ImageFormat::Gif, &odd.concat()));
}

#[test]
fn gifs_that_cannot_be_walked_are_refused() {
    let parts = gif_parts();
    let clean = parts.concat();
    let comment = gif_metadata()[0].clone();
    let with_comment = interleave(&parts, &[(3, comment.clone())]);
    let cut_at = parts[..4].concat().len() + comment.len() - 1;
    assert!(refusal(ImageFormat::Gif, &with_comment[..cut_at]).contains("past the end"));
    refusal(ImageFormat::Gif, &clean[..clean.len() - 3]);
    refusal(ImageFormat::Gif, &clean[..parts[0].len() + 1]);
    refusal(ImageFormat::Gif, &clean[..parts[0].len() + 10]);
    let junk = interleave(&parts, &[(2, vec![0x00]), (2, comment)]);
    assert!(refusal(ImageFormat::Gif, &junk).contains("block"));
    refusal(ImageFormat::Gif, &clean[..12]);
    refusal(ImageFormat::Gif, &clean[..parts[0].len() - 1]);
    refusal(ImageFormat::Gif, b"GIF90a");
    // A header and colour table and nothing else: nothing left unread.
    assert!(is_borrowed(ImageFormat::Gif, &parts[0]));
    let mut long_control = parts.clone();
    long_control[2] = vec![0x21, 0xF9, 5, 0x04, 10, 0, 0, 0, 0];
    assert!(refusal(ImageFormat::Gif, &long_control.concat()).contains("graphic control"));
}

// ---- AVIF ----

fn layouts() -> Vec<AvifLayout> {
    let mut layouts = Vec::new();
    for iloc_version in 0..=2 {
        for in_idat in [false, true] {
            for split_exif in [false, true] {
                if !(in_idat && iloc_version == 0) {
                    layouts.push(AvifLayout {
                        in_idat,
                        split_exif,
                        iloc_version,
                    });
                }
            }
        }
    }
    layouts
}

#[test]
fn avif_exif_and_xmp_are_blanked_in_place() {
    for layout in layouts() {
        let sample = avif(layout);
        assert!(!personal_data_left(&sample.data).is_empty(), "{layout:?}");
        let mut expected = sample.data.clone();
        for range in &sample.metadata {
            expected[range.clone()].fill(0);
        }
        assert_stripped(ImageFormat::Avif, &sample.data, &expected);
        let stripped = strip(ImageFormat::Avif, &sample.data);
        assert!(stripped[sample.image.clone()] == *AV1_DATA);
        assert!(is_borrowed(ImageFormat::Avif, &stripped), "{layout:?}");
    }
}

const LAYOUT: AvifLayout = AvifLayout {
    in_idat: false,
    split_exif: false,
    iloc_version: 1,
};

fn find(data: &[u8], needle: &[u8]) -> usize {
    data.windows(needle.len())
        .position(|window| window == needle)
        .unwrap()
}

#[test]
fn avif_without_metadata_items_is_returned_as_is() {
    let mut data = avif(LAYOUT).data;
    // Exif and mime become item types of no interest.
    for kind in [&b"Exif"[..], b"mime"] {
        let at = find(&data, kind);
        data[at..at + 4].copy_from_slice(b"hvc1");
    }
    assert!(is_borrowed(ImageFormat::Avif, &data));
    // No iinf box at all.
    let at = find(&data, b"iinf");
    data[at..at + 4].copy_from_slice(b"free");
    assert!(is_borrowed(ImageFormat::Avif, &data));
}

#[test]
fn avifs_whose_metadata_cannot_be_located_are_refused() {
    let sample = avif(LAYOUT);
    let iloc = find(&sample.data, b"iloc") + 4;
    let edit = |at: usize, bytes: &[u8]| {
        let mut data = sample.data.clone();
        data[at..at + bytes.len()].copy_from_slice(bytes);
        data
    };
    // The Exif item (the second in iloc) built by reference to another item.
    let exif_entry = iloc + 4 + 2 + 2 + 16;
    assert!(refusal(ImageFormat::Avif, &edit(exif_entry + 2, &[0, 2])).contains("does not support"));
    assert!(refusal(ImageFormat::Avif, &edit(exif_entry + 2, &[0, 1])).contains("location"));
    // Its extent out of the file, open-ended, or the sizes unknown.
    let extent = exif_entry + 8;
    assert!(
        refusal(ImageFormat::Avif, &edit(extent, &[0xFF; 4])).contains("outside the file's data")
    );
    assert!(refusal(ImageFormat::Avif, &edit(extent + 4, &[0; 4])).contains("no stated length"));
    // Found by fuzzing: an extent over the picture's size, in the meta box.
    let ispe = find(&sample.data, b"ispe") as u32;
    assert!(refusal(ImageFormat::Avif, &edit(extent, &ispe.to_be_bytes())).contains("data"));
    let mdat = find(&sample.data, b"mdat") as u32 + 4;
    let ends_in_mdat = edit(extent, &(mdat - 8).to_be_bytes());
    refusal(ImageFormat::Avif, &ends_in_mdat);
    let starts_in_mdat = edit(extent, &mdat.to_be_bytes());
    assert!(!is_borrowed(ImageFormat::Avif, &starts_in_mdat));
    let past_mdat = edit(extent, &(sample.data.len() as u32 - 10).to_be_bytes());
    refusal(ImageFormat::Avif, &past_mdat);
    // In idat: the extent has to fit in it.
    let in_idat = avif(AvifLayout {
        in_idat: true,
        ..LAYOUT
    });
    let idat_extent = find(&in_idat.data, b"iloc") + 4 + 8 + 16 + 8;
    let mut beyond = in_idat.data.clone();
    beyond[idat_extent + 4..idat_extent + 8].copy_from_slice(&1000u32.to_be_bytes());
    refusal(ImageFormat::Avif, &beyond);
    refusal(ImageFormat::Avif, &edit(iloc + 4, &[0x34]));
    refusal(ImageFormat::Avif, &edit(iloc, &[3]));
    // Its entry missing (a different item id).
    refusal(ImageFormat::Avif, &edit(exif_entry, &[0, 9]));
    // Found by fuzzing: listed twice (the picture's entry renumbered), and
    // an EXIF reader following the entry that was not blanked.
    assert!(refusal(ImageFormat::Avif, &edit(exif_entry - 16, &[0, 2])).contains("location"));
    // iloc missing, an item information entry of an old version.
    refusal(ImageFormat::Avif, &edit(iloc - 4, b"free"));
    let infe = find(&sample.data, b"infe") + 4;
    assert!(refusal(ImageFormat::Avif, &edit(infe, &[1])).contains("form"));
    // Boxes that do not fit where they are.
    let meta = find(&sample.data, b"meta") - 4;
    assert!(refusal(ImageFormat::Avif, &edit(meta, &[0xFF; 4])).contains("box"));
    refusal(ImageFormat::Avif, &sample.data[..sample.data.len() - 1]);
    refusal(
        ImageFormat::Avif,
        &[sample.data.as_slice(), b"junk"].concat(),
    );
    refusal(ImageFormat::Avif, &edit(iloc - 8, &[0, 0, 0, 4]));
}

#[test]
fn avif_boxes_of_every_size_form_are_read() {
    let sample = avif(LAYOUT);
    let mdat = find(&sample.data, b"mdat") - 4;
    // mdat to the end of the file (size 0), or with a 64-bit size.
    let mut to_end = sample.data.clone();
    to_end[mdat..mdat + 4].copy_from_slice(&[0; 4]);
    assert!(!is_borrowed(ImageFormat::Avif, &to_end));
    let body = &sample.data[mdat + 8..];
    let large = [
        &sample.data[..mdat],
        &1u32.to_be_bytes(),
        b"mdat",
        &((body.len() + 16) as u64).to_be_bytes(),
        body,
    ]
    .concat();
    // Offsets now point 8 bytes early: into the mdat header and the picture.
    let stripped = strip(ImageFormat::Avif, &large);
    assert!(stripped[..mdat] == large[..mdat]);
    let mut wrong = large.clone();
    wrong[mdat + 8..mdat + 16].copy_from_slice(&u64::MAX.to_be_bytes());
    refusal(ImageFormat::Avif, &wrong);
}

/// The first box of type `kind` at the top level of `data` or in its
/// meta box, header included.
fn box_of(data: &[u8], kind: &[u8; 4]) -> std::ops::Range<usize> {
    let mut pos = 0;
    loop {
        let size = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        match &data[pos + 4..pos + 8] {
            found if found == kind => return pos..pos + size,
            b"meta" => pos += 12,
            _ => pos += size,
        }
    }
}

/// `extra` put in the meta box after its child `after`; with the picture
/// data before meta, no offset changes.
fn in_meta(data: &[u8], after: &[u8; 4], extra: &[u8]) -> Vec<u8> {
    let end = box_of(data, after).end;
    let mut out = [&data[..end], extra, &data[end..]].concat();
    let meta = box_of(data, b"meta");
    let size = (meta.len() + extra.len()) as u32;
    out[meta.start..meta.start + 4].copy_from_slice(&size.to_be_bytes());
    out
}

#[test]
fn avifs_with_two_item_lists_or_item_data_boxes_are_refused() {
    // Found writing the AVIF property tests: stripping followed the first
    // iinf, iloc or idat box; exiftool reads the Exif and XMP of a second
    // iinf or iloc, kamadak-exif the Exif in a second idat.
    let mut plan = LAYOUT.plan();
    plan.mdat_first = true;
    let data = avif_from(&plan).data;
    // An empty item list first: stripping saw no metadata at all.
    let two_iinf = in_meta(&data, b"pitm", &iso_box(b"iinf", &[0; 6]));
    let two_iloc = in_meta(&data, b"iloc", &data[box_of(&data, b"iloc")]);
    plan.items[1].construction_method = 1;
    let data = avif_from(&plan).data;
    let two_idat = in_meta(&data, b"iprp", &data[box_of(&data, b"idat")]);
    for twice in [two_iinf, two_iloc, two_idat] {
        assert!(refusal(ImageFormat::Avif, &twice).contains("twice"));
    }
}

/// `data` with the box at `at` made a `free` box of zeros, as stripping
/// leaves what the picture is not shown from.
fn freed(mut data: Vec<u8>, at: usize) -> Vec<u8> {
    let size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
    data[at + 4..at + 8].copy_from_slice(b"free");
    data[at + 8..at + size].fill(0);
    data
}

/// Stripped as `sample.stripped()` says: each freed box a `free` box of
/// zeros of its size, the picture and every other byte as they were.
fn assert_avif_freed(sample: &Avif) {
    let stripped = strip(ImageFormat::Avif, &sample.data);
    let mut expected = sample.data.clone();
    for range in &sample.metadata {
        expected[range.clone()].fill(0);
    }
    for range in &sample.freed {
        assert_ne!(sample.data[range.start + 4..range.start + 8], *b"free");
        expected = freed(expected, range.start);
    }
    assert!(expected == sample.stripped());
    assert_stripped(ImageFormat::Avif, &sample.data, &expected);
    assert!(stripped[sample.image.clone()] == *AV1_DATA);
    assert!(is_borrowed(ImageFormat::Avif, &stripped));
}

#[test]
fn avif_xmp_in_a_uuid_box_becomes_free_space_of_zeros() {
    // Found by review: exiftool read GPS, serial and creator from it.
    for uuid_at in 0..3 {
        for mdat_first in [false, true] {
            let mut plan = LAYOUT.plan();
            (plan.uuid_at, plan.mdat_first) = (Some(uuid_at), mdat_first);
            let sample = avif_from(&plan);
            let uuid = sample.freed[0].clone();
            assert!(
                sample.data[uuid.start + 4..uuid.start + 24]
                    == *[b"uuid".as_slice(), &XMP_UUID].concat()
            );
            assert_avif_freed(&sample);
        }
    }
}

#[test]
fn avif_sequence_location_in_user_data_becomes_free_space_of_zeros() {
    // Found by review: exiftool read the GPS position from moov/udta/©xyz.
    for moov_at in 0..3 {
        for udta_in_trak in [false, true] {
            let mut plan = LAYOUT.plan();
            (plan.moov_at, plan.udta_in_trak) = (Some(moov_at), udta_in_trak);
            let sample = avif_from(&plan);
            assert!(detect(&sample.data).unwrap().animated);
            assert!(contains(&sample.data, LOCATION_XYZ));
            assert!(!metadata_left(&sample.data).is_empty());
            assert_avif_freed(&sample);
            let stripped = strip(ImageFormat::Avif, &sample.data);
            assert!(!contains(&stripped, LOCATION_XYZ));
            assert!(detect(&stripped).unwrap().animated);
        }
    }
}

#[test]
fn a_tracks_meta_box_goes_with_its_exif_and_xmp_items() {
    // libavif writes a sequence's Exif and XMP as items of its track's meta
    // box, their data in mdat: freeing the box would leave them there.
    let mut plan = LAYOUT.plan();
    plan.mdat_first = true;
    let sample = avif_from(&plan);
    let meta = box_of(&sample.data, b"meta");
    // The file's own meta box with no metadata items.
    let mut data = sample.data.clone();
    for kind in [b"Exif", b"mime"] {
        let at = meta.start + find(&data[meta.clone()], kind);
        data[at..at + 4].copy_from_slice(b"hvc1");
    }
    assert!(is_borrowed(ImageFormat::Avif, &data));
    let track_meta = data.len() + 16;
    let trak = iso_box(b"trak", &sample.data[meta]);
    data.extend_from_slice(&iso_box(b"moov", &trak));
    let mut expected = freed(data.clone(), track_meta);
    for range in &sample.metadata {
        expected[range.clone()].fill(0);
    }
    assert!(!personal_data_left(&data).is_empty());
    assert_stripped(ImageFormat::Avif, &data, &expected);
}

#[test]
fn avif_boxes_the_picture_is_not_shown_from_become_free_space_of_zeros() {
    let sample = avif(LAYOUT);
    let junk = b"Canon SN12345678".as_slice();
    let mut data = sample.data.clone();
    let mut expected = sample.stripped();
    // Free space with a camera's data in it, unknown boxes, boxes of other
    // metadata; a box with a 64-bit size keeps it.
    for kind in [b"free", b"skip", b"meco", b"mini", b"uuid", b"abcd"] {
        expected = freed([expected, iso_box(kind, junk)].concat(), data.len());
        data.extend_from_slice(&iso_box(kind, junk));
    }
    let large = [
        &1u32.to_be_bytes()[..],
        b"uuid",
        &(16 + junk.len() as u64).to_be_bytes(),
        junk,
    ]
    .concat();
    data.extend_from_slice(&large);
    expected.extend_from_slice(&[&large[..4], b"free", &large[8..16], &[0; 16]].concat());
    // In a movie, its header and tracks stay; in a track, its header,
    // references, edits and media (all of it).
    let mdia = iso_box(b"mdia", &iso_box(b"hdlr", b"VideoHandler 16"));
    let trak = [iso_box(b"tkhd", &[0; 84]), iso_box(b"uuid", junk), mdia].concat();
    let moov = [
        iso_box(b"mvhd", &[0; 100]),
        iso_box(b"meco", junk),
        iso_box(b"trak", &trak),
        iso_box(b"udta", junk),
    ];
    let moov_at = data.len();
    data.extend_from_slice(&iso_box(b"moov", &moov.concat()));
    expected.extend_from_slice(&data[moov_at..]);
    // meco after moov's and mvhd's 116 bytes, uuid after trak's and
    // tkhd's 100 more, udta last.
    for at in [116, 116 + 24 + 100, data.len() - moov_at - 24] {
        expected = freed(expected, moov_at + at);
    }
    assert_stripped(ImageFormat::Avif, &data, &expected);
    assert!(contains(&expected, b"VideoHandler 16"));
    // A movie or track whose boxes do not fit in it is refused.
    let mut cut = data.clone();
    cut[moov_at + 8 + 108 + 3] += 1;
    assert!(refusal(ImageFormat::Avif, &cut).contains("box"));
    let mut cut = data.clone();
    cut[moov_at + 8 + 108 + 24 + 8 + 3] += 1;
    assert!(refusal(ImageFormat::Avif, &cut).contains("box"));
}

// ---- BMP ----

/// The stated file size made the whole length, as stripping writes it.
fn sized(mut data: Vec<u8>) -> Vec<u8> {
    let len = data.len() as u32;
    set_u32(&mut data, 2, len);
    data
}

/// Personal data as `cat photo.bmp secret.txt` would append it.
fn payload() -> Vec<u8> {
    [b"Canon SN12345678 at home, ".as_slice(), &jpeg_exif(6)].concat()
}

#[test]
fn bmp_loses_what_follows_its_pixels_and_what_lies_before_them() {
    for size in [12, 40, 52, 56, 64, 108, 124] {
        for bits in [1, 4, 8, 16, 24, 32] {
            if size == 12 && (bits == 16 || bits == 32) {
                continue;
            }
            let height = if size == 12 { 3 } else { -3 };
            let (headers, pixels) = bmp_parts(size, 5, height, bits);
            let clean = bmp(&headers, b"", &pixels, b"");
            assert!(is_borrowed(ImageFormat::Bmp, &clean), "{size} {bits}");
            let appended = bmp(&headers, b"", &pixels, &payload());
            assert_stripped(ImageFormat::Bmp, &appended, &clean);
            // Between the palette and the pixels: zeros of the same length,
            // so that the pixels stay where the header says they are.
            let gap = bmp(&headers, &payload(), &pixels, &payload());
            let zeros = bmp(&headers, &vec![0; payload().len()], &pixels, b"");
            assert_stripped(ImageFormat::Bmp, &gap, &zeros);
        }
    }
}

#[test]
fn bmp_colour_masks_stay_and_its_headers_are_made_true() {
    let mut headers = bmp_info(40, 4, 2, 32);
    set_u32(&mut headers, 16, 6); // alpha bit fields: four masks follow
    headers.extend_from_slice(&[0xFF, 0, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0xFF]);
    let pixels = bmp_rows(4, 2, 32);
    let clean = bmp(&headers, b"", &pixels, b"");
    assert!(is_borrowed(ImageFormat::Bmp, &clean));
    assert_stripped(
        ImageFormat::Bmp,
        &bmp(&headers, b"SN12345678", &pixels, b""),
        &bmp(&headers, &[0; 10], &pixels, b""),
    );
    // A stated size that is not the file's, text in the reserved fields.
    let mut odd = clean.clone();
    set_u32(&mut odd, 2, 0);
    odd[6..10].copy_from_slice(b"Jane");
    assert_stripped(ImageFormat::Bmp, &odd, &clean);
    // Cut short inside its pixels: nothing was left unread.
    let cut = clean[..clean.len() - 5].to_vec();
    assert_stripped(ImageFormat::Bmp, &cut, &sized(cut.clone()));
}

#[test]
fn an_embedded_colour_profile_stays_before_the_pixels_or_right_after_them() {
    let (profile, pixels, junk) = (icc_profile(), bmp_rows(4, 2, 24), payload());
    let len = profile.len();
    // After the pixels, behind junk: moved up to follow them.
    let info = bmp_v5_with_profile(4, 2, 24, 124 + pixels.len() + junk.len(), len);
    let after = [junk.clone(), profile.clone(), junk.clone()].concat();
    let moved = bmp_v5_with_profile(4, 2, 24, 124 + pixels.len(), len);
    assert_stripped(
        ImageFormat::Bmp,
        &bmp(&info, b"", &pixels, &after),
        &sized(bmp(&moved, b"", &pixels, &profile)),
    );
    // Between the headers and the pixels: kept where it is.
    let info = bmp_v5_with_profile(4, 2, 24, 124 + junk.len(), len);
    let gap = [junk.clone(), profile.clone(), junk.clone()].concat();
    let zeros = vec![0; junk.len()];
    let blanked = [zeros.clone(), profile.clone(), zeros].concat();
    assert_stripped(
        ImageFormat::Bmp,
        &bmp(&info, &gap, &pixels, b""),
        &bmp(&info, &blanked, &pixels, b""),
    );
    assert!(is_borrowed(
        ImageFormat::Bmp,
        &bmp(&info, &blanked, &pixels, b"")
    ));
    // Right after the palette.
    let info = bmp_v5_with_profile(4, 2, 24, 124, len);
    let gap = [profile.clone(), junk.clone()].concat();
    let blanked = [profile.clone(), vec![0; junk.len()]].concat();
    assert_stripped(
        ImageFormat::Bmp,
        &bmp(&info, &gap, &pixels, b""),
        &bmp(&info, &blanked, &pixels, b""),
    );
}

#[test]
fn a_linked_profile_or_one_that_is_not_a_profile_goes_and_srgb_is_said_instead() {
    let pixels = bmp_rows(4, 2, 24);
    let clean = bmp(&bmp_info(124, 4, 2, 24), b"", &pixels, b"");
    let path = b"C:\\Users\\Jane Doe\\Pictures\\camera.icc\0";
    let mut linked = bmp_v5_with_profile(4, 2, 24, 124 + pixels.len(), path.len());
    linked[56..60].copy_from_slice(b"KNIL");
    assert_stripped(ImageFormat::Bmp, &bmp(&linked, b"", &pixels, path), &clean);
    let mut unsigned = icc_profile();
    unsigned[36] = b'b';
    // Longer or shorter than the size its own header states.
    let longer = [icc_profile(), b"Jane Doe".to_vec()].concat();
    let mut shorter = icc_profile();
    shorter[3] += 8;
    let end = pixels.len();
    for (at, profile) in [
        (end, b"Jane Doe".to_vec()),
        (end, unsigned),
        (end, longer),
        (end, shorter),
        // Over the last pixels, or past the end of the file.
        (end - 4, icc_profile()),
        (end + 4, icc_profile()),
    ] {
        let info = bmp_v5_with_profile(4, 2, 24, 124 + at, profile.len());
        assert_stripped(
            ImageFormat::Bmp,
            &bmp(&info, b"", &pixels, &profile),
            &clean,
        );
    }
    // Its bytes a profile's, but running over the start of the pixels.
    let profile = icc_profile();
    let info = bmp_v5_with_profile(4, 2, 24, 124, profile.len());
    let over = [&profile[120..], &pixels[8..]].concat();
    let srgb = bmp_info(124, 4, 2, 24);
    assert_stripped(
        ImageFormat::Bmp,
        &bmp(&info, &profile[..120], &over, b""),
        &bmp(&srgb, &[0; 120], &over, b""),
    );
    // Only a V5 header names a profile: the same bytes in a V4 header, or
    // where a palette lies under a smaller header, name nothing.
    let mut v4 = bmp_info(108, 4, 2, 24);
    v4[56..60].copy_from_slice(b"KNIL");
    assert!(is_borrowed(ImageFormat::Bmp, &bmp(&v4, b"", &pixels, b"")));
    let (mut headers, rows) = bmp_parts(40, 4, 2, 8);
    headers[56..60].copy_from_slice(b"DEBM");
    let mut palette = bmp(&headers, b"", &rows, b"");
    set_u32(&mut palette, 126, 40 + 1024 + rows.len() as u32);
    assert!(is_borrowed(ImageFormat::Bmp, &palette));
}

#[test]
fn compressed_bmp_pixels_end_where_their_stated_length_does() {
    // Run-length coded: two runs, the end of a row, two runs, the end.
    let rle = [2, 1, 2, 2, 0, 0, 2, 1, 2, 3, 0, 1];
    let mut headers = bmp_parts(40, 4, 2, 8).0;
    set_u32(&mut headers, 16, 1);
    set_u32(&mut headers, 20, rle.len() as u32);
    let clean = bmp(&headers, b"", &rle, b"");
    assert!(is_borrowed(ImageFormat::Bmp, &clean));
    let appended = bmp(&headers, b"", &rle, &payload());
    assert_stripped(ImageFormat::Bmp, &appended, &clean);
    set_u32(&mut headers, 20, 0);
    let unstated = bmp(&headers, b"", &rle, b"");
    assert!(refusal(ImageFormat::Bmp, &unstated).contains("not stated"));
}

#[test]
fn a_jpeg_or_png_stored_in_a_bmp_is_stripped_as_such() {
    let embedded = |compression: u32, image: &[u8]| {
        let mut info = bmp_info(40, 16, 8, 0);
        set_u32(&mut info, 16, compression);
        set_u32(&mut info, 20, image.len() as u32);
        bmp(&info, b"", image, b"")
    };
    let jpeg = jpeg_parts(false);
    let with_exif = interleave(
        &jpeg,
        &[(1, jpeg_exif(6)), (4, jpeg_metadata(6)[3].clone())],
    );
    let oriented = interleave(&jpeg, &[(1, jpeg_orientation(6))]);
    assert_stripped(
        ImageFormat::Bmp,
        &embedded(4, &with_exif),
        &embedded(4, &oriented),
    );
    let png = png_parts();
    let metadata = png_metadata(1);
    let with_text = interleave(&png, &[(1, metadata[0].clone()), (3, metadata[2].clone())]);
    assert_stripped(
        ImageFormat::Bmp,
        &embedded(5, &with_text),
        &embedded(5, &png.concat()),
    );
    // Pixels that are not what the header says they are.
    refusal(ImageFormat::Bmp, &embedded(4, &png.concat()));
    refusal(ImageFormat::Bmp, &embedded(5, b"Canon SN12345678"));
}

#[test]
fn bmps_that_cannot_be_walked_are_refused() {
    let (headers, pixels) = bmp_parts(40, 4, 2, 8);
    let clean = bmp(&headers, b"", &pixels, b"");
    let with = |at: usize, value: u32| {
        let mut data = clean.clone();
        set_u32(&mut data, at, value);
        data
    };
    assert!(refusal(ImageFormat::Bmp, &clean[..14 + 39]).contains("inside its headers"));
    assert!(refusal(ImageFormat::Bmp, &with(10, 53)).contains("start inside its headers"));
    let past_end = with(10, clean.len() as u32 + 1);
    assert!(refusal(ImageFormat::Bmp, &past_end).contains("past the end"));
    assert!(refusal(ImageFormat::Bmp, &with(14, 100)).contains("unknown kind"));
    // Four masks after the header: the pixels cannot start right after it.
    let mut masks = with(14 + 16, 6);
    set_u32(&mut masks, 10, 14 + 40 + 12);
    refusal(ImageFormat::Bmp, &masks);
    refusal(ImageFormat::Bmp, b"BM");
    // The pixels starting inside the palette, or at the end: all was read.
    assert!(!is_borrowed(ImageFormat::Bmp, &with(10, 14 + 40 + 8)));
    assert!(!is_borrowed(
        ImageFormat::Bmp,
        &with(10, clean.len() as u32)
    ));
}

// ---- ICO ----

#[test]
fn ico_pngs_lose_their_exif_and_text_like_png_files() {
    let parts = png_parts();
    let metadata = png_metadata(1);
    let png = interleave(
        &parts,
        &[(1, metadata[0].clone()), (2, metadata[2].clone())],
    );
    let bitmap = ico_bitmap(3, 2, 8);
    let original = ico(&[(3, 2, bitmap.clone()), (4, 2, png)], &[]);
    assert!(personal_data_left(&original).contains(&"GPSLatitude".to_string()));
    let clean = ico(&[(3, 2, bitmap.clone()), (4, 2, parts.concat())], &[]);
    assert_stripped(ImageFormat::Ico, &original, &clean);
    let stripped = strip(ImageFormat::Ico, &original);
    assert!(!contains(&stripped, b"eXIf") && !contains(&stripped, b"iTXt"));
    // A rotated icon keeps its orientation, as a PNG file does.
    let rotated = interleave(&parts, &[(1, png_metadata(6)[0].clone())]);
    let oriented = interleave(&parts, &[(2, png_chunk(b"eXIf", &orientation_tiff(6)))]);
    assert_stripped(
        ImageFormat::Ico,
        &ico(&[(3, 2, bitmap.clone()), (4, 2, rotated)], &[]),
        &ico(&[(3, 2, bitmap), (4, 2, oriented)], &[]),
    );
}

#[test]
fn ico_bytes_outside_its_images_go() {
    let (png, bitmap) = (png_parts().concat(), ico_bitmap(3, 2, 32));
    let images = [(4, 2, png.clone()), (3, 2, bitmap.clone())];
    let clean = ico(&images, &[]);
    assert!(is_borrowed(ImageFormat::Ico, &clean));
    // Before, between and after the images.
    for at in 0..3 {
        let mut junk = vec![Vec::new(); 3];
        junk[at] = payload();
        assert_stripped(ImageFormat::Ico, &ico(&images, &junk), &clean);
    }
    // Inside their entries: after the PNG's end, after the bitmap's mask.
    let longer = [
        (4, 2, [png.clone(), payload()].concat()),
        (3, 2, [bitmap.clone(), payload()].concat()),
    ];
    assert_stripped(ImageFormat::Ico, &ico(&longer, &[]), &clean);
    // Listed in another order than they lie: laid out as listed.
    let mut swapped = clean.clone();
    let (first, second) = (clean[6..22].to_vec(), clean[22..38].to_vec());
    swapped[6..22].copy_from_slice(&second);
    swapped[22..38].copy_from_slice(&first);
    let reordered = ico(&[(3, 2, bitmap.clone()), (4, 2, png)], &[]);
    assert_stripped(ImageFormat::Ico, &swapped, &reordered);
    // A bitmap without its mask: nothing was left unread.
    let maskless = bitmap[..bitmap.len() - 8].to_vec();
    assert!(is_borrowed(
        ImageFormat::Ico,
        &ico(&[(3, 2, maskless)], &[])
    ));
}

#[test]
fn icos_that_cannot_be_walked_are_refused() {
    let (png, bitmap) = (png_parts().concat(), ico_bitmap(3, 2, 8));
    let clean = ico(&[(4, 2, png.clone()), (3, 2, bitmap.clone())], &[]);
    let with = |entry: usize, field: usize, value: usize| {
        let mut data = clean.clone();
        set_u32(&mut data, 6 + 16 * entry + field, value as u32);
        data
    };
    // Past the end of the file, or in the directory.
    let outside = "an icon lies outside the file";
    assert!(refusal(ImageFormat::Ico, &with(1, 8, 10_000)).contains(outside));
    assert!(refusal(ImageFormat::Ico, &with(0, 12, 30)).contains(outside));
    assert!(refusal(ImageFormat::Ico, &clean[..clean.len() - 1]).contains(outside));
    // Images over one another are each read on their own; but one image
    // listed three times would be copied into more than the file.
    assert_stripped(ImageFormat::Ico, &with(0, 8, png.len() + 1), &clean);
    let mut thrice = ico(&vec![(4, 2, png.clone()); 3], &[]);
    thrice.truncate(6 + 16 * 3 + png.len());
    for entry in [6, 22, 38] {
        set_u32(&mut thrice, entry + 12, 6 + 16 * 3);
    }
    assert!(refusal(ImageFormat::Ico, &thrice).contains("overlap"));
    assert!(refusal(ImageFormat::Ico, &clean[..6 + 16 + 3]).contains("directory"));
    // Neither a PNG nor a bitmap; a compressed bitmap; a PNG cut short.
    let single = |image: &[u8]| ico(&[(3, 2, image.to_vec())], &[]);
    assert!(refusal(ImageFormat::Ico, &single(b"Canon SN12345678")).contains("unknown kind"));
    let mut compressed = bitmap.clone();
    set_u32(&mut compressed, 16, 1);
    set_u32(&mut compressed, 20, 10);
    assert!(refusal(ImageFormat::Ico, &single(&compressed)).contains("compressed"));
    refusal(ImageFormat::Ico, &single(&png[..png.len() - 3]));
    refusal(ImageFormat::Ico, &single(&bitmap[..39]));
    refusal(ImageFormat::Ico, &single(b""));
}

// ---- Everything else ----

#[test]
fn bytes_appended_to_any_picture_are_cut_off_or_refused() {
    let (headers, pixels) = bmp_parts(40, 4, 2, 24);
    for (format, clean) in [
        (ImageFormat::Jpeg, jpeg_parts(true).concat()),
        (ImageFormat::Png, png_parts().concat()),
        (ImageFormat::Gif, gif_parts().concat()),
        (ImageFormat::Webp, webp(&webp_parts(VP8X_ICC).concat())),
        (ImageFormat::Bmp, bmp(&headers, b"", &pixels, b"")),
        (ImageFormat::Ico, ico(&[(4, 2, png_parts().concat())], &[])),
    ] {
        assert!(is_borrowed(format, &clean), "{format:?}");
        assert_stripped(format, &[clean.as_slice(), &payload()].concat(), &clean);
    }
    // AVIF's boxes have to fill the file: bytes that are no box are refused.
    refusal(ImageFormat::Avif, &[avif(LAYOUT).data, payload()].concat());
}

#[test]
fn the_oracles_see_the_metadata_of_every_sample() {
    let with_exif = [
        interleave(&jpeg_parts(false), &[(1, jpeg_exif(6))]),
        interleave(&png_parts(), &[(1, png_metadata(6)[0].clone())]),
        webp(&[webp_parts(VP8X_ICC).concat(), webp_metadata(6)[0].clone()].concat()),
        avif(LAYOUT).data,
    ];
    for data in with_exif {
        let left = personal_data_left(&data);
        // The serial number (0xA431 = 42033) is a tag it knows by number.
        for field in ["Make", "GPSLatitude", "Tag(Tiff, 42033)"] {
            assert!(left.iter().any(|f| f == field), "{field} not in {left:?}");
        }
    }
    let jpeg = jpeg_parts(true);
    for piece in jpeg_metadata(6) {
        assert!(!personal_data_left(&piece).is_empty());
        assert!(!metadata_left(&interleave(&jpeg, &[(8, piece)])).is_empty());
    }
    let png = png_parts();
    for piece in png_metadata(6) {
        assert!(!metadata_left(&interleave(&png, &[(3, piece)])).is_empty());
    }
    let webp_clean = webp_parts(VP8X_ICC).concat();
    for piece in webp_metadata(6) {
        assert!(!metadata_left(&webp(&[webp_clean.as_slice(), &piece].concat())).is_empty());
    }
    let gif = gif_parts();
    for piece in gif_metadata() {
        assert!(!personal_data_left(&piece).is_empty());
        assert!(!metadata_left(&interleave(&gif, &[(4, piece)])).is_empty());
    }
    // In a BMP's gap, in an ICO's PNG or in its bitmap's entry.
    let (headers, pixels) = bmp_parts(40, 4, 2, 8);
    let bmp_clean = bmp(&headers, b"", &pixels, b"");
    assert!(!metadata_left(&bmp(&headers, b"x", &pixels, b"")).is_empty());
    let ico_clean = ico(&[(4, 2, png.concat()), (3, 2, ico_bitmap(3, 2, 8))], &[]);
    let with_text = interleave(&png, &[(2, png_metadata(1)[1].clone())]);
    assert!(!metadata_left(&ico(&[(4, 2, with_text)], &[])).is_empty());
    let longer = [ico_bitmap(3, 2, 8), b"x".to_vec()].concat();
    assert!(!metadata_left(&ico(&[(3, 2, longer)], &[])).is_empty());
    // Data after the end, and structure that cannot be read.
    let clean = [jpeg.concat(), png.concat(), gif.concat(), webp(&webp_clean)];
    for clean in [&clean[..], &[bmp_clean.clone(), ico_clean.clone()]].concat() {
        assert_eq!(metadata_left(&clean), Vec::<String>::new());
        assert!(!metadata_left(&[clean.as_slice(), b"x"].concat()).is_empty());
    }
    assert!(!metadata_left(&jpeg.concat()[..23]).is_empty());
    assert!(!metadata_left(&png.concat()[..20]).is_empty());
    assert!(!metadata_left(&gif.concat()[..20]).is_empty());
    assert!(!metadata_left(&bmp_clean[..30]).is_empty());
    assert!(!metadata_left(&ico_clean[..30]).is_empty());
}

#[test]
fn svg_is_returned_as_is_and_anything_else_is_read() {
    assert!(is_borrowed(ImageFormat::Svg, b"anything"));
    for format in [ImageFormat::Bmp, ImageFormat::Ico] {
        refusal(format, b"anything");
    }
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    // text.png's IHDR chunk, as its encoder wrote it.
    assert_eq!(crc32(&TEXT_PNG[12..29]).to_be_bytes(), TEXT_PNG[29..33]);
}

#[test]
fn damaged_files_are_refused_or_come_back_without_metadata() {
    let samples = [
        (ImageFormat::Jpeg, camera_jpeg()[..4000].to_vec()),
        (
            ImageFormat::Png,
            interleave(
                &png_parts(),
                &everywhere(&png_parts()[1..2], &png_metadata(6)),
            ),
        ),
        (
            ImageFormat::Gif,
            interleave(
                &gif_parts(),
                &everywhere(&gif_parts()[..6], &gif_metadata()),
            ),
        ),
        (
            ImageFormat::Webp,
            webp(&[webp_metadata(6).concat(), webp_parts(0x2C).concat()].concat()),
        ),
        (ImageFormat::Avif, avif(LAYOUT).data),
        (ImageFormat::Bmp, {
            // The profile after the pixels and the payload appended to them.
            let at = 124 + 1024 + 2 * payload().len() + 8;
            let info = bmp_v5_with_profile(3, 2, 8, at, 132);
            let after = [payload(), icc_profile()].concat();
            let headers = [info, bmp_palette(124, 8)].concat();
            bmp(&headers, &payload(), &bmp_rows(3, 2, 8), &after)
        }),
        (ImageFormat::Ico, {
            let png = interleave(&png_parts(), &[(1, png_metadata(6)[0].clone())]);
            let images = [(3, 2, ico_bitmap(3, 2, 4)), (4, 2, png)];
            ico(&images, &[payload(), payload(), payload()])
        }),
    ];
    for (format, data) in samples {
        let (mut refused, mut clean) = (0, 0);
        for len in 0..data.len() {
            match strip_metadata(format, &data[..len]) {
                Ok(stripped) => {
                    let mut left = personal_data_left(&stripped);
                    left.extend(metadata_left(&stripped));
                    assert!(left.is_empty(), "{format:?} cut at {len}: {left:?}");
                    clean += 1;
                }
                Err(error) => {
                    assert!(error.to_string().contains(error.reason));
                    refused += 1;
                }
            }
        }
        assert!(refused > 0 && clean + refused == data.len(), "{format:?}");
    }
}
