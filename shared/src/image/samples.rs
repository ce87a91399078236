//! Test images built byte by byte, with camera, location and other personal
//! metadata wherever their format lets it sit (and some places it does
//! not), and an independent EXIF reader as the oracle that none of it is
//! left after stripping. Used by the unit tests and, through `#[path]`, by
//! tests/properties.rs: only std and the kamadak-exif dev-dependency here.

use std::io::Cursor;
use std::ops::Range;

/// Text of the personal metadata below: none of it may survive stripping.
pub const PERSONAL: [&[u8]; 11] = [
    b"SN12345678",
    b"Canon",
    b"GPSLatitude",
    b"Amsterdam",
    b"shot at home",
    b"Jane Doe",
    b"http://ns.adobe.com/xap/1.0/",
    b"xmpmeta",
    b"<?xpacket",
    b"Photoshop 3.0",
    b"MPF\0",
];

/// EXIF as cameras write it: orientation, make, a serial number and a
/// GPS IFD with latitude and longitude. Little-endian, like most phones.
pub fn camera_exif(orientation: u16) -> Vec<u8> {
    let mut t = b"II\x2a\0\x08\0\0\0".to_vec();
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    };
    // IFD0 at 8: 4 entries (2 + 48 + 4 bytes) → data area at 62.
    t.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut t, 0x010F, 2, 6, 62); // Make "Canon\0"
    entry(&mut t, 0x0112, 3, 1, u32::from(orientation));
    entry(&mut t, 0x8825, 4, 1, 80); // GPS IFD at 80
    entry(&mut t, 0xA431, 2, 10, 68); // BodySerialNumber
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(b"Canon\0");
    t.extend_from_slice(b"SN12345678");
    t.extend_from_slice(&[0, 0]);
    assert_eq!(t.len(), 80);
    // GPS IFD: latitude ref + latitude (3 rationals at 110).
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, 110);
    t.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(52u32, 1u32), (31, 1), (1234, 100)] {
        t.extend_from_slice(&num.to_le_bytes());
        t.extend_from_slice(&den.to_le_bytes());
    }
    t
}

pub fn xmp_packet() -> Vec<u8> {
    b"<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>\
      <rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' exif:GPSLatitude='52,31N' \
      aux:SerialNumber='SN12345678' dc:creator='Jane Doe'/></x:xmpmeta><?xpacket end='w'?>"
        .to_vec()
}

// ---- JPEG ----

pub const SOI: [u8; 2] = [0xFF, 0xD8];
pub const EOI: [u8; 2] = [0xFF, 0xD9];
pub const SOF0: u8 = 0xC0;
pub const SOF2: u8 = 0xC2;

pub fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut segment = vec![0xFF, marker];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(payload);
    segment
}

pub fn jpeg_exif(orientation: u16) -> Vec<u8> {
    jpeg_segment(
        0xE1,
        &[b"Exif\0\0".as_slice(), &camera_exif(orientation)].concat(),
    )
}

/// Every kind of personal JPEG segment: EXIF, XMP, IPTC, a comment, the
/// multi-picture index, a JFIF thumbnail extension, vendor segments.
pub fn jpeg_metadata(orientation: u16) -> Vec<Vec<u8>> {
    let xmp = [b"http://ns.adobe.com/xap/1.0/\0".as_slice(), &xmp_packet()].concat();
    vec![
        jpeg_exif(orientation),
        jpeg_segment(0xE1, &xmp),
        jpeg_segment(0xED, b"Photoshop 3.0\08BIM\x04\x04IPTC city=Amsterdam"),
        jpeg_segment(0xFE, b"shot at home"),
        jpeg_segment(0xE2, b"MPF\0II*\0 next picture, serial SN12345678"),
        jpeg_segment(0xE0, b"JFXX\0\x10 thumbnail of Jane Doe"),
        jpeg_segment(0xEC, b"Ducky\0 Jane Doe"),
        jpeg_segment(0xEF, b"maker note Canon SN12345678"),
        jpeg_segment(0xEE, b"Not Adobe: Jane Doe"),
        jpeg_segment(0xE2, b"not ICC_PROFILE Amsterdam"),
    ]
}

/// A scan: its header and some entropy-coded data, with a stuffed 0xFF, a
/// restart marker and fill bytes before another.
pub fn jpeg_scan(n: u8) -> Vec<u8> {
    let header = jpeg_segment(0xDA, &[1, 1, 0, 0, 63, 0]);
    let entropy = [
        n, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, n, 0xFF, 0xFF, 0xD1, 0x78, 0xFF, 0x00, n,
    ];
    [header, entropy.to_vec()].concat()
}

