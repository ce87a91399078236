use super::bytes::{u16_le, u8_at};
use super::Dimensions;

const TRAILER: u8 = 0x3B;
const EXTENSION: u8 = 0x21;
const IMAGE: u8 = 0x2C;

pub(super) fn is_gif(data: &[u8]) -> bool {
    data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a")
}

/// Logical screen size, and whether more than one frame follows.
pub(super) fn header(data: &[u8]) -> Option<(Dimensions, bool)> {
    let dimensions = Dimensions::new(u32::from(u16_le(data, 6)?), u32::from(u16_le(data, 8)?))?;
    let mut pos = 13 + color_table_len(u8_at(data, 10)?);
    let mut frames = 0;
    while frames < 2 {
        match u8_at(data, pos) {
            Some(EXTENSION) => pos = skip_sub_blocks(data, pos + 2)?,
            Some(IMAGE) => {
                frames += 1;
                let flags = u8_at(data, pos + 9)?;
                // Descriptor (10 bytes), local colour table, LZW code size.
                pos = skip_sub_blocks(data, pos + 10 + color_table_len(flags) + 1)?;
            }
            // The trailer, or a file cut short after its first frame.
            Some(TRAILER) | None if frames > 0 => break,
            _ => return None,
        }
    }
    Some((dimensions, frames > 1))
}

/// An image, or an extension (with its label), as it lies in the file.
pub(super) struct Block {
    /// The label of an extension; `None` for an image.
    pub label: Option<u8>,
    pub start: usize,
    /// Offset just past the block's terminating empty sub-block.
    pub end: usize,
}

/// Every block of a GIF file up to its trailer.
pub(super) struct Walk {
    /// Offset just past the header, screen descriptor and global colour table.
    pub header_end: usize,
    pub blocks: Vec<Block>,
    /// Offset just past the trailer, or the end of the data if the file is
    /// cut short after a whole block.
    pub end: usize,
}

const BLOCK_PAST_END: &str = "a block runs past the end of the file";

/// Reads the whole file, unlike `header`: a block that does not end
/// properly, or bytes that start no known block, are an error.
pub(super) fn walk(data: &[u8]) -> Result<Walk, &'static str> {
    if !is_gif(data) {
        return Err("it does not start with a GIF signature");
    }
    let flags = u8_at(data, 10).ok_or("the file ends inside its header")?;
    let header_end = 13 + color_table_len(flags);
    if header_end > data.len() {
        return Err("the file ends inside its header");
    }
    let mut blocks = Vec::new();
    let mut pos = header_end;
    while let Some(introducer) = u8_at(data, pos) {
        let (label, end) = match introducer {
            TRAILER => {
                return Ok(Walk {
                    header_end,
                    blocks,
                    end: pos + 1,
                })
            }
            EXTENSION => {
                let label = u8_at(data, pos + 1).ok_or(BLOCK_PAST_END)?;
                (Some(label), skip_sub_blocks(data, pos + 2))
            }
            IMAGE => {
                let flags = u8_at(data, pos + 9).ok_or(BLOCK_PAST_END)?;
                let data_start = pos + 10 + color_table_len(flags) + 1;
                (None, skip_sub_blocks(data, data_start))
            }
            _ => return Err("there are unexpected bytes where a block should start"),
        };
        let end = end.ok_or(BLOCK_PAST_END)?;
        blocks.push(Block {
            label,
            start: pos,
            end,
        });
        pos = end;
    }
    Ok(Walk {
        header_end,
        blocks,
        end: data.len(),
    })
}

fn color_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 0x07) + 1)
    }
}

