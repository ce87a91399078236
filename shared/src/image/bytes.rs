//! Bounds-checked reads: every header parser goes through these, so a
//! truncated or hostile file yields `None`, never a panic.

pub(super) fn slice(data: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    data.get(at..at.checked_add(len)?)
}

pub(super) fn u8_at(data: &[u8], at: usize) -> Option<u8> {
    data.get(at).copied()
}

pub(super) fn u16_be(data: &[u8], at: usize) -> Option<u16> {
    slice(data, at, 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

pub(super) fn u16_le(data: &[u8], at: usize) -> Option<u16> {
    slice(data, at, 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

pub(super) fn u24_le(data: &[u8], at: usize) -> Option<u32> {
    slice(data, at, 3).map(|b| u32::from_le_bytes([b[0], b[1], b[2], 0]))
}

pub(super) fn u32_be(data: &[u8], at: usize) -> Option<u32> {
    slice(data, at, 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

pub(super) fn u32_le(data: &[u8], at: usize) -> Option<u32> {
    slice(data, at, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub(super) fn u64_be(data: &[u8], at: usize) -> Option<u64> {
    slice(data, at, 8).map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
}
