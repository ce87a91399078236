//! ISO base media files (the box format of AVIF, HEIF and MP4).

use super::bytes::{slice, u16_be, u32_be, u64_be};
use super::Dimensions;
use std::ops::Range;

/// What the `ftyp` box says the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Brand {
    Avif { sequence: bool },
    Heif,
    Video,
}

/// Boxes laid end to end in `data`: (type, body).
fn boxes(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> + '_ {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let size = u32_be(data, pos)? as usize;
        let kind: [u8; 4] = slice(data, pos + 4, 4)?.try_into().ok()?;
        let (header, size) = match size {
            0 => (8, data.len() - pos),
            1 => (16, usize::try_from(u64_be(data, pos + 8)?).ok()?),
            n => (8, n),
        };
        if size < header {
            return None;
        }
        let body = slice(data, pos + header, size - header)?;
        pos += size;
        Some((kind, body))
    })
}

fn find<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(data).find(|(k, _)| k == kind).map(|(_, body)| body)
}

pub(super) fn brand(data: &[u8]) -> Option<Brand> {
    let (kind, body) = boxes(data).next()?;
    if &kind != b"ftyp" || body.len() < 8 {
        return None;
    }
    // Major brand, minor version, then compatible brands.
    let brands: Vec<&[u8]> = std::iter::once(&body[0..4])
        .chain(body[8..].chunks_exact(4))
        .collect();
    let has = |b: &[u8]| brands.contains(&b);
    Some(if has(b"avis") {
        Brand::Avif { sequence: true }
    } else if has(b"avif") {
        Brand::Avif { sequence: false }
    } else if has(b"heic") || has(b"heix") || has(b"mif1") || has(b"msf1") || has(b"hevc") {
        Brand::Heif
    } else {
        Brand::Video
    })
}

/// Size from the first `ispe` property: meta → iprp → ipco → ispe.
pub(super) fn dimensions(data: &[u8]) -> Option<Dimensions> {
    let meta = find(data, b"meta")?;
    // `meta` is a full box: 4 bytes of version and flags before its children.
    let iprp = find(meta.get(4..)?, b"iprp")?;
    let ipco = find(iprp, b"ipco")?;
    let ispe = find(ipco, b"ispe")?;
    Dimensions::new(u32_be(ispe, 4)?, u32_be(ispe, 8)?)
}

/// A box, by absolute offsets into the file.
struct IsoBox {
    kind: [u8; 4],
    /// Offset of its type.
    kind_at: usize,
    /// Offset of the box's body, after its size and type (and largesize).
    body: Range<usize>,
}

const BOX_PAST_END: &str = "a box runs past the end of the space it is in";
const ITEM_UNREADABLE: &str = "the metadata's location cannot be read";

/// The boxes that exactly fill `within`: one that does not fit is an error.
fn children(data: &[u8], within: Range<usize>) -> Result<Vec<IsoBox>, &'static str> {
    let mut found = Vec::new();
    let mut pos = within.start;
    while pos < within.end {
        let size = u32_be(data, pos).ok_or(BOX_PAST_END)?;
        let kind: [u8; 4] = slice(data, pos + 4, 4)
            .and_then(|kind| kind.try_into().ok())
            .ok_or(BOX_PAST_END)?;
        let (header, size) = match size {
            0 => (8, within.end - pos),
            1 => (
                16,
                u64_be(data, pos + 8)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or(BOX_PAST_END)?,
            ),
            n => (8, n as usize),
        };
        let end = pos.checked_add(size).filter(|end| *end <= within.end);
        let end = end.filter(|_| size >= header).ok_or(BOX_PAST_END)?;
        found.push(IsoBox {
            kind,
            kind_at: pos + 4,
            body: pos + header..end,
        });
        pos = end;
    }
    Ok(found)
}

/// Top-level boxes a browser shows the picture from: the file type, the
/// items and their data, and an image sequence's tracks (libavif may play
/// them whatever the brand). Nothing else is read to show it: `uuid` (XMP,
/// C2PA), `meco`, `moof`, and not even `free` and `skip`, where exiftool
/// finds camera data and editors leave boxes they meant to delete.
const FILE_KEPT: [&[u8; 4]; 4] = [b"ftyp", b"meta", b"mdat", b"moov"];
/// In `moov` and in its `trak`s, what libavif and Firefox read to play a
/// sequence; not `udta` (QuickTime tags: `©xyz` is the location), `meta`
/// (Exif, XMP), `uuid` or `meco`, all of which exiftool reads.
const MOVIE_KEPT: [&[u8; 4]; 2] = [b"mvhd", b"trak"];
const TRACK_KEPT: [&[u8; 4]; 4] = [b"tkhd", b"tref", b"edts", b"mdia"];

