//! Properties of type detection, header parsing and metadata stripping on
//! arbitrary, generated and mutated input: no panic; stripping removes
//! every piece of personal metadata, keeps the picture byte for byte and
//! never grows the file; a file that cannot be read with certainty is
//! refused rather than passed through.
//! (The fuzz/ targets run the same code under coverage-guided fuzzing.)

#[allow(dead_code)]
#[path = "../src/image/samples.rs"]
mod samples;

use imghost_shared::image::{detect, strip_metadata, ImageFormat};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use samples::*;
use std::sync::atomic::{AtomicUsize, Ordering};

const FIXTURES: [&[u8]; 5] = [
    include_bytes!("../../tests/fixtures/rocket.jpg"),
    include_bytes!("../../tests/fixtures/text.png"),
    include_bytes!("../../tests/fixtures/no_time_for_that_tiny.gif"),
    include_bytes!("../../tests/fixtures/small.webp"),
    include_bytes!("../../tests/fixtures/logo.png"),
];

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000)
}

/// An image with personal metadata in generated places, and exactly what
/// stripping it must give: the clean picture, or a refusal (`None`).
#[derive(Debug, Clone)]
struct Sample {
    format: ImageFormat,
    data: Vec<u8>,
    stripped: Option<Vec<u8>>,
}

/// Pieces of metadata, each put after the part of the clean file the first
/// number picks (after the last part: appended to the file).
type Insertions = Vec<(prop::sample::Index, prop::sample::Index)>;

fn placed(
    parts: usize,
    pieces: &[Vec<u8>],
    picks: &Insertions,
    first: usize,
) -> Vec<(usize, Vec<u8>)> {
    picks
        .iter()
        .map(|(at, piece)| {
            (
                first + at.index(parts - first),
                pieces[piece.index(pieces.len())].clone(),
            )
        })
        .collect()
}

fn jpeg_sample(progressive: bool, orientation: u16, picks: &Insertions) -> Sample {
    let parts = jpeg_parts(progressive);
    let inserted = placed(parts.len(), &jpeg_metadata(orientation), picks, 0);
    // Only EXIF inside the picture (before EOI) is read for its orientation.
    let exif = jpeg_exif(orientation);
    let oriented = orientation != 1
        && inserted
            .iter()
            .any(|(after, piece)| *piece == exif && *after < parts.len() - 1);
    let orientation_segment: Vec<_> = oriented
        .then(|| (1, jpeg_orientation(orientation)))
        .into_iter()
        .collect();
    Sample {
        format: ImageFormat::Jpeg,
        data: interleave(&parts, &inserted),
        stripped: Some(interleave(&parts, &orientation_segment)),
    }
}

fn png_sample(orientation: u16, picks: &Insertions) -> Sample {
    let parts = png_parts();
    // Between IHDR and IEND, or after IEND.
    let inserted = placed(parts.len(), &png_metadata(orientation), picks, 1);
    let exif = &png_metadata(orientation)[0];
    let oriented = orientation != 1
        && inserted
            .iter()
            .any(|(after, piece)| piece == exif && *after < parts.len() - 1);
    let orientation_chunk = png_chunk(b"eXIf", &orientation_tiff(orientation));
    let orientation_chunk: Vec<_> = oriented
        .then_some((2, orientation_chunk))
        .into_iter()
        .collect();
    Sample {
        format: ImageFormat::Png,
        data: interleave(&parts, &inserted),
        stripped: Some(interleave(&parts, &orientation_chunk)),
    }
}

fn webp_sample(orientation: u16, picks: &Insertions) -> Sample {
    const EXIF: u8 = 0x08;
    const XMP: u8 = 0x04;
    let flags = if picks.is_empty() {
        VP8X_ICC
    } else {
        VP8X_ICC | EXIF | XMP
    };
    let parts = webp_parts(flags);
    let metadata = webp_metadata(orientation);
    // Inside the container, after each chunk; or appended after it.
    let inserted = placed(parts.len() + 1, &metadata, picks, 0);
    let (inside, after): (Vec<_>, Vec<_>) =
        inserted.into_iter().partition(|(at, _)| *at < parts.len());
    let data = [
        webp(&interleave(&parts, &inside)),
        after.into_iter().flat_map(|(_, piece)| piece).collect(),
    ]
    .concat();
    let oriented = orientation != 1 && inside.iter().any(|(_, piece)| *piece == metadata[0]);
    let stripped = if oriented {
        let exif = riff_chunk(b"EXIF", &orientation_tiff(orientation));
        webp(&[webp_parts(VP8X_ICC | EXIF).concat(), exif].concat())
    } else {
        webp(&webp_parts(VP8X_ICC).concat())
    };
    Sample {
        format: ImageFormat::Webp,
        data,
        stripped: Some(stripped),
    }
}