/// The pieces of a clean JPEG, 16×8 pixels, in order: SOI, JFIF, an ICC
/// profile, the Adobe segment, tables, the frame, then one scan (baseline)
/// or three with tables between them (progressive), and EOI.
pub fn jpeg_parts(progressive: bool) -> Vec<Vec<u8>> {
    let sof = if progressive { SOF2 } else { SOF0 };
    let mut parts = vec![
        SOI.to_vec(),
        jpeg_segment(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0"),
        jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01fake-profile"),
        jpeg_segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01"),
        jpeg_segment(0xDB, &[0; 65]),
        jpeg_segment(sof, &[8, 0, 8, 0, 16, 1, 1, 0x11, 0]),
        jpeg_segment(0xC4, &[0; 17]),
        jpeg_scan(1),
    ];
    if progressive {
        parts.push(jpeg_segment(0xC4, &[0x10; 17]));
        parts.push(jpeg_scan(2));
        parts.push(jpeg_scan(3));
    }
    parts.push(EOI.to_vec());
    parts
}

/// The EXIF block stripping writes: IFD0 with the orientation alone.
pub fn orientation_tiff(orientation: u16) -> Vec<u8> {
    [
        b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".as_slice(),
        &orientation.to_be_bytes(),
        &[0; 6],
    ]
    .concat()
}

/// The orientation-only EXIF segment stripping writes after JFIF.
pub fn jpeg_orientation(orientation: u16) -> Vec<u8> {
    jpeg_segment(
        0xE1,
        &[b"Exif\0\0".as_slice(), &orientation_tiff(orientation)].concat(),
    )
}

/// `parts` with `inserted` pieces put after the part each names.
pub fn interleave(parts: &[Vec<u8>], inserted: &[(usize, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        out.extend_from_slice(part);
        for (_, piece) in inserted.iter().filter(|(after, _)| *after == i) {
            out.extend_from_slice(piece);
        }
    }
    out
}

// ---- PNG ----

pub const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub fn png_chunk(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut crc = !0u32;
    for byte in kind.iter().chain(payload) {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    [
        &(payload.len() as u32).to_be_bytes(),
        kind.as_slice(),
        payload,
        &(!crc).to_be_bytes(),
    ]
    .concat()
}

/// A clean 4×2 grey PNG with a colour profile and two image data chunks.
pub fn png_parts() -> Vec<Vec<u8>> {
    vec![
        PNG_SIGNATURE.to_vec(),
        png_chunk(b"IHDR", &[0, 0, 0, 4, 0, 0, 0, 2, 8, 0, 0, 0, 0]),
        png_chunk(b"iCCP", b"profile\0\0compressed"),
        png_chunk(b"IDAT", b"\x78\x9c\x63\x60"),
        png_chunk(b"IDAT", b"\x60\x00\x00\x00\x0c\x00\x01"),
        png_chunk(b"IEND", b""),
    ]
}

pub fn png_metadata(orientation: u16) -> Vec<Vec<u8>> {
    vec![
        png_chunk(b"eXIf", &camera_exif(orientation)),
        png_chunk(b"tEXt", b"Author\0Jane Doe"),
        png_chunk(
            b"iTXt",
            &[b"XML:com.adobe.xmp\0\0\0\0\0".as_slice(), &xmp_packet()].concat(),
        ),
        png_chunk(b"zTXt", b"Comment\0\0shot at home"),
        png_chunk(b"tIME", b"\x07\xe8\x05\x01\x0c\x00\x00"),
        png_chunk(b"prVt", b"Canon SN12345678"),
    ]
}

// ---- WebP ----

pub const VP8X_ICC: u8 = 0x20;

pub fn riff_chunk(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = kind.to_vec();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A clean extended WebP, 4×2: header with the given flags, colour profile,
/// lossless image.
pub fn webp_parts(flags: u8) -> Vec<Vec<u8>> {
    vec![
        riff_chunk(b"VP8X", &[flags, 0, 0, 0, 3, 0, 0, 1, 0, 0]),
        riff_chunk(b"ICCP", b"profile"),
        riff_chunk(b"VP8L", &[0x2F, 3, 0x40, 0, 0, 0x42, 0x17]),
    ]
}

pub fn webp_metadata(orientation: u16) -> Vec<Vec<u8>> {
    vec![
        riff_chunk(b"EXIF", &camera_exif(orientation)),
        riff_chunk(b"XMP ", &xmp_packet()),
        riff_chunk(b"Xtra", b"Canon SN12345678 shot at home"),
    ]
}

/// Chunks in a RIFF WEBP container.
pub fn webp(chunks: &[u8]) -> Vec<u8> {
    [
        b"RIFF".as_slice(),
        &((chunks.len() + 4) as u32).to_le_bytes(),
        b"WEBP",
        chunks,
    ]
    .concat()
}

// ---- GIF ----

fn gif_image(pixels: &[u8]) -> Vec<u8> {
    let mut image = vec![0x2C, 0, 0, 0, 0, 4, 0, 2, 0, 0, 2];
    image.push(pixels.len() as u8);
    image.extend_from_slice(pixels);
    image.push(0);
    image
}

/// A clean animated GIF, 4×2: header and colour table, looping, two frames
/// with their graphic control, trailer.
pub fn gif_parts() -> Vec<Vec<u8>> {
    let control = vec![0x21, 0xF9, 4, 0x04, 10, 0, 0, 0];
    vec![
        [
            b"GIF89a".as_slice(),
            &[4, 0, 2, 0, 0x80, 0, 0],
            &[0, 0, 0, 255, 255, 255],
        ]
        .concat(),
        [&[0x21, 0xFF, 11][..], b"NETSCAPE2.0", &[3, 1, 0, 0, 0]].concat(),
        control.clone(),
        gif_image(&[0x84, 0x8F, 0xA9, 0x00]),
        control,
        gif_image(&[0x84, 0x1F, 0x21, 0xFE, 0x05]),
        vec![0x3B],
    ]
}

/// Data sub-blocks holding `data`.
fn sub_blocks(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for block in data.chunks(255) {
        out.push(block.len() as u8);
        out.extend_from_slice(block);
    }
    out.push(0);
    out
}

pub fn gif_metadata() -> Vec<Vec<u8>> {
    // XMP is written raw, not in sub-blocks, then a "magic trailer" that
    // any reader walking it as sub-blocks lands in and leaves at its end.
    let magic_trailer: Vec<u8> = std::iter::once(1)
        .chain((0..=255).rev())
        .chain([0])
        .collect();
    vec![
        [&[0x21, 0xFE][..], &sub_blocks(b"shot at home")].concat(),
        [
            &[0x21, 0xFF, 11][..],
            b"XMP DataXMP",
            &xmp_packet(),
            &magic_trailer,
        ]
        .concat(),
        [&[0x21, 0x01, 12][..], &[0; 12], &sub_blocks(b"Jane Doe")].concat(),
        [
            &[0x21, 0xFF, 11][..],
            b"CANONSERIAL",
            &sub_blocks(b"SN12345678"),
        ]
        .concat(),
        [&[0x21, 0x99][..], &sub_blocks(b"Amsterdam")].concat(),
        // Found by fuzzing: an extension labelled like an image descriptor.
        [&[0x21, 0x2C][..], &sub_blocks(b"Jane Doe")].concat(),
    ]
}

// ---- AVIF ----

pub fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    [
        &((body.len() + 8) as u32).to_be_bytes(),
        kind.as_slice(),
        body,
    ]
    .concat()
}

fn full_box(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
    iso_box(kind, &[&[version, 0, 0, 0], body].concat())
}

/// `n` in `size` bytes (0 to 8), big-endian, as iloc and ids are written.
fn be(n: u64, size: u8) -> Vec<u8> {
    let size = usize::from(size);
    assert!(size == 8 || n >> (8 * size) == 0, "{n} in {size} bytes");
    n.to_be_bytes()[8 - size..].to_vec()
}

/// How an AVIF sample lays out its items, in the few ways the unit tests
/// name; `AvifPlan` says everything else.
#[derive(Debug, Clone, Copy)]
pub struct AvifLayout {
    /// Metadata in the meta box's `idat` (construction method 1), not `mdat`.
    pub in_idat: bool,
    /// The Exif item in two extents instead of one.
    pub split_exif: bool,
    /// iloc version: 0 (file offsets only), 1 or 2.
    pub iloc_version: u8,
}

impl AvifLayout {
    /// Items 1 (the picture), 2 (Exif) and 3 (XMP), listed in that order,
    /// 32-bit offsets and lengths, the meta box's children in the usual
    /// order: the samples the unit tests count bytes in.
    pub fn plan(self) -> AvifPlan {
        let method = u8::from(self.in_idat);
        let mut exif = AvifItem::new(2, *b"Exif", "", avif_exif(0));
        exif.construction_method = method;
        if self.split_exif {
            exif.extent_ends = vec![10, exif.payload.len()];
        }
        let mut xmp = AvifItem::new(3, *b"mime", XMP_CONTENT_TYPE, xmp_packet());
        xmp.construction_method = method;
        let items = vec![AvifItem::new(1, *b"av01", "", AV1_DATA.to_vec()), exif, xmp];
        AvifPlan {
            pieces: pieces_in_order(&items),
            iinf_order: (0..items.len()).collect(),
            iloc_order: (0..items.len()).collect(),
            items,
            meta_order: vec![*b"pitm", *b"iloc", *b"iinf", *b"iprp", *b"idat"],
            iloc_version: self.iloc_version,
            iloc_sizes: [4, 4, 0, 0],
            iinf_version: 0,
            infe_version: 2,
            mdat_first: false,
            uuid_at: None,
            moov_at: None,
            udta_in_trak: false,
        }
    }
}

pub const XMP_CONTENT_TYPE: &str = "application/rdf+xml";

/// One item of an AVIF file: its entry in `iinf`, in `iloc`, and its data.
#[derive(Debug, Clone)]
pub struct AvifItem {
    pub id: u32,
    /// Its type: `av01`, `hvc1`, `Exif`, `mime`...
    pub kind: [u8; 4],
    /// A `mime` item's content type.
    pub content_type: &'static str,
    pub payload: Vec<u8>,
    /// Where each extent ends in `payload`, the last at its end.
    pub extent_ends: Vec<usize>,
    /// 0: in `mdat`, 1: in `idat`. 2 (built from other items) is written
    /// with its data in `mdat`, for stripping to refuse.
    pub construction_method: u8,
    /// Its base offset, in percent of its lowest extent's offset (with a
    /// base offset size).
    pub base_percent: u8,
    /// Its last extent's length written as 0, "to the end": refused too.
    pub open_ended: bool,
}

impl AvifItem {
    /// In `mdat`, in one extent.
    pub fn new(id: u32, kind: [u8; 4], content_type: &'static str, payload: Vec<u8>) -> Self {
        Self {
            id,
            kind,
            content_type,
            extent_ends: vec![payload.len()],
            payload,
            construction_method: 0,
            base_percent: 0,
            open_ended: false,
        }
    }

    /// Where its extents lie in its payload.
    pub fn extents(&self) -> Vec<Range<usize>> {
        let starts = std::iter::once(0).chain(self.extent_ends.iter().copied());
        starts.zip(&self.extent_ends).map(|(s, &e)| s..e).collect()
    }

    /// What stripping blanks: Exif, and `mime` items whatever their type.
    pub fn is_blanked(&self) -> bool {
        &self.kind == b"Exif" || &self.kind == b"mime"
    }
}

/// Every extent of every item, as (item, extent), item after item.
pub fn pieces_in_order(items: &[AvifItem]) -> Vec<(usize, usize)> {
    let extents = |(i, item): (usize, &AvifItem)| (0..item.extent_ends.len()).map(move |e| (i, e));
    items.iter().enumerate().flat_map(extents).collect()
}

/// Everything about how an AVIF file is laid out.
#[derive(Debug, Clone)]
pub struct AvifPlan {
    /// The first is the primary picture, in one extent of `mdat`.
    pub items: Vec<AvifItem>,
    /// Indices into `items`, in `iinf`'s order.
    pub iinf_order: Vec<usize>,
    /// Indices into `items`, in `iloc`'s order.
    pub iloc_order: Vec<usize>,
    /// Every extent, as (item, extent), in the order they are laid in
    /// `mdat` and `idat`.
    pub pieces: Vec<(usize, usize)>,
    /// The meta box's children after `hdlr`: `pitm`, `iloc`, `iinf`,
    /// `iprp`, and any of `idat` (written when an item lies in it), `iref`
    /// (each item to the picture) and `dinf`.
    pub meta_order: Vec<[u8; 4]>,
    /// 0 (16-bit ids, no construction method), 1 or 2 (32-bit ids).
    pub iloc_version: u8,
    /// In bytes: offset, length, base offset, extent index (0, 4 or 8).
    pub iloc_sizes: [u8; 4],
    /// 0 (16-bit entry count) or 1.
    pub iinf_version: u8,
    /// 2 (16-bit ids) or 3; 3 for an id above 16 bits.
    pub infe_version: u8,
    /// `mdat` before `meta` in the file.
    pub mdat_first: bool,
    /// A top-level `uuid` box of XMP, after this many of `meta` and `mdat`
    /// (0 to 2).
    pub uuid_at: Option<usize>,
    /// An image sequence's `moov`, with the location in its `udta`, after
    /// this many of `meta` and `mdat`; `ftyp` then names the `avis` brand.
    pub moov_at: Option<usize>,
    /// That `udta` in the movie's track, not in the movie.
    pub udta_in_trak: bool,
}

pub struct Avif {
    pub data: Vec<u8>,
    /// The extents stripping blanks, those of the Exif and `mime` items:
    /// item after item, as `AvifPlan::items` lists them.
    pub metadata: Vec<Range<usize>>,
    /// Where the coded picture lies.
    pub image: Range<usize>,
    /// The boxes stripping turns into `free` boxes of zeros: the `uuid`
    /// box and the `udta` box, headers included.
    pub freed: Vec<Range<usize>>,
}

impl Avif {
    /// What stripping makes of it, if it does not refuse.
    pub fn stripped(&self) -> Vec<u8> {
        let mut stripped = self.data.clone();
        for range in &self.metadata {
            stripped[range.clone()].fill(0);
        }
        for range in &self.freed {
            stripped[range.start + 4..range.end].fill(0);
            stripped[range.start + 4..range.start + 8].copy_from_slice(b"free");
        }
        stripped
    }
}

/// The `uuid` of XMP in ISO base media files, as Adobe writes it.
pub const XMP_UUID: [u8; 16] = *b"\xbe\x7a\xcf\xcb\x97\xa9\x42\xe8\x9c\x71\x99\x94\x91\xe3\xaf\xac";

/// Where a phone's video was taken, as ISO 6709 in QuickTime's `©xyz`.
pub const LOCATION_XYZ: &[u8] = b"+52.3731+004.8922/";

/// An image sequence's `moov`: its header, a track's header, and `udta`
/// with the location, at the end of the track or of the movie; and where
/// that `udta` is, at its end either way.
fn avif_moov(udta_in_trak: bool) -> (Vec<u8>, Range<usize>) {
    let be32 =
        |numbers: &[u32]| -> Vec<u8> { numbers.iter().flat_map(|n| n.to_be_bytes()).collect() };
    let matrix = be32(&[1 << 16, 0, 0, 0, 1 << 16, 0, 0, 0, 1 << 30]);
    // No times; a timescale of 1000; rate 1, full volume; next track 2.
    let mvhd = [
        be32(&[0, 0, 1000, 0, 1 << 16, 1 << 24, 0, 0]),
        matrix.clone(),
        be32(&[0; 6]),
        be32(&[2]),
    ];
    // Track 1, 16×8.
    let tkhd = [
        be32(&[0, 0, 1, 0, 0, 0, 0, 0, 0]),
        matrix,
        be32(&[16 << 16, 8 << 16]),
    ];
    let tkhd = full_box(b"tkhd", 0, &tkhd.concat());
    // Its length, the language (English), then the text.
    let xyz = [
        &(LOCATION_XYZ.len() as u16).to_be_bytes(),
        b"\x15\xc7",
        LOCATION_XYZ,
    ]
    .concat();
    let udta = iso_box(b"udta", &iso_box(b"\xa9xyz", &xyz));
    let udta_len = udta.len();
    let (trak, after) = if udta_in_trak {
        (iso_box(b"trak", &[tkhd, udta].concat()), Vec::new())
    } else {
        (iso_box(b"trak", &tkhd), udta)
    };
    let mvhd = full_box(b"mvhd", 0, &mvhd.concat());
    let moov = iso_box(b"moov", &[mvhd, trak, after].concat());
    let udta = moov.len() - udta_len..moov.len();
    (moov, udta)
}

pub const AV1_DATA: &[u8] =
    b"\x12\x00\x0a\x0a\x00\x00\x00\x03\x9f\xfb\xff\xf3\x00\x80coded-picture";

/// An Exif item's data as phones write it: the offset of the TIFF header,
/// `Exif\0\0`, camera EXIF, then `padding` bytes of a maker note.
pub fn avif_exif(padding: usize) -> Vec<u8> {
    let note = b" maker note Canon SN12345678".iter().cycle().take(padding);
    [b"\0\0\0\x06Exif\0\0".as_slice(), &camera_exif(6)]
        .concat()
        .into_iter()
        .chain(note.copied())
        .collect()
}

/// A 16×8 AVIF as phones write it: one AV1 item, an Exif item and an XMP
/// (`mime`) item, located by `iloc`.
pub fn avif(layout: AvifLayout) -> Avif {
    avif_from(&layout.plan())
}

/// The AVIF file `plan` describes: `ftyp`, then `meta` and `mdat` in the
/// order it says.
pub fn avif_from(plan: &AvifPlan) -> Avif {
    let (mut mdat, mut idat) = (Vec::new(), Vec::new());
    // Each extent's offset in mdat's or idat's body.
    let mut placed: Vec<Vec<usize>> = (plan.items.iter())
        .map(|item| vec![0; item.extent_ends.len()])
        .collect();
    for &(i, e) in &plan.pieces {
        let item = &plan.items[i];
        let container = if item.construction_method == 1 {
            &mut idat
        } else {
            &mut mdat
        };
        placed[i][e] = container.len();
        container.extend_from_slice(&item.payload[item.extents()[e].clone()]);
    }
    let ftyp = if plan.moov_at.is_some() {
        iso_box(b"ftyp", b"avis\0\0\0\0avisavifmif1miafmsf1")
    } else {
        iso_box(b"ftyp", b"avif\0\0\0\0avifmif1miaf")
    };
    let uuid = iso_box(b"uuid", &[XMP_UUID.as_slice(), &xmp_packet()].concat());
    let (moov, udta) = avif_moov(plan.udta_in_trak);
    // The meta box's size does not depend on the offsets it states.
    let unplaced: Vec<Vec<u64>> = placed.iter().map(|p| vec![0; p.len()]).collect();
    let meta_len = avif_meta(plan, &unplaced, &idat).0.len();
    // The top-level boxes after ftyp, in the order they come.
    let pair = if plan.mdat_first {
        [b"mdat", b"meta"]
    } else {
        [b"meta", b"mdat"]
    };
    let mut order = vec![(1, pair[0]), (3, pair[1])];
    order.extend(plan.uuid_at.map(|at| (2 * at, b"uuid")));
    order.extend(plan.moov_at.map(|at| (2 * at, b"moov")));
    order.sort_by_key(|(rank, _)| *rank);
    let len = |kind: &[u8; 4]| match kind {
        b"meta" => meta_len,
        b"mdat" => 8 + mdat.len(),
        b"uuid" => uuid.len(),
        _ => moov.len(),
    };
    let at = |wanted: &[u8; 4]| {
        let before = order.iter().take_while(|(_, kind)| *kind != wanted);
        ftyp.len() + before.map(|(_, kind)| len(kind)).sum::<usize>()
    };
    // mdat's body, after its header.
    let (meta_at, mdat_at) = (at(b"meta"), at(b"mdat") + 8);
    // iloc's offsets: in the file, or in idat's body.
    let stated: Vec<Vec<u64>> = (plan.items.iter().zip(&placed))
        .map(|(item, at)| {
            let origin = if item.construction_method == 1 {
                0
            } else {
                mdat_at
            };
            at.iter().map(|at| (origin + at) as u64).collect()
        })
        .collect();
    let (meta, idat_in_meta) = avif_meta(plan, &stated, &idat);
    assert_eq!(meta.len(), meta_len);
    let mut metadata = Vec::new();
    for (item, stated) in plan.items.iter().zip(&stated) {
        let origin = if item.construction_method == 1 {
            meta_at + idat_in_meta
        } else {
            0
        };
        if item.is_blanked() {
            for (stated, extent) in stated.iter().zip(item.extents()) {
                let start = origin + *stated as usize;
                metadata.push(start..start + extent.len());
            }
        }
    }
    let picture = &plan.items[0];
    assert_eq!((picture.construction_method, placed[0].len()), (0, 1));
    let image = mdat_at + placed[0][0]..mdat_at + placed[0][0] + picture.payload.len();
    let mut freed = Vec::new();
    if plan.uuid_at.is_some() {
        freed.push(at(b"uuid")..at(b"uuid") + uuid.len());
    }
    if plan.moov_at.is_some() {
        let moov_at = at(b"moov");
        freed.push(moov_at + udta.start..moov_at + udta.end);
    }
    let mdat = iso_box(b"mdat", &mdat);
    let mut data = ftyp.clone();
    for (_, kind) in &order {
        data.extend_from_slice(match *kind {
            b"meta" => &meta,
            b"mdat" => &mdat,
            b"uuid" => &uuid,
            _ => &moov,
        });
    }
    Avif {
        data,
        metadata,
        image,
        freed,
    }
}

/// The meta box, with `stated` as each extent's offset, and where `idat`'s
/// body starts in it.
fn avif_meta(plan: &AvifPlan, stated: &[Vec<u64>], idat: &[u8]) -> (Vec<u8>, usize) {
    let items = &plan.items;
    // pitm and iref: version 1 for 32-bit ids.
    let wide_ids = u8::from(items.iter().any(|item| item.id > u32::from(u16::MAX)));
    let v = plan.iloc_version;
    let id_size = if v == 2 { 4 } else { 2 };
    let [offset_size, length_size, base_size, index_size] = plan.iloc_sizes;
    let index_size = if v == 0 { 0 } else { index_size };
    let mut iloc = vec![offset_size << 4 | length_size, base_size << 4 | index_size];
    iloc.extend(be(items.len() as u64, id_size));
    for &i in &plan.iloc_order {
        let item = &items[i];
        let lowest = stated[i].iter().min().copied().unwrap_or(0);
        let base = if base_size == 0 {
            0
        } else {
            lowest * u64::from(item.base_percent) / 100
        };
        iloc.extend(be(item.id.into(), id_size));
        if v > 0 {
            iloc.extend(be(item.construction_method.into(), 2));
        }
        iloc.extend([0, 0]); // data reference: this file
        iloc.extend(be(base, base_size));
        iloc.extend(be(item.extent_ends.len() as u64, 2));
        let last = item.extent_ends.len() - 1;
        for (e, (at, extent)) in stated[i].iter().zip(item.extents()).enumerate() {
            let length = if item.open_ended && e == last {
                0
            } else {
                extent.len()
            };
            iloc.extend(be(0, index_size));
            iloc.extend(be(at - base, offset_size));
            iloc.extend(be(length as u64, length_size));
        }
    }
    let infe = |item: &AvifItem| {
        let version = if item.id > u32::from(u16::MAX) {
            3
        } else {
            plan.infe_version
        };
        let id = be(item.id.into(), if version == 2 { 2 } else { 4 });
        // Protection index 0, the type, an empty name; a content type.
        let mut body = [id, vec![0, 0], item.kind.to_vec(), vec![0]].concat();
        if &item.kind == b"mime" {
            body.extend_from_slice(item.content_type.as_bytes());
            body.push(0);
        }
        full_box(b"infe", version, &body)
    };
    let count_size = if plan.iinf_version == 0 { 2 } else { 4 };
    let entries: Vec<u8> = plan
        .iinf_order
        .iter()
        .flat_map(|&i| infe(&items[i]))
        .collect();
    let iinf_body = [be(items.len() as u64, count_size), entries].concat();
    let primary = u64::from(items[0].id);
    let ref_id = |id: u32| be(id.into(), 2 + 2 * wide_ids);
    let references: Vec<u8> = (items.iter().skip(1))
        .flat_map(|item| {
            let kind = if item.is_blanked() { b"cdsc" } else { b"thmb" };
            let body = [ref_id(item.id), vec![0, 1], ref_id(items[0].id)].concat();
            iso_box(kind, &body)
        })
        .collect();
    let ispe = full_box(
        b"ispe",
        0,
        &[16u32.to_be_bytes(), 8u32.to_be_bytes()].concat(),
    );
    // One data reference, flagged "in this file".
    let url = iso_box(b"url ", &[0, 0, 0, 1]);
    let dref = full_box(b"dref", 0, &[1u32.to_be_bytes().as_slice(), &url].concat());
    let mut children = full_box(b"hdlr", 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
    let mut idat_at = 0;
    for kind in &plan.meta_order {
        let child = match kind {
            b"pitm" => full_box(kind, wide_ids, &be(primary, 2 + 2 * wide_ids)),
            b"iloc" => full_box(kind, v, &iloc),
            b"iinf" => full_box(kind, plan.iinf_version, &iinf_body),
            b"iprp" => iso_box(kind, &iso_box(b"ipco", &ispe)),
            b"iref" => full_box(kind, wide_ids, &references),
            b"dinf" => iso_box(kind, &dref),
            b"idat" if idat.is_empty() => continue,
            b"idat" => {
                idat_at = 12 + children.len() + 8;
                iso_box(kind, idat)
            }
            _ => panic!("no {kind:?} box in meta"),
        };
        children.extend_from_slice(&child);
    }
    assert!(
        idat.is_empty() || idat_at > 0,
        "idat not in {:?}",
        plan.meta_order
    );
    (full_box(b"meta", 0, &children), idat_at)
}

// ---- BMP and ICO ----

pub fn set_u32(data: &mut [u8], at: usize, value: u32) {
    data[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// An info header of `size` bytes (12: OS/2, 40, 52, 56, 64, 108 or 124)
/// for uncompressed pixels; a V4 or V5 header says sRGB.
pub fn bmp_info(size: u32, width: i32, height: i32, bits: u16) -> Vec<u8> {
    let mut info = size.to_le_bytes().to_vec();
    if size == 12 {
        info.extend_from_slice(&(width as u16).to_le_bytes());
        info.extend_from_slice(&(height as u16).to_le_bytes());
    } else {
        info.extend_from_slice(&width.to_le_bytes());
        info.extend_from_slice(&height.to_le_bytes());
    }
    info.extend_from_slice(&1u16.to_le_bytes()); // planes
    info.extend_from_slice(&bits.to_le_bytes());
    info.resize(size as usize, 0);
    if size >= 108 {
        info[56..60].copy_from_slice(b"BGRs");
    }
    info
}

/// A full palette for `bits` up to 8, in the entries an info header of
/// `size` bytes uses; none above.
pub fn bmp_palette(size: u32, bits: u16) -> Vec<u8> {
    let colours = if bits <= 8 { 1usize << bits } else { 0 };
    let entry = if size == 12 { 3 } else { 4 };
    (0..colours * entry).map(|i| (i * 37 % 251) as u8).collect()
}

/// Rows of pixels, each padded to 4 bytes (with zeros, as encoders do).
pub fn bmp_rows(width: i32, height: i32, bits: u16) -> Vec<u8> {
    let used = (width as usize * usize::from(bits)).div_ceil(8);
    let row_len = used.div_ceil(4) * 4;
    let mut rows = Vec::new();
    for y in 0..height.unsigned_abs() as usize {
        rows.extend((0..used).map(|x| (x * 13 + y * 7 + 1) as u8));
        rows.resize(rows.len() + row_len - used, 0);
    }
    rows
}

/// A BMP file: the file header, `headers` (info header, masks, palette),
/// `gap`, `pixels`, then `after`; its stated size ends with the pixels.
pub fn bmp(headers: &[u8], gap: &[u8], pixels: &[u8], after: &[u8]) -> Vec<u8> {
    let offset = 14 + headers.len() + gap.len();
    let mut file = b"BM".to_vec();
    file.extend_from_slice(&((offset + pixels.len()) as u32).to_le_bytes());
    file.extend_from_slice(&[0; 4]);
    file.extend_from_slice(&(offset as u32).to_le_bytes());
    [&file, headers, gap, pixels, after].concat()
}

/// A clean BMP: info header of `size` bytes, palette, pixels.
pub fn bmp_parts(size: u32, width: i32, height: i32, bits: u16) -> (Vec<u8>, Vec<u8>) {
    let headers = [bmp_info(size, width, height, bits), bmp_palette(size, bits)].concat();
    (headers, bmp_rows(width, height, bits))
}

/// A stand-in ICC profile: its header alone (size, `acsp` signature).
pub fn icc_profile() -> Vec<u8> {
    let mut profile = vec![0; 128];
    profile[..4].copy_from_slice(&128u32.to_be_bytes());
    profile[4..8].copy_from_slice(b"fake");
    profile[36..40].copy_from_slice(b"acsp");
    profile
}

/// A V5 info header whose embedded profile lies `at` bytes after its start.
pub fn bmp_v5_with_profile(width: i32, height: i32, bits: u16, at: usize, len: usize) -> Vec<u8> {
    let mut info = bmp_info(124, width, height, bits);
    info[56..60].copy_from_slice(b"DEBM"); // 'MBED'
    set_u32(&mut info, 112, at as u32);
    set_u32(&mut info, 116, len as u32);
    info
}

/// An icon's bitmap: info header stating twice the height, palette, the
/// colour rows and the rows of its 1-bit transparency mask.
pub fn ico_bitmap(width: i32, height: i32, bits: u16) -> Vec<u8> {
    [
        bmp_info(40, width, 2 * height, bits),
        bmp_palette(40, bits),
        bmp_rows(width, height, bits),
        bmp_rows(width, height, 1),
    ]
    .concat()
}

/// An icon file: the directory, then each image (width, height, bytes)
/// after the junk of the same index; the junk after the last image ends
/// the file.
pub fn ico(images: &[(u8, u8, Vec<u8>)], junk: &[Vec<u8>]) -> Vec<u8> {
    let mut directory = vec![0, 0, 1, 0];
    directory.extend_from_slice(&(images.len() as u16).to_le_bytes());
    let mut body = Vec::new();
    let start = 6 + 16 * images.len();
    for (i, (width, height, image)) in images.iter().enumerate() {
        body.extend_from_slice(junk.get(i).map_or(&[][..], |junk| junk));
        directory.extend_from_slice(&[*width, *height, 0, 0, 1, 0, 32, 0]);
        directory.extend_from_slice(&(image.len() as u32).to_le_bytes());
        directory.extend_from_slice(&((start + body.len()) as u32).to_le_bytes());
        body.extend_from_slice(image);
    }
    body.extend_from_slice(junk.get(images.len()).map_or(&[][..], |junk| junk));
    [directory, body].concat()
}

// ---- The oracle ----

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    // From each first byte: comparing every window is slow unoptimised.
    let first = needle[0];
    (0..haystack.len()).any(|i| haystack[i] == first && haystack[i..].starts_with(needle))
}

/// What an independent EXIF reader finds besides the orientation.
fn exif_fields(exif: &exif::Exif) -> Vec<String> {
    exif.fields()
        .filter(|field| field.tag != exif::Tag::Orientation)
        .map(|field| format!("{}", field.tag))
        .collect()
}

/// Personal metadata left in `data`, described; empty if there is none.
/// The EXIF reader looks in the container as it knows it, and at every
/// "Exif" block anywhere in the file; the known texts are searched for too.
pub fn personal_data_left(data: &[u8]) -> Vec<String> {
    let mut left: Vec<String> = PERSONAL
        .iter()
        .filter(|text| contains(data, text))
        .map(|text| String::from_utf8_lossy(text).into_owned())
        .collect();
    let reader = exif::Reader::new();
    if let Ok(exif) = reader.read_from_container(&mut Cursor::new(data)) {
        left.extend(exif_fields(&exif));
    }
    for start in (0..data.len()).filter(|&i| data[i..].starts_with(b"Exif\0\0")) {
        if let Ok(exif) = reader.read_raw(data[start + 6..].to_vec()) {
            left.extend(exif_fields(&exif));
        }
    }
    left
}

/// Metadata that a reader walking the file's structure would still find:
/// segments, chunks, blocks or EXIF fields of a kind that stripping
/// removes, Exif and XMP items of an AVIF not blanked, or bytes after the
/// picture's end. Unlike `personal_data_left` it does not look inside
/// pixel data or tables, so it holds for damaged and mutated files too.
/// Written apart from the code under test.
pub fn metadata_left(data: &[u8]) -> Vec<String> {
    let mut left = match data {
        [0xFF, 0xD8, ..] => jpeg_metadata_left(data),
        [0x89, b'P', b'N', b'G', ..] => png_metadata_left(data),
        [b'G', b'I', b'F', ..] => gif_metadata_left(data),
        [b'R', b'I', b'F', b'F', ..] => webp_metadata_left(data),
        [b'B', b'M', ..] => bmp_metadata_left(data),
        [0, 0, 1, 0, ..] => ico_metadata_left(data),
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => isobmff_metadata_left(data),
        _ => Vec::new(),
    };
    if let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(data)) {
        left.extend(exif_fields(&exif));
    }
    left
}

fn u16_at(data: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *data.get(at)?,
        *data.get(at + 1)?,
    ])))
}