/// What has to be blanked for no personal metadata to be left.
#[derive(Default)]
pub(super) struct Blanks {
    /// Bytes to become zeros: every Exif and `mime` (XMP) item of every
    /// `meta` box, and the body of every box in `freed`.
    pub zeros: Vec<Range<usize>>,
    /// Where the type of each box nothing is shown from lies: it becomes
    /// `free`, keeping its size, so that no offset changes.
    pub freed: Vec<usize>,
}

/// An error if a box it walks cannot be read to its end.
pub(super) fn blanks(data: &[u8]) -> Result<Blanks, &'static str> {
    let top_level = children(data, 0..data.len())?;
    let media_data: Vec<Range<usize>> = top_level
        .iter()
        .filter(|b| &b.kind == b"mdat")
        .map(|b| b.body.clone())
        .collect();
    let mut blanks = Blanks::default();
    blank_boxes(data, top_level, &FILE_KEPT, &media_data, &mut blanks)?;
    Ok(blanks)
}

/// Frees every box of `boxes` that `kept` does not list; walks a kept
/// `moov` and its `trak`s the same way, which have to be read to the end.
fn blank_boxes(
    data: &[u8],
    boxes: Vec<IsoBox>,
    kept: &[&[u8; 4]],
    media_data: &[Range<usize>],
    blanks: &mut Blanks,
) -> Result<(), &'static str> {
    for b in boxes {
        // A track's items lie in `mdat`, which stays when its box goes.
        if &b.kind == b"meta" {
            let items = meta_item_ranges(data, b.body.clone(), media_data)?;
            blanks.zeros.extend(items);
        }
        if !kept.contains(&&b.kind) {
            blanks.freed.push(b.kind_at);
            blanks.zeros.push(b.body);
            continue;
        }
        let inner: &[&[u8; 4]] = match &b.kind {
            b"moov" => &MOVIE_KEPT,
            b"trak" => &TRACK_KEPT,
            _ => continue,
        };
        let boxes = children(data, b.body)?;
        blank_boxes(data, boxes, inner, media_data, blanks)?;
    }
    Ok(())
}

/// The metadata items of one `meta` box. Their data has to lie in a media
/// data box or the meta box's own `idat`: blanking anything else (another
/// box's header, the picture's size) would damage the file.
fn meta_item_ranges(
    data: &[u8],
    meta: Range<usize>,
    media_data: &[Range<usize>],
) -> Result<Vec<Range<usize>>, &'static str> {
    // A full box: version and flags before the children.
    if meta.len() < 4 {
        return Err(BOX_PAST_END);
    }
    let boxes = children(data, meta.start + 4..meta.end)?;
    // At most one of each: readers differ on which of two they follow.
    let body = |kind: &[u8; 4]| {
        let mut found = boxes.iter().filter(|b| &b.kind == kind);
        match (found.next(), found.next()) {
            (_, Some(_)) => Err("the meta box lists its items or their data twice"),
            (first, None) => Ok(first.map(|b| b.body.clone())),
        }
    };
    let items = match body(b"iinf")? {
        Some(iinf) => metadata_items(data, iinf)?,
        None => return Ok(Vec::new()),
    };
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let locations = item_locations(data, body(b"iloc")?.ok_or(ITEM_UNREADABLE)?)?;
    let mut ranges = Vec::new();
    for item in items {
        // Exactly one entry: readers differ on which of two they follow.
        let mut listed = locations.iter().filter(|location| location.item == item);
        let (Some(location), None) = (listed.next(), listed.next()) else {
            return Err(ITEM_UNREADABLE);
        };
        let (origin, containers) = match location.construction_method {
            0 => (0, media_data.to_vec()),
            1 => {
                let idat = body(b"idat")?.ok_or(ITEM_UNREADABLE)?;
                (idat.start, vec![idat])
            }
            _ => return Err("the metadata is stored in a way this server does not support"),
        };
        for &(offset, length) in &location.extents {
            let range = extent_range(origin, location.base_offset, offset, length)?;
            if !containers
                .iter()
                .any(|c| c.start <= range.start && range.end <= c.end)
            {
                return Err("a metadata item lies outside the file's data");
            }
            ranges.push(range);
        }
    }
    Ok(ranges)
}

