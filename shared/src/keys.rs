//! Object keys: where imghost stores an image in the bucket,
//! `YYYY-MM-DD/<uuid>.<ext>`, and how to tell its own keys from the objects
//! other software keeps in a shared bucket.

use crate::image::ImageFormat;
use crate::key_template::KeyTemplate;
use crate::time::UtcMinute;

/// `YYYY-MM-DD/<uuid>.<ext>` for an upload at `created_at_ms` (UTC).
pub fn object_key(created_at_ms: i64, uuid: &str, extension: &str) -> String {
    let date = UtcMinute::from_millis(created_at_ms).date();
    format!("{date}/{uuid}.{extension}")
}

/// Whether `key` has the shape of the keys imghost writes (its images',
/// their thumbnails' and their widths'): today's shape, or the one
/// `KEY_TEMPLATE` gives when it begins with a fixed folder (see
/// `KeyTemplate::claims`). Only such keys are ever deleted as orphans:
/// anything else in the bucket belongs to someone else (keys made by a
/// template no longer configured included: they are reported, not deleted).
pub fn is_own_key(key: &str, template: Option<&KeyTemplate>) -> bool {
    let key = crate::thumbnail::image_key_of(key)
        .or_else(|| crate::widths::image_key_of(key).map(|(image_key, _)| image_key))
        .unwrap_or(key);
    is_default_key(key) || template.is_some_and(|template| template.claims(key))
}

/// `YYYY-MM-DD/<uuid>.<ext>`.
fn is_default_key(key: &str) -> bool {
    let Some((date, file)) = key.split_once('/') else {
        return false;
    };
    let Some((uuid, extension)) = file.split_once('.') else {
        return false;
    };
    is_date(date) && is_uuid(uuid) && ImageFormat::from_extension(extension).is_some()
}

/// Whether `key` is safe to store under and to write to disk: a relative
/// path of non-empty segments, none `.` or `..`, without backslashes or
/// control characters. Keys other programs wrote (the original Worker's,
/// adopted objects) pass; nothing that could climb out of a folder does,
/// nor anything under the trash's prefix.
pub fn is_safe_key(key: &str) -> bool {
    key.len() <= MAX_KEY_BYTES
        && !crate::api::trash::is_trash_key(key)
        && key
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
        && !key.chars().any(|c| c.is_control() || c == '\\')
}

/// R2's limit on key length.
const MAX_KEY_BYTES: usize = 1024;

/// Whether the key's extension names another image format than `format`
/// (a `.jpg` key for PNG bytes). Unknown or missing extensions, and the
/// spellings other programs use (`.JPEG`, `.Png`), do not.
pub fn extension_contradicts(key: &str, format: ImageFormat) -> bool {
    let Some((_, extension)) = key
        .rsplit_once('/')
        .map_or(key, |(_, name)| name)
        .rsplit_once('.')
    else {
        return false;
    };
    let named = match extension.to_ascii_lowercase().as_str() {
        "jpeg" | "jpe" => Some(ImageFormat::Jpeg),
        other => ImageFormat::from_extension(other),
    };
    named.is_some_and(|named| named != format)
}

