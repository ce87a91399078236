//! Native CPU time of the Worker's own work on one upload — detect the type,
//! read the dimensions, strip metadata, hash — for each file given.
//!
//!     cargo run --release -p imghost-shared --example processing -- FILE...
//!
//! Prints one JSON object per line. The Worker hashes with the runtime's
//! WebCrypto (native code); the sha2 crate with the CPU's SHA extensions
//! stands in for it here.

use imghost_shared::image::{detect, strip_metadata};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const RUNS: usize = 21;

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e6
}

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (mut detect_t, mut strip_t, mut hash_t, mut total_t) = (vec![], vec![], vec![], vec![]);
        let mut stripped_len = 0;
        let mut info = None;
        for _ in 0..RUNS {
            let start = Instant::now();
            let found = detect(&bytes).ok();
            let detected = start.elapsed();
            // A file whose metadata cannot be removed safely is refused.
            let stripped = found.and_then(|i| strip_metadata(i.format, &bytes).ok());
            let after_strip = start.elapsed();
            let digest = Sha256::digest(&bytes);
            let total = start.elapsed();
            std::hint::black_box((&stripped, digest));
            detect_t.push(detected);
            strip_t.push(after_strip - detected);
            hash_t.push(total - after_strip);
            total_t.push(total);
            stripped_len = stripped.map_or(0, |s| s.len());
            info = found;
        }
        let (format, width, height) = info.map_or(("not an image", 0, 0), |i| {
            let d = i.dimensions.unwrap_or(imghost_shared::image::Dimensions {
                width: 0,
                height: 0,
            });
            (i.format.name(), d.width, d.height)
        });
        println!(
            r#"{{"file":"{path}","format":"{format}","width":{width},"height":{height},"original":{},"stripped":{stripped_len},"detect_us":{:.1},"strip_us":{:.1},"hash_us":{:.1},"total_us":{:.1}}}"#,
            bytes.len(),
            median(detect_t),
            median(strip_t),
            median(hash_t),
            median(total_t),
        );
    }
}
