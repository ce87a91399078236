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
