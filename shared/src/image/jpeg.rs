use super::bytes::{u16_be, u8_at};
use super::Dimensions;

pub(super) const SIGNATURE: &[u8] = &[0xFF, 0xD8, 0xFF];

pub(super) const SOS: u8 = 0xDA;
const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;

/// A marker segment: tables, headers, metadata.
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
        if is_standalone(marker) || marker == SOI {
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

/// Every segment of a JPEG file, between its scans too, and where the
/// picture ends. The bytes between two segments are entropy-coded data.
pub(super) struct Walk {
    pub segments: Vec<Segment>,
    /// Offset just past the end-of-image marker, or the end of the data if
    /// the file is cut short after a segment or inside a scan.
    pub end: usize,
}

const NOT_A_MARKER: &str = "there are unexpected bytes where a marker should be";
const SEGMENT_PAST_END: &str = "a segment runs past the end of the file";

/// Reads the whole file, unlike `segments`: a file whose structure cannot
/// be followed to its end is an error, not a shorter walk.
pub(super) fn walk(data: &[u8]) -> Result<Walk, &'static str> {
    if !data.starts_with(&[0xFF, SOI]) {
        return Err("it does not start with a start-of-image marker");
    }
    let mut segments = Vec::new();
    let mut pos = 2;
    while pos < data.len() {
        if data[pos] != 0xFF {
            return Err(NOT_A_MARKER);
        }
        let start = pos;
        while u8_at(data, pos) == Some(0xFF) {
            pos += 1;
        }
        let marker = u8_at(data, pos).ok_or(SEGMENT_PAST_END)?;
        pos += 1;
        match marker {
            EOI => return Ok(Walk { segments, end: pos }),
            0x00 | SOI => return Err(NOT_A_MARKER),
            _ => {}
        }
        let segment = if is_standalone(marker) {
            Segment {
                marker,
                start,
                payload: pos,
                end: pos,
            }
        } else {
            let len = usize::from(u16_be(data, pos).ok_or(SEGMENT_PAST_END)?);
            if len < 2 || pos + len > data.len() {
                return Err(SEGMENT_PAST_END);
            }
            Segment {
                marker,
                start,
                payload: pos + 2,
                end: pos + len,
            }
        };
        pos = if marker == SOS {
            end_of_scan(data, segment.end)
        } else {
            segment.end
        };
        segments.push(segment);
    }
    Ok(Walk {
        segments,
        end: data.len(),
    })
}

fn is_standalone(marker: u8) -> bool {
    marker == 0x01 || is_restart(marker)
}

fn is_restart(marker: u8) -> bool {
    (0xD0..=0xD7).contains(&marker)
}

/// The offset of the marker that ends the entropy-coded data starting at
/// `pos`, or the end of the data if the file is cut short first.
fn end_of_scan(data: &[u8], mut pos: usize) -> usize {
    while let Some(found) = memchr::memchr(0xFF, &data[pos..]) {
        let marker_at = pos + found;
        match u8_at(data, marker_at + 1) {
            // A stuffed 0xFF or a restart marker is still scan data; one
            // 0xFF before another is a fill byte before the next marker.
            Some(0x00 | 0xFF) => pos = marker_at + 1,
            Some(marker) if is_restart(marker) => pos = marker_at + 1,
            Some(_) => return marker_at,
            None => break,
        }
    }
    data.len()
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
