//! ISO base media files (the box format of AVIF, HEIF and MP4).

use super::bytes::{slice, u32_be, u64_be};
use super::Dimensions;

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
