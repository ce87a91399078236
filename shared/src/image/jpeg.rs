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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::samples::{jpeg_parts, jpeg_scan, jpeg_segment, EOI, SOF0, SOF2, SOI};

    type Span = (u8, usize, usize, usize);

    fn span(segment: &Segment) -> Span {
        (segment.marker, segment.start, segment.payload, segment.end)
    }

    /// At most 16, so that a parser that never ends cannot fill memory.
    fn header_spans(data: &[u8]) -> Vec<Span> {
        segments(data).take(16).map(|s| span(&s)).collect()
    }

    fn walked(data: &[u8]) -> Result<(Vec<Span>, usize), &'static str> {
        walk(data).map(|walk| (walk.segments.iter().map(span).collect(), walk.end))
    }

    /// A 16×8 frame header.
    fn frame(marker: u8) -> Vec<u8> {
        jpeg_segment(marker, &[8, 0, 8, 0, 16, 1, 1, 0x11, 0])
    }

    /// SOI, a fill byte before an empty APP0, two standalone markers, and
    /// the frame header as the last bytes of the file.
    fn odd_but_valid_start() -> Vec<u8> {
        [
            &SOI[..],
            &[0xFF],
            &jpeg_segment(0xE0, b""),
            &[0xFF, 0x01, 0xFF, 0xD0],
            &frame(SOF0),
        ]
        .concat()
    }

    const ODD_SPANS: [Span; 4] = [
        (0xE0, 2, 7, 7),
        (0x01, 7, 9, 9),
        (0xD0, 9, 11, 11),
        (SOF0, 11, 15, 24),
    ];

    #[test]
    fn the_header_is_found_past_fill_bytes_standalone_markers_and_empty_segments() {
        let data = odd_but_valid_start();
        assert_eq!(data.len(), 24);
        assert_eq!(header_spans(&data), ODD_SPANS);
        assert_eq!(header(&data), Dimensions::new(16, 8));
    }

    #[test]
    fn header_segments_stop_at_the_scan_the_end_of_image_and_anything_malformed() {
        let clean = jpeg_parts(false).concat();
        let markers: Vec<u8> = segments(&clean).take(16).map(|s| s.marker).collect();
        assert_eq!(markers, [0xE0, 0xE2, 0xEE, 0xDB, SOF0, 0xC4, SOS]);
        // Nothing after the end of the image is read.
        let ended = [&SOI[..], &EOI, &frame(SOF0)].concat();
        assert_eq!(header_spans(&ended), []);
        assert_eq!(header(&ended), None);
        // After the frame: too short to be a segment, past the end, no marker.
        for bad in [
            &[0xFF, 0xE0, 0, 0][..],
            &[0xFF, 0xE0, 0, 1],
            &[0xFF, 0xE0, 0, 5, b'a', b'b'],
            &[0xFF],
            &[0x00, 0xFF, 0xE0, 0, 2],
        ] {
            let data = [&SOI[..], &frame(SOF0), bad].concat();
            assert_eq!(header_spans(&data), [(SOF0, 2, 6, 15)], "{bad:x?}");
        }
    }

    #[test]
    fn only_start_of_frame_markers_give_the_size() {
        // Huffman (C4), arithmetic-coding (CC) tables and JPG (C8) are no
        // frames, though their markers sit among the frame markers.
        for table in [0xC4, 0xC8, 0xCC] {
            let tables = jpeg_segment(table, &[0, 0, 1, 0, 2, 1, 1, 0x11, 0]);
            let data = [&SOI[..], &tables, &frame(SOF2)].concat();
            assert_eq!(header(&data), Dimensions::new(16, 8), "{table:x}");
        }
        for sof in (0xC0..=0xCF).filter(|m| ![0xC4, 0xC8, 0xCC].contains(m)) {
            let data = [&SOI[..], &frame(sof)].concat();
            assert_eq!(header(&data), Dimensions::new(16, 8), "{sof:x}");
        }
        // A frame header too short for its size, though bytes follow it.
        let short = [&SOI[..], &jpeg_segment(SOF0, &[8, 0, 8, 0]), &[0x10; 8]].concat();
        assert_eq!(header(&short), None);
        let empty = [&SOI[..], &jpeg_segment(SOF0, &[8, 0, 0, 0, 16, 1])].concat();
        assert_eq!(header(&empty), None);
    }

    #[test]
    fn the_walk_follows_every_segment_and_scan_to_the_end_of_the_image() {
        for progressive in [false, true] {
            let parts = jpeg_parts(progressive);
            let mut expected = Vec::new();
            let mut at = SOI.len();
            for part in &parts[1..parts.len() - 1] {
                let len = usize::from(u16::from_be_bytes([part[2], part[3]]));
                expected.push((part[1], at, at + 4, at + 2 + len));
                at += part.len();
            }
            let data = [parts.concat(), b"trailing".to_vec()].concat();
            assert_eq!(walked(&data), Ok((expected, at + EOI.len())));
        }
        let odd = [odd_but_valid_start(), EOI.to_vec()].concat();
        assert_eq!(walked(&odd), Ok((ODD_SPANS.to_vec(), 26)));
    }

    #[test]
    fn a_walk_cut_short_after_a_segment_or_inside_a_scan_ends_with_the_data() {
        let frame_only = [&SOI[..], &frame(SOF0)].concat();
        assert_eq!(walked(&frame_only), Ok((vec![(SOF0, 2, 6, 15)], 15)));
        let scan = jpeg_scan(1);
        for cut in [scan.clone(), [&scan[..], &[0xFF]].concat()] {
            let data = [frame_only.clone(), cut].concat();
            assert_eq!(
                walked(&data),
                Ok((vec![(SOF0, 2, 6, 15), (SOS, 15, 19, 25)], data.len()))
            );
        }
    }

    #[test]
    fn walks_that_cannot_be_followed_say_why() {
        let with = |bytes: &[u8]| [&SOI[..], bytes, &frame(SOF0), &EOI].concat();
        for too_short in [&[0xFF, 0xE0, 0, 0][..], &[0xFF, 0xE0, 0, 1]] {
            assert_eq!(walked(&with(too_short)), Err(SEGMENT_PAST_END));
        }
        let past_end = [&SOI[..], &frame(SOF0), &[0xFF, 0xE0, 0, 5, b'a', b'b']].concat();
        assert_eq!(walked(&past_end), Err(SEGMENT_PAST_END));
        assert_eq!(
            walked(&[&SOI[..], &[0xFF, 0xFF]].concat()),
            Err(SEGMENT_PAST_END)
        );
        for not_a_marker in [&[0x00][..], &[0xFF, 0x00], &SOI, b"junk"] {
            assert_eq!(walked(&with(not_a_marker)), Err(NOT_A_MARKER));
        }
        assert!(walked(&frame(SOF0)).is_err());
    }
}