fn u32_at(data: &[u8], at: usize, big_endian: bool) -> Option<usize> {
    let bytes: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    } as usize)
}

fn jpeg_metadata_left(data: &[u8]) -> Vec<String> {
    let mut left = Vec::new();
    let mut pos = 2;
    while pos < data.len() {
        if data[pos] != 0xFF {
            return vec![format!("JPEG: no marker at {pos}")];
        }
        while data.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = data.get(pos + 1) else {
            return vec!["JPEG: cut short in a marker".into()];
        };
        pos += 2;
        if marker == 0xD9 {
            if pos != data.len() {
                left.push("JPEG: data after the end of the image".into());
            }
            return left;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        let Some(len) = u16_at(data, pos).filter(|len| *len >= 2 && pos + len <= data.len()) else {
            return vec![format!("JPEG: segment {marker:X} cut short")];
        };
        let payload = &data[pos + 2..pos + len];
        let kept = match marker {
            0xE0 => payload.starts_with(b"JFIF\0"),
            0xE1 => payload.len() == 32 && payload[6..24] == orientation_tiff(1)[..18],
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE3..=0xEF | 0xFE => false,
            _ => true,
        };
        if !kept {
            left.push(format!("JPEG: segment {marker:X}"));
        }
        pos += len;
        if marker == 0xDA {
            // Entropy-coded data runs up to a marker that is not a stuffed
            // byte, a restart or a fill byte.
            loop {
                match (data.get(pos), data.get(pos + 1)) {
                    (Some(0xFF), Some(0x00 | 0xD0..=0xD7 | 0xFF)) => pos += 1,
                    (Some(0xFF), Some(_)) => break,
                    (Some(_), _) => pos += 1,
                    (None, _) => return left,
                }
            }
        }
    }
    left
}

fn png_metadata_left(data: &[u8]) -> Vec<String> {
    const KEPT: [&[u8]; 19] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCV", b"cLLI", b"hIST",
    ];
    let mut left = Vec::new();
    let mut pos = 8;
    while pos < data.len() {
        let Some(len) = u32_at(data, pos, true).filter(|len| pos + 12 + len <= data.len()) else {
            return vec!["PNG: chunk cut short".into()];
        };
        let kind = &data[pos + 4..pos + 8];
        let payload = &data[pos + 8..pos + 8 + len];
        let orientation_only =
            kind == b"eXIf" && payload.len() == 26 && payload[..18] == orientation_tiff(1)[..18];
        if !KEPT.contains(&kind) && !orientation_only {
            left.push(format!("PNG: chunk {}", String::from_utf8_lossy(kind)));
        }
        pos += 12 + len;
        if kind == b"IEND" && pos != data.len() {
            left.push("PNG: data after IEND".into());
            break;
        }
    }
    left
}

