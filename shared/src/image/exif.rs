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
pub(super) mod tests {
    use super::*;

    /// EXIF as cameras write it: orientation, make, a serial number and a
    /// GPS IFD with latitude and longitude. Little-endian, like most phones.
    pub fn camera_exif(orientation: u16) -> Vec<u8> {
        let mut t = b"II\x2a\0\x08\0\0\0".to_vec();
        let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&kind.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&value.to_le_bytes());
        };
        // IFD0 at 8: 4 entries (2 + 48 + 4 bytes) → data area at 62.
        t.extend_from_slice(&4u16.to_le_bytes());
        entry(&mut t, 0x010F, 2, 6, 62); // Make "Canon\0"
        entry(&mut t, ORIENTATION_TAG, SHORT, 1, u32::from(orientation));
        entry(&mut t, 0x8825, 4, 1, 80); // GPS IFD at 80
        entry(&mut t, 0xA431, 2, 10, 68); // BodySerialNumber
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(b"Canon\0");
        t.extend_from_slice(b"SN12345678");
        t.extend_from_slice(&[0, 0]);
        assert_eq!(t.len(), 80);
        // GPS IFD: latitude ref + latitude (3 rationals at 110).
        t.extend_from_slice(&2u16.to_le_bytes());
        entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
        entry(&mut t, 0x0002, 5, 3, 110);
        t.extend_from_slice(&0u32.to_le_bytes());
        for (num, den) in [(52u32, 1u32), (31, 1), (1234, 100)] {
            t.extend_from_slice(&num.to_le_bytes());
            t.extend_from_slice(&den.to_le_bytes());
        }
        t
    }

    #[test]
    fn reads_orientation_in_either_byte_order() {
        assert_eq!(orientation(&camera_exif(6)), Some(6));
        assert_eq!(orientation(&orientation_only(8)), Some(8));
        assert_eq!(orientation(&camera_exif(0)), None);
        assert_eq!(orientation(b"MM\0\x2a\0\0\0\x08\0\0"), None);
        assert_eq!(orientation(b"junk"), None);
    }
}
