use super::bytes::{slice, u16_le, u24_le, u32_le, u8_at};
use super::Dimensions;
use std::ops::Range;

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

/// Every chunk inside the RIFF container, or of an animation frame's data
/// (`within`). A chunk that does not fit is an error; bytes after the
/// RIFF container are not part of the picture.
pub(super) fn walk(data: &[u8], within: Range<usize>) -> Result<Vec<Chunk>, &'static str> {
    const CHUNK_PAST_END: &str = "a chunk runs past the end of the space it is in";
    let mut found = Vec::new();
    let mut pos = within.start;
    while pos < within.end {
        let payload = pos + 8;
        if payload > within.end {
            return Err(CHUNK_PAST_END);
        }
        let kind = [data[pos], data[pos + 1], data[pos + 2], data[pos + 3]];
        let len = u32::from_le_bytes([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]])
            as usize;
        // Padding included: chunks are written after it.
        let end = payload
            .checked_add(len)
            .and_then(|end| end.checked_add(len & 1))
            .filter(|end| *end <= within.end)
            .ok_or(CHUNK_PAST_END)?;
        found.push(Chunk {
            kind,
            start: pos,
            payload,
            len,
            end,
        });
        pos = end;
    }
    Ok(found)
}

/// Where the RIFF container's chunks lie: after its header, up to the end
/// its size states or the end of the data, whichever comes first.
pub(super) fn riff_body(data: &[u8]) -> Result<Range<usize>, &'static str> {
    if !is_webp(data) {
        return Err("it does not start with a WebP signature");
    }
    let riff_size = u32::from_le_bytes([data[4], data[5], data[6], data[7]]);
    let riff_end = (riff_size as usize).saturating_add(8).min(data.len());
    // Room for one chunk header at least: an empty container is no picture.
    if riff_end < 20 {
        return Err("the container's stated size leaves no room for a picture");
    }
    Ok(12..riff_end)
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
