use super::bytes::{slice, u16_le, u24_le, u32_le, u8_at};
use super::Dimensions;

pub(super) fn is_webp(data: &[u8]) -> bool {
    data.starts_with(b"RIFF") && slice(data, 8, 4) == Some(b"WEBP")
}

/// A RIFF chunk inside the WEBP container.
pub(super) struct Chunk {
    pub kind: [u8; 4],
    /// Offset of the chunk's fourcc.
    pub start: usize,
    /// Offset of the chunk's payload.
    pub payload: usize,
    /// Length of the payload, as the chunk header states it.
    pub len: usize,
    /// Offset just past the chunk, padding included.
    pub end: usize,
}

pub(super) fn chunks(data: &[u8]) -> impl Iterator<Item = Chunk> + '_ {
    let mut pos = 12;
    std::iter::from_fn(move || {
        let kind: [u8; 4] = slice(data, pos, 4)?.try_into().ok()?;
        let len = u32_le(data, pos + 4)? as usize;
        let payload = pos + 8;
        let end = payload.checked_add(len)?.checked_add(len & 1)?;
        if payload + len > data.len() {
            return None;
        }
        let chunk = Chunk {
            kind,
            start: pos,
            payload,
            len,
            end: end.min(data.len()),
        };
        pos = end;
        Some(chunk)
    })
}

/// Canvas size, and whether the file is animated.
pub(super) fn header(data: &[u8]) -> Option<(Dimensions, bool)> {
    let first = chunks(data).next()?;
    // Read only inside the chunk: its header must hold what it claims.
    let data = &data[..first.payload + first.len];
    let at = first.payload;
    match &first.kind {
        b"VP8 " => {
            if slice(data, at + 3, 3)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            let width = u16_le(data, at + 6)? & 0x3FFF;
            let height = u16_le(data, at + 8)? & 0x3FFF;
            Some((Dimensions::new(width.into(), height.into())?, false))
        }
        b"VP8L" => {
            if u8_at(data, at)? != 0x2F {
                return None;
            }
            let bits = u32_le(data, at + 1)?;
            let width = (bits & 0x3FFF) + 1;
            let height = ((bits >> 14) & 0x3FFF) + 1;
            Some((Dimensions::new(width, height)?, false))
        }
        b"VP8X" => {
            let animated = u8_at(data, at)? & 0x02 != 0;
            let width = u24_le(data, at + 4)? + 1;
            let height = u24_le(data, at + 7)? + 1;
            Some((Dimensions::new(width, height)?, animated))
        }
        _ => None,
    }
}