/// Position after a chain of data sub-blocks starting at `pos`.
fn skip_sub_blocks(data: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = usize::from(u8_at(data, pos)?);
        pos += 1;
        if len == 0 {
            return Some(pos);
        }
        pos += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::samples::gif_parts;

    /// The size of the sample GIFs.
    fn four_by_two(animated: bool) -> Option<(Dimensions, bool)> {
        Some((Dimensions::new(4, 2)?, animated))
    }

    /// A 4×2 GIF: the screen with `global` (flags, colour table), then
    /// `blocks`, then the trailer.
    fn gif(global: (u8, &[u8]), blocks: &[&[u8]]) -> Vec<u8> {
        [
            b"GIF89a".as_slice(),
            &[4, 0, 2, 0, global.0, 0, 0],
            global.1,
            &blocks.concat(),
            &[TRAILER],
        ]
        .concat()
    }

    /// An image with `local` (flags, colour table).
    fn image(local: (u8, &[u8])) -> Vec<u8> {
        [
            &[IMAGE, 0, 0, 0, 0, 4, 0, 2, 0, local.0][..],
            local.1,
            &[2, 2, 0x84, 0x8F, 0],
        ]
        .concat()
    }

    #[test]
    fn one_frame_is_still_and_two_or_more_are_animated() {
        let parts = gif_parts();
        // Header, looping extension, control, frame, control, frame, trailer.
        let still = [&parts[..4], &parts[6..]].concat().concat();
        assert_eq!(header(&still), four_by_two(false));
        assert_eq!(header(&parts.concat()), four_by_two(true));
        let three = [&parts[..6], &parts[4..]].concat().concat();
        assert_eq!(header(&three), four_by_two(true));
    }

    #[test]
    fn counting_stops_at_the_second_frame_and_needs_a_first() {
        let parts = gif_parts();
        let two_frames = parts[..6].concat();
        // What follows the second frame is not read.
        let junk_after_two = [two_frames.as_slice(), &[0x00, 0x99]].concat();
        assert_eq!(header(&junk_after_two), four_by_two(true));
        // Cut short after its first frame: one still frame; but junk after
        // it, or a frame cut short inside its data, is damage.
        let one_frame = parts[..4].concat();
        assert_eq!(header(&one_frame), four_by_two(false));
        assert_eq!(header(&one_frame[..one_frame.len() - 1]), None);
        let junk_after_one = [one_frame.as_slice(), &[0x00]].concat();
        assert_eq!(header(&junk_after_one), None);
        // No frame at all is damage, with a trailer or without.
        for no_frame in [
            parts[0].clone(),
            [&parts[0][..], &[TRAILER]].concat(),
            parts[..3].concat(),
            [&parts[..3].concat()[..], &[TRAILER]].concat(),
        ] {
            assert_eq!(header(&no_frame), None, "{no_frame:x?}");
        }
    }

    #[test]
    fn colour_tables_of_every_size_are_skipped() {
        let none = (0x00, &[][..]);
        assert_eq!(header(&gif(none, &[&image(none)])), four_by_two(false));
        for size in 0..8u8 {
            let entries = 2usize << size;
            // Zeros: a table misread as blocks ends a chain or starts no image.
            let table = vec![0; 3 * entries];
            let table = (0x80 | size, table.as_slice());
            // The sort and resolution bits in the flags do not matter.
            let other_bits = (0x80 | 0x78 | size, table.1);
            for (global, local) in [
                (table, none),
                (none, table),
                (table, table),
                (other_bits, other_bits),
            ] {
                let single = gif(global, &[&image(local)]);
                assert_eq!(
                    header(&single),
                    four_by_two(false),
                    "{size} {global:?} {local:?}"
                );
                let double = gif(global, &[&image(local), &image(local)]);
                assert_eq!(header(&double), four_by_two(true), "{size}");
            }
        }
    }

    #[test]
    fn extensions_before_and_between_frames_are_skipped_whole() {
        let comment = [EXTENSION, 0xFE, 3, b'a', b'b', b'c', 2, IMAGE, IMAGE, 0];
        let none = (0x00, &[][..]);
        let frame = image(none);
        let data = gif(none, &[&comment, &frame, &comment, &frame]);
        assert_eq!(header(&data), four_by_two(true));
        let cut = &data[..13 + comment.len() - 1];
        assert_eq!(header(cut), None);
    }

    type Walked = (usize, Vec<(Option<u8>, usize, usize)>, usize);

    fn walked(data: &[u8]) -> Result<Walked, &'static str> {
        walk(data).map(|walk| {
            let blocks = walk.blocks.iter();
            let blocks = blocks.map(|b| (b.label, b.start, b.end)).collect();
            (walk.header_end, blocks, walk.end)
        })
    }

    #[test]
    fn the_walk_finds_every_block_and_the_trailer() {
        let parts = gif_parts();
        let mut expected = Vec::new();
        let mut at = parts[0].len();
        for part in &parts[1..parts.len() - 1] {
            let label = (part[0] == EXTENSION).then_some(part[1]);
            expected.push((label, at, at + part.len()));
            at += part.len();
        }
        let data = [parts.concat(), b"trailing".to_vec()].concat();
        assert_eq!(walked(&data), Ok((19, expected.clone(), at + 1)));
        // Cut short after a whole block, or right after the header.
        let cut = parts[..parts.len() - 1].concat();
        assert_eq!(walked(&cut), Ok((19, expected, at)));
        assert_eq!(walked(&parts[0]), Ok((19, vec![], 19)));
        // Without a global colour table, and in the older version.
        let none = (0x00, &[][..]);
        let frame = image((0x81, &[0; 12]));
        let bare = [b"GIF87a".as_slice(), &gif(none, &[&frame])[6..]].concat();
        assert_eq!(
            walked(&bare),
            Ok((13, vec![(None, 13, 13 + frame.len())], bare.len()))
        );
    }

    #[test]
    fn walks_that_cannot_be_followed_say_why() {
        let parts = gif_parts();
        let clean = parts.concat();
        let header = "the file ends inside its header";
        assert_eq!(walked(&clean[..10]), Err(header));
        assert_eq!(walked(&clean[..18]), Err(header));
        assert!(walked(b"GIF90a\0\0\0\0\0\0\0").is_err());
        let past_end = "a block runs past the end of the file";
        for cut in [20, 21, 31, 40, parts[..4].concat().len() - 1] {
            assert_eq!(walked(&clean[..cut]), Err(past_end), "{cut}");
        }
        let image_start = parts[..3].concat().len();
        assert_eq!(walked(&clean[..image_start + 9]), Err(past_end));
        let junk = [&parts[0][..], &[0x00, TRAILER]].concat();
        assert_eq!(
            walked(&junk),
            Err("there are unexpected bytes where a block should start")
        );
    }
}
