//! Metadata stripping on anything detection accepts: never panics, keeps
//! the format, size and animation, and leaves nothing more to strip.
#![no_main]

use imghost_shared::image::{detect, strip_metadata};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(info) = detect(data) else { return };
    let stripped = strip_metadata(info.format, data);
    let again = detect(&stripped).expect("a stripped image is still an image");
    assert_eq!((again.format, again.dimensions, again.animated), (info.format, info.dimensions, info.animated));
    assert_eq!(&*strip_metadata(info.format, &stripped), &*stripped);
});