fn webp_metadata_left(data: &[u8]) -> Vec<String> {
    const KEPT: [&[u8]; 7] = [
        b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
    ];
    let Some(end) = u32_at(data, 4, false).map(|size| size.saturating_add(8)) else {
        return vec!["WebP: cut short".into()];
    };
    let mut left = Vec::new();
    if end < data.len() {
        left.push("WebP: data after the container".into());
    }
    let end = end.min(data.len());
    let mut pos = 12;
    while pos + 8 <= end {
        let kind = &data[pos..pos + 4];
        let len = u32_at(data, pos + 4, false).unwrap_or(usize::MAX);
        let payload = data
            .get(pos + 8..(pos + 8).saturating_add(len).min(end))
            .unwrap_or_default();
        let orientation_only =
            kind == b"EXIF" && payload.len() == 26 && payload[..18] == orientation_tiff(1)[..18];
        if !KEPT.contains(&kind) && !orientation_only {
            left.push(format!("WebP: chunk {}", String::from_utf8_lossy(kind)));
        }
        pos = (pos + 8).saturating_add(len).saturating_add(len & 1);
    }
    left
}

fn gif_metadata_left(data: &[u8]) -> Vec<String> {
    let table = |flags: u8| {
        if flags & 0x80 == 0 {
            0
        } else {
            3 << ((flags & 7) + 1)
        }
    };
    let skip_sub_blocks = |mut pos: usize| loop {
        match data.get(pos) {
            Some(0) => return Some(pos + 1),
            Some(&len) => pos += 1 + usize::from(len),
            None => return None,
        }
    };
    let Some(&flags) = data.get(10) else {
        return vec!["GIF: cut short".into()];
    };
    let mut left = Vec::new();
    let mut pos = 13 + table(flags);
    while pos < data.len() {
        let next = match (data[pos], data.get(pos + 1)) {
            (0x3B, _) => {
                if pos + 1 != data.len() {
                    left.push("GIF: data after the trailer".into());
                }
                return left;
            }
            (0x2C, _) => data
                .get(pos + 9)
                .and_then(|flags| skip_sub_blocks(pos + 11 + table(*flags))),
            (0x21, Some(&label)) => {
                let end = skip_sub_blocks(pos + 2);
                let block = &data[pos..end.unwrap_or(pos)];
                let looping = block.len() == 19
                    && (block[2..].starts_with(b"\x0bNETSCAPE2.0\x03\x01")
                        || block[2..].starts_with(b"\x0bANIMEXTS1.0\x03\x01"));
                if label != 0xF9 && !looping {
                    left.push(format!("GIF: extension {label:X}"));
                }
                end
            }
            _ => None,
        };
        let Some(next) = next else {
            return vec![format!("GIF: unreadable block at {pos}")];
        };
        pos = next;
    }
    left
}