fn gif_sample(picks: &Insertions) -> Sample {
    let parts = gif_parts();
    let mut metadata = gif_metadata();
    metadata.push(b"appended: Canon SN12345678".to_vec());
    let trailer = parts.len() - 1;
    // Blocks before the trailer; the appended text after it.
    let inserted: Vec<_> = placed(parts.len(), &metadata, picks, 0)
        .into_iter()
        .map(
            |(at, piece)| match (at, piece == metadata[metadata.len() - 1]) {
                (_, true) => (trailer, piece),
                (at, false) => (at.min(trailer - 1), piece),
            },
        )
        .collect();
    Sample {
        format: ImageFormat::Gif,
        data: interleave(&parts, &inserted),
        stripped: Some(parts.concat()),
    }
}

/// The XMP packet with `padding` bytes of white space before its end, as
/// editors leave room to rewrite it in place.
fn xmp_padded(padding: usize) -> Vec<u8> {
    let packet = xmp_packet();
    let end = packet.len() - b"<?xpacket end='w'?>".len();
    let space = (1..=padding).map(|i| if i % 100 == 0 { b'\n' } else { b' ' });
    let (head, tail) = packet.split_at(end);
    head.iter()
        .copied()
        .chain(space)
        .chain(tail.iter().copied())
        .collect()
}

/// `items` in the order `picks` make of them, as a Fisher-Yates shuffle.
fn shuffled<T>(mut items: Vec<T>, picks: &[prop::sample::Index]) -> Vec<T> {
    for (i, pick) in picks.iter().enumerate().take(items.len().saturating_sub(1)) {
        let j = i + pick.index(items.len() - i);
        items.swap(i, j);
    }
    items
}

/// How one item of an AVIF sample lies, as proptest picks it.
#[derive(Debug, Clone)]
struct ItemPicks {
    /// 1 to 3, fewer if cuts fall together.
    extents: usize,
    cuts: [prop::sample::Index; 2],
    /// In `idat` (with iloc version 1 or 2), else in `mdat`.
    in_idat: bool,
    base_percent: u8,
}

impl ItemPicks {
    fn place(&self, item: &mut AvifItem, iloc_version: u8) {
        let len = item.payload.len();
        let cuts = self.cuts[..self.extents - 1].iter();
        let mut ends: Vec<usize> = cuts.map(|cut| 1 + cut.index(len - 1)).collect();
        ends.push(len);
        ends.sort_unstable();
        ends.dedup();
        item.extent_ends = ends;
        item.construction_method = u8::from(self.in_idat && iloc_version > 0);
        item.base_percent = self.base_percent;
    }
}

fn item_picks() -> impl Strategy<Value = ItemPicks> {
    (
        1..=3usize,
        any::<[prop::sample::Index; 2]>(),
        any::<bool>(),
        0..=100u8,
    )
        .prop_map(|(extents, cuts, in_idat, base_percent)| ItemPicks {
            extents,
            cuts,
            in_idat,
            base_percent,
        })
}

/// Distinct ids, none 0, in 16 bits unless `wide`; mostly small if `small`.
fn item_ids(raw: [u32; 5], small: bool, wide: bool) -> Vec<u32> {
    let max = if wide { u32::MAX } else { u32::from(u16::MAX) };
    let mut ids = Vec::new();
    for raw in raw {
        let mut id = 1 + raw % if small { 8 } else { max };
        while ids.contains(&id) {
            id = id % max + 1;
        }
        ids.push(id);
    }
    ids
}

