//! Writes the four files an independent review got camera make, serial and
//! GPS back from, to tests/fixtures/leaks/, for the HTTP tests that read
//! what the Worker serves with exiftool:
//! `cargo run -p imghost-shared --example leak_fixtures`.

#[path = "../src/image/samples.rs"]
#[allow(dead_code)]
mod samples;

use samples::*;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/leaks");
    std::fs::create_dir_all(&dir).unwrap();
    let comment = jpeg_segment(0xFE, b"shot at home");
    let frame = 5; // SOI, JFIF, ICC, Adobe, tables, then the frame header

    // One stray byte after the frame header, then EXIF and a comment.
    let stray = [vec![0x00], jpeg_exif(1), comment.clone()].concat();
    let baseline = interleave(&jpeg_parts(false), &[(frame, stray)]);
    // EXIF between the scans of a progressive JPEG.
    let scans = jpeg_parts(true);
    let between = interleave(&scans, &[(frame + 2, [jpeg_exif(1), comment].concat())]);
    // EXIF (GPS, make, serial) and XMP items in an AVIF's meta box.
    let avif = avif(AvifLayout {
        in_idat: false,
        split_exif: false,
        iloc_version: 1,
    })
    .data;
    // A comment and an XMP application extension in a GIF.
    let gif = interleave(
        &gif_parts(),
        &[
            (1, gif_metadata()[0].clone()),
            (3, gif_metadata()[1].clone()),
        ],
    );

    for (name, data) in [
        ("stray-byte.jpg", baseline),
        ("exif-between-scans.jpg", between),
        ("exif-in-meta.avif", avif),
        ("comment-and-xmp.gif", gif),
    ] {
        std::fs::write(dir.join(name), data).unwrap();
    }
}
