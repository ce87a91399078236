//! Properties of type detection, header parsing and metadata stripping on
//! arbitrary and mutated input: no panic, and stripping keeps the picture.
//! (The fuzz/ targets run the same code under coverage-guided fuzzing.)

use imghost_shared::image::{detect, strip_metadata};
use proptest::prelude::*;

const FIXTURES: [&[u8]; 5] = [
    include_bytes!("../../tests/fixtures/rocket.jpg"),
    include_bytes!("../../tests/fixtures/text.png"),
    include_bytes!("../../tests/fixtures/no_time_for_that_tiny.gif"),
    include_bytes!("../../tests/fixtures/small.webp"),
    include_bytes!("../../tests/fixtures/logo.png"),
];

/// A real image with some bytes overwritten and possibly cut short.
fn mutated_image() -> impl Strategy<Value = Vec<u8>> {
    (
        0..FIXTURES.len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(which, edits, cut, truncate)| {
            let mut data = FIXTURES[which].to_vec();
            // Most structure is in the first kilobytes: aim edits there.
            let head = data.len().min(4096);
            for (at, byte) in edits {
                let i = at.index(head);
                data[i] = byte;
            }
            if truncate {
                data.truncate(cut.index(data.len() + 1));
            }
            data
        })
}

fn check(data: &[u8]) -> Result<(), TestCaseError> {
    let Ok(info) = detect(data) else {
        return Ok(());
    };
    let stripped = strip_metadata(info.format, data);
    // Stripping keeps what the picture is: format, size, animation.
    let again = detect(&stripped)
        .map_err(|e| TestCaseError::fail(format!("stripped file rejected: {e}")))?;
    prop_assert_eq!(again.format, info.format);
    prop_assert_eq!(again.dimensions, info.dimensions);
    prop_assert_eq!(again.animated, info.animated);
    // And there is nothing left to strip.
    prop_assert_eq!(&*strip_metadata(info.format, &stripped), &*stripped);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(&data)?;
    }

    #[test]
    fn arbitrary_bytes_after_a_real_signature(
        which in 0..FIXTURES.len(),
        tail in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let signature_len = if which == 3 { 16 } else { 8 };
        let mut data = FIXTURES[which][..signature_len].to_vec();
        data.extend(tail);
        check(&data)?;
    }

    #[test]
    fn mutated_real_images(data in mutated_image()) {
        check(&data)?;
    }
}
