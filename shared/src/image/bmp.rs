use super::bytes::{u16_le, u32_le, u8_at};
use super::Dimensions;

pub(super) fn is_bmp(data: &[u8]) -> bool {
    data.starts_with(b"BM")
}

pub(super) fn bmp_header(data: &[u8]) -> Option<Dimensions> {
    match u32_le(data, 14)? {
        12 => Dimensions::new(u16_le(data, 18)?.into(), u16_le(data, 20)?.into()),
        40 | 52 | 56 | 64 | 108 | 124 => {
            let width = i32::try_from(u32_le(data, 18)?).ok()?;
            // Negative height means the rows are stored top-down.
            let height = (u32_le(data, 22)? as i32).unsigned_abs();
            Dimensions::new(u32::try_from(width).ok()?, height)
        }
        _ => None,
    }
}

pub(super) fn is_ico(data: &[u8]) -> bool {
    data.starts_with(&[0, 0, 1, 0]) && u16_le(data, 4).is_some_and(|count| count > 0)
}

/// Size of the first icon in the directory (0 in the header means 256).
pub(super) fn ico_header(data: &[u8]) -> Option<Dimensions> {
    let count = usize::from(u16_le(data, 4)?);
    if data.len() < 6 + 16 * count {
        return None;
    }
    let side = |at| u8_at(data, at).map(|v| if v == 0 { 256 } else { u32::from(v) });
    Dimensions::new(side(6)?, side(7)?)
}