/// The info header at the start of `dib`: where its palette ends, how
/// many bytes of pixels follow (with an icon's mask), and how they are
/// coded (0: rows, 64: an OS/2 coding, else the compression).
fn bitmap_extent(dib: &[u8], icon: bool) -> Option<(usize, usize, usize)> {
    let size = u32_at(dib, 0, false)?;
    if ![12, 40, 52, 56, 64, 108, 124].contains(&size) || dib.len() < size {
        return None;
    }
    let le16 = |at: usize| Some(usize::from(u16::from_le_bytes([dib[at], dib[at + 1]])));
    let signed = |at: usize| Some((u32_at(dib, at, false)? as u32 as i32).unsigned_abs() as usize);
    let (width, height, bits, compression, colours, entry) = if size == 12 {
        (le16(4)?, le16(6)?, le16(10)?, 0, 0, 3)
    } else {
        let compression = u32_at(dib, 16, false)?;
        (
            signed(4)?,
            signed(8)?,
            le16(14)?,
            compression,
            u32_at(dib, 32, false)?,
            4,
        )
    };
    let coding = match (size, compression) {
        (_, 0) => 0,
        (64, _) => 64,
        (_, 3 | 6) => 0,
        _ => compression,
    };
    let masks = match (size, compression) {
        (40, 3) => 12,
        (40, 6) => 16,
        _ => 0,
    };
    let palette = match bits {
        1..=8 if colours == 0 || colours > 1 << bits => 1 << bits,
        1..=8 => colours,
        _ => 0,
    };
    let rows = (if icon { height / 2 } else { height }) as u128;
    let row = |bits: usize| (width as u128 * bits as u128).div_ceil(32) * 4;
    let pixels = match coding {
        0 => row(bits) * rows + if icon { row(1) * rows } else { 0 },
        _ => u32_at(dib, 20, false)? as u128,
    };
    let pixels = pixels.min(usize::MAX as u128) as usize;
    Some((size + masks + palette * entry, pixels, coding))
}

