//! Metadata stripping on anything detection accepts: never panics; refuses
//! with a reason, or keeps the format, size and animation, never grows the
//! file, leaves no metadata a reader walking it would find (checked by a
//! walker written apart from the one under test, and an EXIF reader), and
//! leaves nothing more to strip.
#![no_main]

#[allow(dead_code)]
#[path = "../../shared/src/image/samples.rs"]
mod samples;

use imghost_shared::image::{detect, strip_metadata};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(info) = detect(data) else { return };
    let stripped = match strip_metadata(info.format, data) {
        Ok(stripped) => stripped,
        Err(error) => {
            assert_eq!(error.format, info.format);
            assert!(error.to_string().contains(error.reason));
            return;
        }
    };
    let again = detect(&stripped).expect("a stripped image is still an image");
    assert_eq!(
        (again.format, again.dimensions, again.animated),
        (info.format, info.dimensions, info.animated)
    );
    assert!(stripped.len() <= data.len());
    assert_eq!(samples::metadata_left(&stripped), Vec::<String>::new());
    let twice = strip_metadata(info.format, &stripped).expect("a stripped image strips again");
    assert_eq!(&*twice, &*stripped);
});
