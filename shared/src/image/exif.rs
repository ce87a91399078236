//! The one EXIF field imghost keeps: orientation, so photos still display
//! the right way up once everything else (location, camera serial...) is gone.

use super::bytes::{slice, u16_be, u16_le, u32_be, u32_le};

const ORIENTATION_TAG: u16 = 0x0112;
const SHORT: u16 = 3;

/// The Orientation (1–8) in IFD0 of a TIFF-structured EXIF block (starting
/// at the byte-order mark), if present and valid.
pub(super) fn orientation(tiff: &[u8]) -> Option<u16> {
    let big_endian = match slice(tiff, 0, 2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at| {
        if big_endian {
            u16_be(tiff, at)
        } else {
            u16_le(tiff, at)
        }
    };
    let u32_at = |at| {
        if big_endian {
            u32_be(tiff, at)
        } else {
            u32_le(tiff, at)
        }
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = u32_at(4)? as usize;
    let entries = usize::from(u16_at(ifd)?);
    // A whole IFD, up to its next-IFD offset: so the block rewritten from it
    // is never longer than the one it replaces.
    u32_at(ifd + 2 + entries * 12)?;
    (0..entries).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        if u16_at(entry)? != ORIENTATION_TAG || u16_at(entry + 2)? != SHORT {
            return None;
        }
        Some(u16_at(entry + 8)?).filter(|value| (1..=8).contains(value))
    })
}

/// A TIFF block holding only IFD0 with one entry: the orientation.
pub(super) fn orientation_only(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian, IFD0 at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&ORIENTATION_TAG.to_be_bytes());
    tiff.extend_from_slice(&SHORT.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::samples::camera_exif;

    #[test]
    fn reads_orientation_in_either_byte_order() {
        assert_eq!(orientation(&camera_exif(6)), Some(6));
        assert_eq!(orientation(&orientation_only(8)), Some(8));
        assert_eq!(orientation(&camera_exif(0)), None);
        assert_eq!(orientation(b"MM\0\x2a\0\0\0\x08\0\0"), None);
        // An IFD cut short before its next-IFD offset.
        let whole = orientation_only(6);
        assert_eq!(orientation(&whole[..whole.len() - 1]), None);
        assert_eq!(orientation(b"junk"), None);
    }
}
