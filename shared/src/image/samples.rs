//! Test images built byte by byte, with camera, location and other personal
//! metadata wherever their format lets it sit (and some places it does
//! not), and an independent EXIF reader as the oracle that none of it is
//! left after stripping. Used by the unit tests and, through `#[path]`, by
//! tests/properties.rs: only std and the kamadak-exif dev-dependency here.

use std::io::Cursor;
use std::ops::Range;

/// Text of the personal metadata below: none of it may survive stripping.
pub const PERSONAL: [&[u8]; 10] = [
    b"SN12345678",
    b"Canon",
    b"GPSLatitude",
    b"Amsterdam",
    b"shot at home",
    b"Jane Doe",
    b"http://ns.adobe.com/xap/1.0/",
    b"xmpmeta",
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

/// How an AVIF sample lays out its items.
#[derive(Debug, Clone, Copy)]
pub struct AvifLayout {
    /// Metadata in the meta box's `idat` (construction method 1), not `mdat`.
    pub in_idat: bool,
    /// The Exif item in two extents instead of one.
    pub split_exif: bool,
    /// iloc version: 0 (file offsets only), 1 or 2.
    pub iloc_version: u8,
}

pub struct Avif {
    pub data: Vec<u8>,
    /// Where the Exif and XMP items lie.
    pub metadata: Vec<Range<usize>>,
    /// Where the coded picture lies.
    pub image: Range<usize>,
}

pub const AV1_DATA: &[u8] =
    b"\x12\x00\x0a\x0a\x00\x00\x00\x03\x9f\xfb\xff\xf3\x00\x80coded-picture";

/// A 16×8 AVIF as phones write it: one AV1 item, an Exif item and an XMP
/// (`mime`) item, located by `iloc`.
pub fn avif(layout: AvifLayout) -> Avif {
    let exif = [b"\0\0\0\x06Exif\0\0".as_slice(), &camera_exif(6)].concat();
    let xmp = xmp_packet();
    // Lay out once to learn where the payloads go, then with those offsets:
    // the sizes do not depend on them.
    let mut offsets = (0, 0, 0);
    loop {
        let meta = avif_meta(layout, offsets, exif.len(), xmp.len(), &exif, &xmp);
        let ftyp = iso_box(b"ftyp", b"avif\0\0\0\0avifmif1miaf");
        let mdat_body = if layout.in_idat {
            AV1_DATA.to_vec()
        } else {
            [AV1_DATA, &exif, &xmp].concat()
        };
        let mdat_start = ftyp.len() + meta.len() + 8;
        let image = mdat_start..mdat_start + AV1_DATA.len();
        let (exif_at, xmp_at) = if layout.in_idat {
            // idat is the last box of meta: its body holds Exif then XMP.
            let idat = ftyp.len() + meta.len() - exif.len() - xmp.len();
            (idat, idat + exif.len())
        } else {
            (image.end, image.end + exif.len())
        };
        let wanted = if layout.in_idat {
            (mdat_start, 0, exif.len())
        } else {
            (mdat_start, exif_at, xmp_at)
        };
        if offsets == wanted {
            return Avif {
                data: [ftyp, meta, iso_box(b"mdat", &mdat_body)].concat(),
                metadata: vec![exif_at..exif_at + exif.len(), xmp_at..xmp_at + xmp.len()],
                image,
            };
        }
        offsets = wanted;
    }
}

/// The meta box; `offsets` are those of the picture, the Exif and the XMP
/// item as iloc states them.
fn avif_meta(
    layout: AvifLayout,
    offsets: (usize, usize, usize),
    exif_len: usize,
    xmp_len: usize,
    exif: &[u8],
    xmp: &[u8],
) -> Vec<u8> {
    let v = layout.iloc_version;
    let id = |id: u32| -> Vec<u8> {
        if v == 2 {
            id.to_be_bytes().to_vec()
        } else {
            (id as u16).to_be_bytes().to_vec()
        }
    };
    let method = |method: u8| -> Vec<u8> {
        if v == 0 {
            vec![]
        } else {
            vec![0, method]
        }
    };
    let extent = |offset: usize, len: usize| -> Vec<u8> {
        [(offset as u32).to_be_bytes(), (len as u32).to_be_bytes()].concat()
    };
    let metadata_method = u8::from(layout.in_idat);
    let exif_extents = if layout.split_exif {
        [
            2u16.to_be_bytes().to_vec(),
            extent(offsets.1, 10),
            extent(offsets.1 + 10, exif_len - 10),
        ]
        .concat()
    } else {
        [1u16.to_be_bytes().to_vec(), extent(offsets.1, exif_len)].concat()
    };
    // offset_size 4, length_size 4, base_offset_size 0, index_size 0.
    let iloc = full_box(
        b"iloc",
        v,
        &[
            vec![0x44, 0x00],
            id(3),
            id(1),
            method(0),
            vec![0, 0, 0, 1],
            extent(offsets.0, AV1_DATA.len()),
            id(2),
            method(metadata_method),
            vec![0, 0],
            exif_extents,
            id(3),
            method(metadata_method),
            vec![0, 0, 0, 1],
            extent(offsets.2, xmp_len),
        ]
        .concat(),
    );
    let infe = |id: u16, kind: &[u8; 4], rest: &[u8]| {
        full_box(
            b"infe",
            2,
            &[&id.to_be_bytes()[..], &[0, 0], kind, rest].concat(),
        )
    };
    let iinf = full_box(
        b"iinf",
        0,
        &[
            &3u16.to_be_bytes()[..],
            &infe(1, b"av01", b"\0"),
            &infe(2, b"Exif", b"\0"),
            &infe(3, b"mime", b"\0application/rdf+xml\0"),
        ]
        .concat(),
    );
    let ispe = full_box(
        b"ispe",
        0,
        &[16u32.to_be_bytes(), 8u32.to_be_bytes()].concat(),
    );
    let mut children = [
        full_box(b"hdlr", 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0"),
        full_box(b"pitm", 0, &1u16.to_be_bytes()),
        iloc,
        iinf,
        iso_box(b"iprp", &iso_box(b"ipco", &ispe)),
    ]
    .concat();
    if layout.in_idat {
        children.extend_from_slice(&iso_box(b"idat", &[exif, xmp].concat()));
    }
    full_box(b"meta", 0, &children)
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
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
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
/// removes, or bytes after the picture's end. Unlike `personal_data_left`
/// it does not look inside pixel data or tables, so it holds for damaged
/// and mutated files too. Written apart from the code under test.
pub fn metadata_left(data: &[u8]) -> Vec<String> {
    let mut left = match data {
        [0xFF, 0xD8, ..] => jpeg_metadata_left(data),
        [0x89, b'P', b'N', b'G', ..] => png_metadata_left(data),
        [b'G', b'I', b'F', ..] => gif_metadata_left(data),
        [b'R', b'I', b'F', b'F', ..] => webp_metadata_left(data),
        [b'B', b'M', ..] => bmp_metadata_left(data),
        [0, 0, 1, 0, ..] => ico_metadata_left(data),
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
