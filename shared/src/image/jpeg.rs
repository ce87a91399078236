use super::bytes::{u16_be, u8_at};
use super::Dimensions;

pub(super) const SIGNATURE: &[u8] = &[0xFF, 0xD8, 0xFF];

pub(super) const SOS: u8 = 0xDA;
const EOI: u8 = 0xD9;

/// A marker segment before the compressed data.
pub(super) struct Segment {
    pub marker: u8,
    /// Offset of the 0xFF that starts the marker.
    pub start: usize,
    /// Offset of the segment's payload (after the length field).
    pub payload: usize,
    /// Offset just past the segment.
    pub end: usize,
}

/// The segments from the start of the file up to and including SOS (after
/// which comes entropy-coded data). Stops at anything malformed.
pub(super) fn segments(data: &[u8]) -> impl Iterator<Item = Segment> + '_ {
    let mut pos = 2;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let start = pos;
        if u8_at(data, pos)? != 0xFF {
            return None;
        }
        while u8_at(data, pos)? == 0xFF {
            pos += 1;
        }
        let marker = u8_at(data, pos)?;
        pos += 1;
        if marker == 0x01 || (0xD0..=0xD8).contains(&marker) {
            // Standalone markers: no length field.
            return Some(Segment {
                marker,
                start,
                payload: pos,
                end: pos,
            });
        }
        if marker == EOI {
            return None;
        }
        let len = usize::from(u16_be(data, pos)?);
        let end = pos + len;
        if len < 2 || end > data.len() {
            return None;
        }
        let segment = Segment {
            marker,
            start,
            payload: pos + 2,
            end,
        };
        done = marker == SOS;
        pos = end;
        Some(segment)
    })
}

/// The offset just past the end-of-image marker of the picture whose first
/// scan's data begins at `scan`, skipping the segments between the scans
/// of a progressive JPEG. `None` if the file ends first.
pub(super) fn end_of_image(data: &[u8], scan: usize) -> Option<usize> {
    let mut pos = scan;
    loop {
        let marker_at = pos + memchr::memchr(0xFF, data.get(pos..)?)?;
        match u8_at(data, marker_at + 1)? {
            // Stuffed 0xFF, restart markers, fill bytes: still scan data.
            0x00 | 0xD0..=0xD7 | 0xFF => pos = marker_at + 1,
            EOI => return Some(marker_at + 2),
            // A segment between scans (tables, the next scan's header).
            _ => pos = marker_at + 2 + usize::from(u16_be(data, marker_at + 2)?),
        }
    }
}

fn is_start_of_frame(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Dimensions from the first start-of-frame segment.
pub(super) fn header(data: &[u8]) -> Option<Dimensions> {
    let frame = segments(data).find(|segment| is_start_of_frame(segment.marker))?;
    // Read only inside the segment: its length must hold what it claims.
    let body = data.get(frame.payload..frame.end)?;
    let height = u16_be(body, 1)?;
    let width = u16_be(body, 3)?;
    Dimensions::new(u32::from(width), u32::from(height))
}
