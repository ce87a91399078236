//! Type detection and header parsing on arbitrary bytes: never panics, gives
//! the same answer every time, and an accepted image has a size that is not
//! zero (only SVG may have none).
#![no_main]

use imghost_shared::image::{detect, ImageFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let first = detect(data);
    assert_eq!(first, detect(data));
    let Ok(info) = first else { return };
    match info.dimensions {
        Some(size) => assert!(size.width > 0 && size.height > 0, "{info:?}"),
        None => assert_eq!(info.format, ImageFormat::Svg),
    }
});