/// Where one extent lies in the file, its offsets counted from `origin`.
fn extent_range(
    origin: usize,
    base: u64,
    offset: u64,
    length: u64,
) -> Result<Range<usize>, &'static str> {
    // A length of 0 means "to the end": never blank more than the item itself.
    if length == 0 {
        return Err("a metadata item has no stated length");
    }
    let start = base
        .checked_add(offset)
        .and_then(|start| usize::try_from(start).ok())
        .and_then(|start| start.checked_add(origin));
    let end = start.and_then(|start| start.checked_add(usize::try_from(length).ok()?));
    match (start, end) {
        (Some(start), Some(end)) => Ok(start..end),
        _ => Err("a metadata item lies outside the file's data"),
    }
}

/// The ids of the Exif and `mime` (XMP) items listed in an `iinf` box.
fn metadata_items(data: &[u8], iinf: Range<usize>) -> Result<Vec<u32>, &'static str> {
    let version = *data[iinf.clone()].first().ok_or(BOX_PAST_END)?;
    // Version and flags, then the entry count (16 bits in version 0).
    let entries_at = iinf.start + if version == 0 { 6 } else { 8 };
    if entries_at > iinf.end {
        return Err(BOX_PAST_END);
    }
    let mut items = Vec::new();
    for infe in children(data, entries_at..iinf.end)? {
        let entry = &data[infe.body];
        let (id, item_type) = match entry.first() {
            Some(2) => (u16_be(entry, 4).map(u32::from), slice(entry, 8, 4)),
            Some(3) => (u32_be(entry, 4), slice(entry, 10, 4)),
            _ => return Err("an item is described in a form this server does not read"),
        };
        let (Some(id), Some(item_type)) = (id, item_type) else {
            return Err(BOX_PAST_END);
        };
        if item_type == b"Exif" || item_type == b"mime" {
            items.push(id);
        }
    }
    Ok(items)
}

/// One item's entry in an `iloc` box.
struct ItemLocation {
    item: u32,
    construction_method: u8,
    base_offset: u64,
    /// Offset and length of each extent.
    extents: Vec<(u64, u64)>,
}

fn item_locations(data: &[u8], iloc: Range<usize>) -> Result<Vec<ItemLocation>, &'static str> {
    let mut reader = Reader {
        data: &data[iloc],
        pos: 0,
    };
    let version = reader.number(1)?;
    reader.number(3)?; // flags
    let sizes = reader.number(2)?;
    let field = |shift: u32| -> Result<usize, &'static str> {
        match (sizes >> shift) & 0xF {
            n @ (0 | 4 | 8) => Ok(n as usize),
            _ => Err(ITEM_UNREADABLE),
        }
    };
    let (offset_size, length_size, base_offset_size) = (field(12)?, field(8)?, field(4)?);
    let (id_size, index_size) = match version {
        0 => (2, 0),
        1 => (2, field(0)?),
        2 => (4, field(0)?),
        _ => return Err(ITEM_UNREADABLE),
    };
    let count = reader.number(id_size)?;
    let mut locations = Vec::new();
    for _ in 0..count {
        let item = reader.number(id_size)? as u32;
        let construction_method = if version == 0 {
            0
        } else {
            (reader.number(2)? & 0xF) as u8
        };
        reader.number(2)?; // data reference index
        let base_offset = reader.number(base_offset_size)?;
        let mut extent_count = reader.number(2)?;
        if index_size + offset_size + length_size == 0 {
            // Extents of no bytes are all alike: read one, not up to 65535.
            extent_count = extent_count.min(1);
        }
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            reader.number(index_size)?;
            extents.push((reader.number(offset_size)?, reader.number(length_size)?));
        }
        locations.push(ItemLocation {
            item,
            construction_method,
            base_offset,
            extents,
        });
    }
    Ok(locations)
}

/// Big-endian numbers of 0 to 8 bytes, read one after the other.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn number(&mut self, size: usize) -> Result<u64, &'static str> {
        let bytes = slice(self.data, self.pos, size).ok_or(ITEM_UNREADABLE)?;
        self.pos += size;
        Ok(bytes.iter().fold(0, |n, byte| n << 8 | u64::from(*byte)))
    }
}