/// `YYYY-MM-DD`, the first part of every key imghost writes.
pub fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// A UUID as `uuid` prints it: lowercase hex in 8-4-4-4-12 groups.
pub(crate) fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|group| {
            group
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

    #[test]
    fn keys_are_dated_in_utc() {
        assert_eq!(object_key(0, "u", "png"), "1970-01-01/u.png");
        assert_eq!(
            object_key(1_795_910_399_999, "u", "jpg"),
            "2026-11-28/u.jpg"
        );
        assert_eq!(
            object_key(1_795_910_400_000, "u", "jpg"),
            "2026-11-29/u.jpg"
        );
        assert_eq!(object_key(951_782_400_000, "u", "gif"), "2000-02-29/u.gif");
        assert_eq!(object_key(-1, "u", "gif"), "1969-12-31/u.gif");
    }

    #[test]
    fn own_keys_are_recognised() {
        for extension in ["png", "jpg", "gif", "webp", "avif", "bmp", "ico", "svg"] {
            let key = object_key(1_795_910_400_000, UUID, extension);
            assert!(is_own_key(&key, None), "{key}");
            let thumbnail = crate::thumbnail::key_for(&key, ImageFormat::Webp);
            assert!(is_own_key(&thumbnail, None), "{thumbnail}");
            let width = crate::widths::key_for(&key, 640);
            assert!(is_own_key(&width, None), "{width}");
        }
        assert!(!is_own_key(
            &format!("2026-11-29/{UUID}.png.thumb.gif"),
            None
        ));
        assert!(!is_own_key("blog/photo.png.thumb.webp", None));
        assert!(!is_own_key("blog/photo.png@640w.webp", None));
        assert!(!is_own_key(
            &format!("2026-11-29/{UUID}.png@700w.webp"),
            None
        ));
        let template = KeyTemplate::parse("blog/{name}-{rand:8}.{ext}").unwrap();
        for key in [
            "blog/photo-0f8e2c1a.png",
            "blog/photo-0f8e2c1a.png.thumb.webp",
            "blog/photo-0f8e2c1a.png@640w.webp",
        ] {
            assert!(is_own_key(key, Some(&template)), "{key}");
            assert!(!is_own_key(key, None), "{key}");
        }
        assert!(is_own_key(&object_key(0, UUID, "png"), Some(&template)));
        assert!(!is_own_key("blog/photo.png", Some(&template)));
    }

    #[test]
    fn safe_keys_stay_inside_a_folder() {
        assert!(!is_safe_key(".trash/2026-11-28/a.png"));
        for key in [
            "2026-11-29/x.png",
            "blog/2019/holiday photo.JPG",
            "photo.png",
            "猫/照片.jpeg",
        ] {
            assert!(is_safe_key(key), "{key}");
        }
        let long = "a".repeat(MAX_KEY_BYTES + 1);
        for key in [
            "",
            "/etc/passwd",
            "../x.png",
            "a/../../x.png",
            "a/./x.png",
            "a//x.png",
            "a/",
            "a\\..\\x.png",
            "a\nb.png",
            long.as_str(),
        ] {
            assert!(!is_safe_key(key), "{key:?}");
        }
    }

    #[test]
    fn only_another_formats_extension_contradicts() {
        assert!(extension_contradicts("2026-11-29/x.jpg", ImageFormat::Png));
        assert!(extension_contradicts("a.b/x.WEBP", ImageFormat::Gif));
        for (key, format) in [
            ("2026-11-29/x.png", ImageFormat::Png),
            ("2025-01-02/x.JPEG", ImageFormat::Jpeg),
            ("2025-01-02/x.jpe", ImageFormat::Jpeg),
            ("2025-01-02/x.bin", ImageFormat::Png),
            ("a.png/x", ImageFormat::Gif),
            ("noextension", ImageFormat::Webp),
        ] {
            assert!(!extension_contradicts(key, format), "{key}");
        }
    }

    #[test]
    fn other_softwares_objects_are_not_ours() {
        for key in [
            "",
            "photo.png",
            "backups/db.sqlite",
            &format!("2026-11-29/{UUID}.txt"),
            &format!("2026-11-29/{UUID}.png.bak"),
            &format!("2026-11-29/{UUID}"),
            &format!("2026-11-29/{}.png", UUID.to_uppercase()),
            &format!("2026-11-29/x{}.png", &UUID[1..]),
            &format!("2026-11-29/{UUID}.png/more"),
            &format!("2026-1-29/{UUID}.png"),
            &format!("blog/2026-11-29/{UUID}.png"),
            "2026-11-29/my holiday.jpg",
            &format!("2026-11-29/{}.png", UUID.replace('-', "")),
        ] {
            assert!(!is_own_key(key, None), "{key}");
        }
    }

    #[test]
    fn a_date_is_ten_characters_exactly() {
        assert!(is_date("2026-11-28"));
        for not_a_date in ["2026-11-281", "2026-11-2", "2026-11-2x", "2026/11/28", ""] {
            assert!(!is_date(not_a_date), "{not_a_date}");
        }
    }
}
