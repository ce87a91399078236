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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::samples::{png_chunk, png_parts};

    fn four_by_two(animated: bool) -> Option<(Dimensions, bool)> {
        Some((Dimensions::new(4, 2)?, animated))
    }

    /// At most 16, so that a parser that never ends cannot fill memory.
    fn spans(chunks: impl IntoIterator<Item = Chunk>) -> Vec<([u8; 4], usize, usize)> {
        let chunks = chunks.into_iter().take(16);
        chunks.map(|c| (c.kind, c.start, c.end)).collect()
    }

    /// The sample's chunks as (kind, start, end), from `parts`.
    fn expected(parts: &[Vec<u8>]) -> Vec<([u8; 4], usize, usize)> {
        let mut at = SIGNATURE.len();
        parts[1..]
            .iter()
            .map(|part| {
                at += part.len();
                (part[4..8].try_into().unwrap(), at - part.len(), at)
            })
            .collect()
    }

    #[test]
    fn an_animation_control_counts_only_before_the_image_data() {
        let parts = png_parts();
        let actl = png_chunk(b"acTL", &[0, 0, 0, 2, 0, 0, 0, 0]);
        assert_eq!(header(&parts.concat()), four_by_two(false));
        let before = [&parts[..3], std::slice::from_ref(&actl), &parts[3..]].concat();
        assert_eq!(header(&before.concat()), four_by_two(true));
        let after = [&parts[..4], &[actl], &parts[4..]].concat();
        assert_eq!(header(&after.concat()), four_by_two(false));
    }

    #[test]
    fn the_header_must_be_a_whole_ihdr_first() {
        let clean = png_parts().concat();
        assert_eq!(header(&clean[..24]), four_by_two(false));
        let mut renamed = clean.clone();
        renamed[12..16].copy_from_slice(b"IHDr");
        assert_eq!(header(&renamed), None);
        let mut longer = clean.clone();
        longer[11] = 14;
        assert_eq!(header(&longer), None);
        assert_eq!(header(&clean[..23]), None);
    }

    #[test]
    fn chunks_and_the_walk_cover_the_file_up_to_iend() {
        let parts = png_parts();
        let clean = parts.concat();
        assert_eq!(spans(chunks(&clean)), expected(&parts));
        let trailing = [clean.as_slice(), b"after IEND"].concat();
        assert_eq!(walk(&trailing).map(spans), Ok(expected(&parts)));
        // Cut short between chunks: the chunks so far.
        let cut = parts[..4].concat();
        assert_eq!(walk(&cut).map(spans), Ok(expected(&parts[..4])));
        assert_eq!(spans(chunks(&cut)), expected(&parts[..4]));
        // Cut inside a chunk: `chunks` stops, `walk` refuses.
        for (len, whole) in [
            (cut.len() + 3, 4),
            (cut.len() + 11, 4),
            (clean.len() - 1, 5),
        ] {
            let whole = expected(&parts[..whole]);
            assert_eq!(spans(chunks(&clean[..len])), whole, "{len}");
            let refused = walk(&clean[..len]).map(spans);
            assert_eq!(
                refused,
                Err("a chunk runs past the end of the file"),
                "{len}"
            );
        }
        assert!(walk(&clean[1..]).is_err());
    }
}