fn bmp_metadata_left(data: &[u8]) -> Vec<String> {
    let extent = data.get(14..).and_then(|dib| bitmap_extent(dib, false));
    let (Some(offset), Some((table_end, pixels, coding))) = (u32_at(data, 10, false), extent)
    else {
        return vec!["BMP: headers cut short or unreadable".into()];
    };
    let Some(pixels) = data.get(offset..offset.saturating_add(pixels).min(data.len())) else {
        return vec!["BMP: no pixels".into()];
    };
    let pixels_end = offset + pixels.len();
    let mut left = Vec::new();
    // Only a V5 header names a profile: embedded, or linked by a path.
    let v5 = u32_at(data, 14, false) == Some(124);
    let space = data.get(70..74).filter(|_| v5);
    if space == Some(b"KNIL") {
        left.push("BMP: a linked colour profile".into());
    }
    let profile = match (space, u32_at(data, 126, false), u32_at(data, 130, false)) {
        (Some(b"DEBM"), Some(at), Some(len)) => 14 + at..14 + at + len,
        _ => 0..0,
    };
    let gap = (14 + table_end).min(offset)..offset;
    if gap
        .into_iter()
        .any(|i| data[i] != 0 && !profile.contains(&i))
    {
        left.push("BMP: data between the headers and the pixels".into());
    }
    if pixels_end < data.len() && profile != (pixels_end..data.len()) {
        left.push("BMP: data after the pixels".into());
    }
    match coding {
        4 => left.extend(jpeg_metadata_left(pixels)),
        5 => left.extend(png_metadata_left(pixels)),
        _ => {}
    }
    left
}