/// An AVIF laid out as writers could: the picture, an Exif and an XMP
/// item in 1 to 3 extents each, maybe a thumbnail and a plain text `mime`
/// item; any ids; any order in iinf, iloc, mdat and idat and of meta's
/// children after hdlr; 4- or 8-byte offsets and lengths, base offsets
/// and extent indices; and now and then Exif or XMP in a form stripping
/// has to refuse (an extent "to the end", construction method 2). Often
/// a `uuid` box of XMP, or a sequence's `moov` with a location in `udta`,
/// before, between or after `meta` and `mdat`.
fn avif_plan() -> impl Strategy<Value = AvifPlan> {
    let sizes = || prop::sample::select(vec![0u8, 4, 8]);
    let boxes = (
        0..3u8,
        [
            prop::sample::select(vec![4u8, 8]),
            prop::sample::select(vec![4u8, 8]),
            sizes(),
            sizes(),
        ],
        0..2u8,
        2..4u8,
        any::<(bool, bool, bool)>(),
        (
            prop::option::of(0..3usize),
            prop::option::of(0..3usize),
            any::<bool>(),
        ),
    );
    let items = (
        any::<([u32; 5], bool)>(),
        prop::collection::vec(item_picks(), 5),
        any::<(Option<bool>, bool)>(),
        prop::sample::select(vec![0usize, 1, 37, 600]),
        prop::sample::select(vec![0usize, 1, 99, 2048]),
        (0..16u8, any::<bool>()),
    );
    let orders = any::<(
        [prop::sample::Index; 4],
        [prop::sample::Index; 4],
        [prop::sample::Index; 16],
        [prop::sample::Index; 6],
    )>();
    (boxes, items, orders).prop_map(|(boxes, items, orders)| {
        let (iloc_version, iloc_sizes, iinf_version, infe_version, flags, outside) = boxes;
        let (mdat_first, iref, dinf) = flags;
        let (uuid_at, moov_at, udta_in_trak) = outside;
        let ((raw_ids, small), picks, (thumbnail, text), exif_padding, xmp_padding, refusal) =
            items;
        let (iinf_picks, iloc_picks, piece_picks, meta_picks) = orders;
        let ids = item_ids(raw_ids, small, iloc_version == 2);
        let mut items = vec![
            AvifItem::new(ids[0], *b"av01", "", AV1_DATA.to_vec()),
            AvifItem::new(ids[1], *b"Exif", "", avif_exif(exif_padding)),
            AvifItem::new(ids[2], *b"mime", XMP_CONTENT_TYPE, xmp_padded(xmp_padding)),
        ];
        if let Some(hevc) = thumbnail {
            let kind = if hevc { *b"hvc1" } else { *b"av01" };
            items.push(AvifItem::new(
                ids[3],
                kind,
                "",
                b"thumbnail-coded-data".to_vec(),
            ));
        }
        if text {
            let note = b"a note, not metadata".to_vec();
            items.push(AvifItem::new(ids[4], *b"mime", "text/plain", note));
        }
        items[0].base_percent = picks[0].base_percent;
        for (item, picks) in items.iter_mut().zip(&picks).skip(1) {
            picks.place(item, iloc_version);
        }
        let (kind, exif) = refusal;
        let refused = &mut items[if exif { 1 } else { 2 }];
        match kind {
            0 if iloc_version > 0 => refused.construction_method = 2,
            0 | 1 => refused.open_ended = true,
            _ => {}
        }
        let mut meta_order = vec![*b"pitm", *b"iloc", *b"iinf", *b"iprp", *b"idat"];
        meta_order.extend(iref.then_some(*b"iref"));
        meta_order.extend(dinf.then_some(*b"dinf"));
        // The picture comes first in `items`, not necessarily in iinf.
        let count = items.len();
        AvifPlan {
            iinf_order: shuffled((0..count).collect(), &iinf_picks),
            iloc_order: shuffled((0..count).collect(), &iloc_picks),
            pieces: shuffled(pieces_in_order(&items), &piece_picks),
            meta_order: shuffled(meta_order, &meta_picks),
            items,
            iloc_version,
            iloc_sizes,
            iinf_version,
            infe_version,
            mdat_first,
            uuid_at,
            moov_at,
            udta_in_trak,
        }
    })
}

/// Stripping blanks every extent of the Exif and `mime` items and frees
/// the `uuid` and `udta` boxes, or refuses what it cannot locate with
/// certainty.
fn avif_sample(plan: &AvifPlan) -> Sample {
    let avif = avif_from(plan);
    let refused = (plan.items.iter())
        .any(|item| item.is_blanked() && (item.construction_method == 2 || item.open_ended));
    let stripped = (!refused).then(|| avif.stripped());
    Sample {
        format: ImageFormat::Avif,
        data: avif.data,
        stripped,
    }
}

