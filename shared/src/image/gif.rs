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