fn ico_metadata_left(data: &[u8]) -> Vec<String> {
    let Some(count) = u16_le_at(data, 4) else {
        return vec!["ICO: cut short".into()];
    };
    let mut pieces = vec![(0, 6 + 16 * count)];
    let mut left = Vec::new();
    for entry in (6..6 + 16 * count).step_by(16) {
        let (Some(len), Some(at)) = (
            u32_at(data, entry + 8, false),
            u32_at(data, entry + 12, false),
        ) else {
            return vec!["ICO: directory cut short".into()];
        };
        let Some(image) = data.get(at..at.saturating_add(len)) else {
            return vec!["ICO: an icon outside the file".into()];
        };
        pieces.push((at, at + len));
        if image.starts_with(PNG_SIGNATURE) {
            left.extend(png_metadata_left(image));
        } else {
            // Uncompressed, and no longer than its header accounts for.
            let fits = |(table, pixels, coding): (usize, usize, usize)| {
                coding == 0 && len <= table.saturating_add(pixels)
            };
            if !bitmap_extent(image, true).is_some_and(fits) {
                left.push("ICO: a bitmap unreadable or longer than its pixels".into());
            }
        }
    }
    pieces.sort_unstable();
    let mut end = 0;
    for (start, piece_end) in pieces {
        if start != end {
            left.push("ICO: bytes outside the icons, or icons overlapping".into());
        }
        end = piece_end;
    }
    if end != data.len() {
        left.push("ICO: bytes after the icons".into());
    }
    left
}

fn u16_le_at(data: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes([
        *data.get(at)?,
        *data.get(at + 1)?,
    ])))
}

/// Boxes as (type, body).
type IsoBoxes = Vec<([u8; 4], Range<usize>)>;

/// The boxes laid end to end in `within`.
fn iso_boxes(data: &[u8], within: Range<usize>) -> Result<IsoBoxes, String> {
    let mut found = Vec::new();
    let mut pos = within.start;
    while pos < within.end {
        let cut_short = || format!("a box at {pos} runs past the end of its space");
        let size = u32_at(data, pos, true).ok_or_else(cut_short)?;
        let kind: [u8; 4] = (data.get(pos + 4..pos + 8))
            .and_then(|kind| kind.try_into().ok())
            .ok_or_else(cut_short)?;
        let (header, size) = match size {
            0 => (8, within.end - pos),
            1 => {
                let large = data.get(pos + 8..pos + 16).ok_or_else(cut_short)?;
                let large = u64::from_be_bytes(large.try_into().unwrap());
                (16, usize::try_from(large).unwrap_or(usize::MAX))
            }
            n => (8, n),
        };
        let end = (pos.checked_add(size))
            .filter(|end| size >= header && *end <= within.end)
            .ok_or_else(cut_short)?;
        found.push((kind, pos + header..end));
        pos = end;
    }
    Ok(found)
}

/// ISO base media files (AVIF, HEIF): every extent of every Exif item and
/// XMP item (`mime`, of type application/rdf+xml) of every top-level
/// `meta` box has to be zeros. Items and locations are taken from every
/// `iinf` and `iloc` box there, whichever one a reader would follow. So
/// has every box of `TAGGED` at the top level, in `moov` and its tracks.
fn isobmff_metadata_left(data: &[u8]) -> Vec<String> {
    let mut left = Vec::new();
    let boxes = match iso_boxes(data, 0..data.len()) {
        Ok(boxes) => boxes,
        Err(error) => return vec![format!("AVIF: {error}")],
    };
    for (kind, body) in boxes {
        let read = match &kind {
            b"meta" => meta_items_left(data, body, &mut left),
            b"moov" => movie_tags_left(data, body, "moov/", &mut left),
            _ => {
                tags_left(data, &kind, body, "", &mut left);
                Ok(())
            }
        };
        if let Err(error) = read {
            left.push(format!("AVIF: {error}"));
        }
    }
    left
}

