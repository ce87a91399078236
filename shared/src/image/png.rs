use super::bytes::{slice, u32_be};
use super::Dimensions;

pub(super) const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A chunk: its type and where its data lies in the file.
pub(super) struct Chunk {
    pub kind: [u8; 4],
    /// Offset of the chunk's length field.
    pub start: usize,
    /// Offset just past the chunk's CRC.
    pub end: usize,
}

/// The chunks after the signature; stops (with `None` from `next`) at the
/// first chunk that does not fit in the data.
pub(super) fn chunks(data: &[u8]) -> impl Iterator<Item = Chunk> + '_ {
    let mut pos = SIGNATURE.len();
    std::iter::from_fn(move || {
        let len = u32_be(data, pos)? as usize;
        let kind: [u8; 4] = slice(data, pos + 4, 4)?.try_into().ok()?;
        let end = pos.checked_add(12)?.checked_add(len)?;
        if end > data.len() {
            return None;
        }
        let chunk = Chunk {
            kind,
            start: pos,
            end,
        };
        pos = end;
        Some(chunk)
    })
}

/// Every chunk up to and including IEND (anything after it is not part of
/// the picture). A chunk that does not fit in the data is an error.
pub(super) fn walk(data: &[u8]) -> Result<Vec<Chunk>, &'static str> {
    const CHUNK_PAST_END: &str = "a chunk runs past the end of the file";
    if !data.starts_with(SIGNATURE) {
        return Err("it does not start with a PNG signature");
    }
    let mut found = Vec::new();
    let mut pos = SIGNATURE.len();
    while pos < data.len() {
        let len = u32_be(data, pos).ok_or(CHUNK_PAST_END)? as usize;
        let kind: [u8; 4] = slice(data, pos + 4, 4)
            .and_then(|kind| kind.try_into().ok())
            .ok_or(CHUNK_PAST_END)?;
        let end = (pos + 12)
            .checked_add(len)
            .filter(|end| *end <= data.len())
            .ok_or(CHUNK_PAST_END)?;
        found.push(Chunk {
            kind,
            start: pos,
            end,
        });
        pos = end;
        if &kind == b"IEND" {
            break;
        }
    }
    Ok(found)
}

/// Dimensions from IHDR, and whether an acTL chunk (APNG) precedes the image data.
pub(super) fn header(data: &[u8]) -> Option<(Dimensions, bool)> {
    if slice(data, 12, 4)? != b"IHDR" || u32_be(data, 8)? != 13 {
        return None;
    }
    let dimensions = Dimensions::new(u32_be(data, 16)?, u32_be(data, 20)?)?;
    let animated = chunks(data)
        .take_while(|chunk| &chunk.kind != b"IDAT")
        .any(|chunk| &chunk.kind == b"acTL");
    Some((dimensions, animated))
}