/// Personal data as it could sit in a BMP or ICO file.
fn loose_metadata() -> Vec<Vec<u8>> {
    vec![
        b"appended: Canon SN12345678".to_vec(),
        xmp_packet(),
        [b"Exif\0\0".as_slice(), &camera_exif(6)].concat(),
    ]
}

/// A bitmap's header kind and depth, picked from those that go together.
#[derive(Debug, Clone)]
struct Shape {
    kind: prop::sample::Index,
    bits: prop::sample::Index,
    width: i32,
    height: i32,
}

impl Shape {
    fn size_and_bits(&self) -> (u32, u16) {
        let size = [12, 40, 52, 56, 64, 108, 124][self.kind.index(7)];
        let bits: &[u16] = if size == 12 {
            &[1, 4, 8, 24]
        } else {
            &[1, 4, 8, 16, 24, 32]
        };
        (size, bits[self.bits.index(bits.len())])
    }
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        any::<(prop::sample::Index, prop::sample::Index)>(),
        1..34i32,
        1..5i32,
    )
        .prop_map(|((kind, bits), width, height)| Shape {
            kind,
            bits,
            width,
            height,
        })
}

/// Metadata between the palette and the pixels, and after the pixels;
/// with a V5 header, an embedded colour profile after all that.
fn bmp_sample(shape: &Shape, top_down: bool, with_profile: bool, picks: &Insertions) -> Sample {
    let (size, bits) = shape.size_and_bits();
    let height = if top_down && size != 12 {
        -shape.height
    } else {
        shape.height
    };
    let (mut headers, pixels) = bmp_parts(size, shape.width, height, bits);
    let inserted = placed(2, &loose_metadata(), picks, 0);
    let at = |place: usize| -> Vec<u8> {
        let pieces = inserted.iter().filter(|(at, _)| *at == place);
        pieces.flat_map(|(_, piece)| piece.clone()).collect()
    };
    let (gap, after) = (at(0), at(1));
    let zeros = vec![0; gap.len()];
    if !(with_profile && size == 124) {
        return Sample {
            format: ImageFormat::Bmp,
            data: bmp(&headers, &gap, &pixels, &after),
            stripped: Some(bmp(&headers, &zeros, &pixels, b"")),
        };
    }
    let profile = icc_profile();
    headers[56..60].copy_from_slice(b"DEBM");
    set_u32(&mut headers, 116, profile.len() as u32);
    // From the info header's start, right after the pixels.
    let right_after = (headers.len() + gap.len() + pixels.len()) as u32;
    set_u32(&mut headers, 112, right_after + after.len() as u32);
    let data = bmp(&headers, &gap, &pixels, &[after, profile.clone()].concat());
    set_u32(&mut headers, 112, right_after);
    let mut stripped = bmp(&headers, &zeros, &pixels, &profile);
    let len = stripped.len() as u32;
    set_u32(&mut stripped, 2, len);
    Sample {
        format: ImageFormat::Bmp,
        data,
        stripped: Some(stripped),
    }
}

/// An icon with a PNG carrying metadata, as `png_sample` makes it, and a
/// bitmap; personal data before, between or after them, or after the
/// bitmap's mask inside its entry.
fn ico_sample(
    shape: &Shape,
    png_first: bool,
    junk_at: prop::sample::Index,
    orientation: u16,
    picks: &Insertions,
) -> Sample {
    let png = png_sample(orientation, picks);
    let (_, bits) = shape.size_and_bits();
    let bitmap = ico_bitmap(shape.width, shape.height, bits);
    let side = |n: i32| n as u8;
    let images = |png: Vec<u8>, bitmap: Vec<u8>| {
        let png = (4, 2, png);
        let bitmap = (side(shape.width), side(shape.height), bitmap);
        if png_first {
            vec![png, bitmap]
        } else {
            vec![bitmap, png]
        }
    };
    let junk = loose_metadata()[0].clone();
    let place = junk_at.index(4);
    let mut junk_list = vec![Vec::new(); 3];
    let mut longer = bitmap.clone();
    match place {
        3 => longer.extend_from_slice(&junk),
        _ => junk_list[place] = junk,
    }
    Sample {
        format: ImageFormat::Ico,
        data: ico(&images(png.data, longer), &junk_list),
        stripped: png.stripped.map(|png| ico(&images(png, bitmap), &[])),
    }
}