/// Boxes exiftool reads tags from, apart from the items of the file's
/// `meta`: XMP and others in `uuid`, QuickTime tags in `udta` (`©xyz`,
/// the location), a track's Exif and XMP in its `meta`, more `meta` boxes
/// in `meco`, camera data in `free` and `skip`.
const TAGGED: [&[u8; 4]; 6] = [b"uuid", b"udta", b"meta", b"meco", b"free", b"skip"];

/// The tagged boxes of a movie (`path` is "moov/") or one of its tracks.
fn movie_tags_left(
    data: &[u8],
    within: Range<usize>,
    path: &str,
    left: &mut Vec<String>,
) -> Result<(), String> {
    for (kind, body) in iso_boxes(data, within)? {
        if &kind == b"trak" {
            movie_tags_left(data, body, "moov/trak/", left)?;
        } else {
            tags_left(data, &kind, body, path, left);
        }
    }
    Ok(())
}

/// A tagged box that is not all zeros, put in `left`.
fn tags_left(data: &[u8], kind: &[u8; 4], body: Range<usize>, path: &str, left: &mut Vec<String>) {
    let body = &data[body];
    if TAGGED.contains(&kind) && body.iter().any(|byte| *byte != 0) {
        let kind = String::from_utf8_lossy(kind);
        left.push(format!("AVIF: {path}{kind} box left{}", recognised(body)));
    }
}

/// What is left of one meta box's Exif and XMP items, put in `left`; an
/// error if they cannot be located.
fn meta_items_left(data: &[u8], meta: Range<usize>, left: &mut Vec<String>) -> Result<(), String> {
    // A full box: version and flags before the children.
    let children = iso_boxes(data, (meta.start + 4).min(meta.end)..meta.end)?;
    let all = |wanted: &[u8; 4]| -> Vec<Range<usize>> {
        let found = children.iter().filter(|(kind, _)| kind == wanted);
        found.map(|(_, body)| body.clone()).collect()
    };
    let mut items = Vec::new();
    for iinf in all(b"iinf") {
        items.extend(exif_and_xmp_items(data, iinf)?);
    }
    if items.is_empty() {
        return Ok(());
    }
    let mut locations = Vec::new();
    for iloc in all(b"iloc") {
        locations.extend(iloc_entries(&data[iloc])?);
    }
    let idat = all(b"idat").into_iter().next();
    for (id, what) in items {
        let item = format!("{what} item {id}");
        let mut entries = locations.iter().filter(|entry| entry.id == id).peekable();
        if entries.peek().is_none() {
            return Err(format!("{item} has no location"));
        }
        // The item's bytes, extent after extent, from every entry of it.
        let mut payload = Vec::new();
        for entry in entries {
            let origin = match (entry.method, &idat) {
                (0, _) => 0,
                (1, Some(idat)) => idat.start as u64,
                (1, None) => return Err(format!("{item} is in an idat box there is not")),
                _ => return Err(format!("{item} is built from other items")),
            };
            for &(offset, length) in &entry.extents {
                if length == 0 {
                    return Err(format!("{item} has an extent of unstated length"));
                }
                let start = [origin, entry.base, offset]
                    .into_iter()
                    .try_fold(0u64, u64::checked_add);
                let bytes = start
                    .and_then(|start| Some(start..start.checked_add(length)?))
                    .and_then(|range| {
                        let range =
                            usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?;
                        data.get(range)
                    })
                    .ok_or_else(|| format!("{item} lies outside the file"))?;
                payload.extend_from_slice(bytes);
            }
        }
        if payload.iter().any(|byte| *byte != 0) {
            left.push(format!("AVIF: {item} left{}", recognised(&payload)));
        }
    }
    Ok(())
}

/// What an item's bytes look like, to say what was left.
fn recognised(payload: &[u8]) -> &'static str {
    if contains(payload, b"xmpmeta") {
        ": an XMP packet"
    } else if contains(payload, b"Exif\0\0") {
        ": EXIF"
    } else {
        ""
    }
}

/// The ids of the Exif and XMP items an `iinf` box lists, and which.
fn exif_and_xmp_items(data: &[u8], iinf: Range<usize>) -> Result<Vec<(u32, &'static str)>, String> {
    let version = *data.get(iinf.start).ok_or("an empty iinf box")?;
    let entries = iinf.start + if version == 0 { 6 } else { 8 };
    if entries > iinf.end {
        return Err("an iinf box cut short".into());
    }
    let mut items = Vec::new();
    for (kind, infe) in iso_boxes(data, entries..iinf.end)? {
        let entry = &data[infe];
        if &kind != b"infe" || entry.is_empty() {
            continue;
        }
        let text = |at: usize| {
            let rest = entry.get(at..).unwrap_or_default();
            let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
            (&rest[..end], (at + end + 1).min(entry.len()))
        };
        // Versions 0 and 1 name a content type only; 2 and 3 a type, then
        // a name and, for `mime`, a content type.
        let (id, item_type, name_at) = match entry[0] {
            0 | 1 => (u16_at(entry, 4).map(|id| id as u32), Some(&b"mime"[..]), 8),
            2 => (u16_at(entry, 4).map(|id| id as u32), entry.get(8..12), 12),
            3 => (
                u32_at(entry, 4, true).map(|id| id as u32),
                entry.get(10..14),
                14,
            ),
            _ => continue,
        };
        let (Some(id), Some(item_type)) = (id, item_type) else {
            return Err("an infe box cut short".into());
        };
        let (_, content_type_at) = text(name_at);
        let (content_type, _) = text(content_type_at);
        if item_type == b"Exif" {
            items.push((id, "Exif"));
        } else if item_type == b"mime" && content_type == XMP_CONTENT_TYPE.as_bytes() {
            items.push((id, "XMP"));
        }
    }
    Ok(items)
}

/// An entry of an `iloc` box.
struct IlocEntry {
    id: u32,
    method: u8,
    base: u64,
    /// (offset, length)
    extents: Vec<(u64, u64)>,
}

fn iloc_entries(iloc: &[u8]) -> Result<Vec<IlocEntry>, String> {
    let mut pos = 0;
    let mut read = |size: usize| -> Result<u64, String> {
        let bytes = iloc.get(pos..pos + size).ok_or("an iloc box cut short")?;
        pos += size;
        Ok(bytes.iter().fold(0, |n, b| n << 8 | u64::from(*b)))
    };
    let version = read(4)? >> 24;
    let sizes = read(2)?;
    let size = |nibble: u64| match nibble & 0xF {
        n @ (0 | 4 | 8) => Ok(n as usize),
        n => Err(format!("a field of {n} bytes in iloc")),
    };
    let (offset_size, length_size, base_size) =
        (size(sizes >> 12)?, size(sizes >> 8)?, size(sizes >> 4)?);
    let (id_size, index_size) = match version {
        0 => (2, 0),
        1 => (2, size(sizes)?),
        2 => (4, size(sizes)?),
        _ => return Err(format!("iloc version {version}")),
    };
    let count = read(id_size)?;
    let mut entries = Vec::new();
    for _ in 0..count {
        let id = read(id_size)? as u32;
        let method = if version == 0 {
            0
        } else {
            (read(2)? & 0xF) as u8
        };
        read(2)?; // data reference
        let base = read(base_size)?;
        let mut extents = Vec::new();
        for _ in 0..read(2)? {
            read(index_size)?;
            extents.push((read(offset_size)?, read(length_size)?));
        }
        entries.push(IlocEntry {
            id,
            method,
            base,
            extents,
        });
    }
    Ok(entries)
}