fn sample_with_metadata() -> impl Strategy<Value = Sample> {
    let picks = prop::collection::vec(any::<(prop::sample::Index, prop::sample::Index)>(), 1..12);
    (
        0..7usize,
        picks,
        prop::sample::select(vec![1u16, 3, 6, 8]),
        any::<(bool, bool)>(),
        avif_plan(),
        shape(),
        any::<prop::sample::Index>(),
    )
        .prop_map(
            |(format, picks, orientation, (a, b), avif, shape, index)| match format {
                0 => jpeg_sample(a, orientation, &picks),
                1 => png_sample(orientation, &picks),
                2 => webp_sample(orientation, &picks),
                3 => gif_sample(&picks),
                4 => avif_sample(&avif),
                5 => bmp_sample(&shape, a, b, &picks),
                _ => ico_sample(&shape, a, index, orientation, &picks),
            },
        )
}

/// A generated image with metadata, then some bytes overwritten and
/// possibly cut short.
fn mutated_sample() -> impl Strategy<Value = Vec<u8>> {
    (
        sample_with_metadata(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(sample, edits, cut, truncate)| {
            let mut data = sample.data;
            for (at, byte) in edits {
                let i = at.index(data.len());
                data[i] = byte;
            }
            if truncate {
                data.truncate(cut.index(data.len() + 1));
            }
            data
        })
}

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

/// Whatever the input: stripping either refuses with a reason, or keeps
/// what the picture is and leaves no metadata a reader would find, never
/// grows the file, and leaves nothing more to strip. `Ok(true)` if the
/// input reached stripping and came back stripped.
fn check(data: &[u8]) -> Result<bool, TestCaseError> {
    let Ok(info) = detect(data) else {
        return Ok(false);
    };
    let stripped = match strip_metadata(info.format, data) {
        Ok(stripped) => stripped,
        Err(error) => {
            prop_assert_eq!(error.format, info.format);
            prop_assert!(error.to_string().contains(error.reason));
            return Ok(false);
        }
    };
    let again = detect(&stripped)
        .map_err(|e| TestCaseError::fail(format!("stripped file rejected: {e}")))?;
    prop_assert_eq!(again.format, info.format);
    prop_assert_eq!(again.dimensions, info.dimensions);
    prop_assert_eq!(again.animated, info.animated);
    prop_assert!(stripped.len() <= data.len());
    prop_assert_eq!(metadata_left(&stripped), Vec::<String>::new());
    let twice = strip_metadata(info.format, &stripped)
        .map_err(|e| TestCaseError::fail(format!("stripped file refused: {e}")))?;
    prop_assert_eq!(&*twice, &*stripped);
    Ok(true)
}

/// Runs `property` on `strategy`'s cases and fails unless at least
/// `percent` of them reached stripping.
fn run<S: Strategy>(
    strategy: S,
    percent: usize,
    property: impl Fn(&S::Value) -> Result<bool, TestCaseError>,
) {
    let cases = cases();
    let stripped = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |value| {
            if property(&value)? {
                stripped.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap();
    let stripped = stripped.into_inner();
    assert!(
        stripped * 100 >= cases as usize * percent,
        "only {stripped} of {cases} cases reached stripping"
    );
}

#[test]
fn generated_metadata_is_all_removed_and_the_picture_kept_byte_for_byte() {
    run(sample_with_metadata(), 100, |sample| {
        let carried = [
            personal_data_left(&sample.data),
            metadata_left(&sample.data),
        ];
        prop_assert!(carried.iter().any(|left| !left.is_empty()), "no metadata");
        let Some(expected) = &sample.stripped else {
            // Refused, never passed through: that counts as reaching stripping.
            prop_assert!(strip_metadata(sample.format, &sample.data).is_err());
            check(&sample.data)?;
            return Ok(true);
        };
        let stripped = strip_metadata(sample.format, &sample.data)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(personal_data_left(&stripped), Vec::<String>::new());
        // Exactly the clean picture: pixel data, tables, profiles untouched.
        prop_assert!(*stripped == **expected);
        prop_assert!(stripped.len() <= sample.data.len());
        check(&sample.data)
    });
}

/// The oracle's AVIF walker, on every generated layout: it finds the Exif
/// and the XMP item, the `uuid` and `udta` boxes, nothing once they are
/// blanked, and any one extent of them, or one of those boxes, left as it
/// was.
#[test]
fn the_avif_oracle_finds_every_extent_of_exif_and_xmp_and_every_tagged_box() {
    let strategy = (avif_plan(), any::<prop::sample::Index>());
    run(strategy, 0, |(plan, pick)| {
        let avif = avif_from(plan);
        let left = metadata_left(&avif.data);
        let Some(stripped) = avif_sample(plan).stripped else {
            // What stripping refuses, the oracle cannot read either.
            prop_assert!(!left.is_empty());
            return Ok(false);
        };
        let mut expected = vec!["AVIF: Exif item", "AVIF: XMP item"];
        expected.extend(plan.uuid_at.map(|_| "AVIF: uuid box"));
        expected.extend(plan.moov_at.map(|_| {
            if plan.udta_in_trak {
                "AVIF: moov/trak/udta box"
            } else {
                "AVIF: moov/udta box"
            }
        }));
        for found in expected {
            prop_assert!(
                left.iter().any(|l| l.starts_with(found)),
                "{} in {:?}",
                found,
                left
            );
        }
        prop_assert_eq!(metadata_left(&stripped), Vec::<String>::new());
        // `metadata` lists the blanked items' extents item after item.
        let blanked = plan.items.iter().filter(|item| item.is_blanked());
        let owners: Vec<Option<&AvifItem>> = blanked
            .flat_map(|item| std::iter::repeat_n(Some(item), item.extent_ends.len()))
            .chain(avif.freed.iter().map(|_| None))
            .collect();
        let at = pick.index(owners.len());
        let ranges = [avif.metadata.as_slice(), &avif.freed].concat();
        let (range, item) = (ranges[at].clone(), owners[at]);
        let mut restored = stripped.clone();
        restored[range.clone()].copy_from_slice(&avif.data[range.clone()]);
        let blank = avif.data[range.clone()].iter().all(|byte| *byte == 0);
        // A freed box restored is always seen; an item only if it is Exif or XMP.
        let xmp_or_exif =
            item.is_none_or(|item| item.kind == *b"Exif" || item.content_type == XMP_CONTENT_TYPE);
        let seen = !metadata_left(&restored).is_empty();
        prop_assert_eq!(seen, xmp_or_exif && !blank, "{:?} of {:?}", range, item);
        Ok(true)
    });
}

#[test]
fn mutated_images_with_metadata_are_refused_or_stripped_clean() {
    // Most mutations hit metadata or pixels, not the structure around them.
    run(mutated_sample(), 35, |data| check(data));
}

#[test]
fn mutated_real_images() {
    run(mutated_image(), 25, |data| check(data));
}

#[test]
fn arbitrary_bytes() {
    run(prop::collection::vec(any::<u8>(), 0..2048), 0, |data| {
        check(data)
    });
}

/// A BMP whose pixels start past its info header, or an icon whose one
/// image fills the rest of the file and starts like a bitmap or a PNG;
/// every other byte arbitrary.
#[test]
fn arbitrary_bytes_in_bmp_and_ico_structure() {
    let strategy = (
        any::<bool>(),
        prop::sample::select(vec![0u32, 12, 40, 52, 56, 64, 108, 124]),
        any::<[u8; 9]>(),
        prop::collection::vec(any::<u8>(), 0..1024),
    );
    run(strategy, 10, |(is_bmp, size, fields, tail)| {
        let data = if *is_bmp {
            let offset = 14 + size + u32::from(fields[0] % 64);
            let head = [b"BM".as_slice(), &fields[1..], &offset.to_le_bytes()].concat();
            [head, size.to_le_bytes().to_vec(), tail.clone()].concat()
        } else {
            let start = if *size == 0 {
                PNG_SIGNATURE.to_vec()
            } else {
                size.to_le_bytes().to_vec()
            };
            let len = (start.len() + tail.len()) as u32;
            let entry = [&fields[1..], &len.to_le_bytes(), &22u32.to_le_bytes()].concat();
            [&[0, 0, 1, 0, 1, 0][..], &entry, &start, tail].concat()
        };
        check(&data)
    });
}

#[test]
fn arbitrary_bytes_after_a_real_signature() {
    let strategy = (
        0..FIXTURES.len(),
        prop::collection::vec(any::<u8>(), 0..2048),
    );
    run(strategy, 0, |(which, tail)| {
        let signature_len = if *which == 3 { 16 } else { 8 };
        let data = [&FIXTURES[*which][..signature_len], tail.as_slice()].concat();
        check(&data)
    });
}
