//! `KEY_TEMPLATE`: the shape of the keys new uploads get, e.g.
//! `blog/{yyyy}/{mm}/{name}-{rand:8}.{ext}`. A key is an image's URL for
//! good, so a template must make keys that never collide (one of
//! `{sha256:N}`, `{rand:N}` or `{uuid}`) and that stay plain ASCII (`{name}`
//! is a slug); albums and tags are never part of it, so organising an image
//! never moves it.

use crate::time::UtcMinute;

/// Today's shape, the default.
pub const DEFAULT: &str = "{yyyy}-{mm}-{dd}/{uuid}.{ext}";

/// The longest `{name}` slug.
const MAX_NAME: usize = 60;
/// `{rand:N}` takes at least this many hex digits: two images whose keys
/// meet anyway get a 409 (nothing is written over the other), and the
/// upload tried again draws new ones.
const MIN_RAND: usize = 8;
/// `{sha256:N}` takes at least this many: the same bytes always give the
/// same key, so a meeting would refuse the image for good; 16 hex digits
/// make that about one in 10^10 over 100,000 images.
const MIN_SHA256: usize = 16;
const MAX_SHA256: usize = 64;
const MAX_RAND: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Year,
    Month,
    Day,
    Name,
    Ext,
    Sha256(usize),
    Rand(usize),
    Uuid,
}

/// A parsed, checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTemplate {
    parts: Vec<Part>,
}

/// Why a template is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    Unclosed,
    Unknown(String),
    /// `{sha256:N}` (`true`) or `{rand:N}` with N out of range.
    Length {
        sha256: bool,
    },
    NothingUnique,
    NotEndingInExtension,
    Character(char),
    Unsafe,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unclosed => write!(f, "a `{{` is not closed"),
            Self::Unknown(name) => write!(
                f,
                "`{{{name}}}` is no placeholder; use {{yyyy}} {{mm}} {{dd}} {{name}} {{ext}} \
                 {{sha256:N}} {{rand:N}} {{uuid}}"
            ),
            Self::Length { sha256: true } => write!(f, "`{{sha256:N}}` takes N from 16 to 64"),
            Self::Length { sha256: false } => write!(f, "`{{rand:N}}` takes N from 8 to 32"),
            Self::NothingUnique => write!(
                f,
                "it has none of {{sha256:N}}, {{rand:N}} or {{uuid}}, so two images could get \
                 the same key"
            ),
            Self::NotEndingInExtension => write!(f, "it must end in `.{{ext}}`"),
            Self::Character(c) => write!(
                f,
                "`{c}` may not be in a key; use letters, digits, `-`, `_`, `.` and `/`"
            ),
            Self::Unsafe => write!(
                f,
                "its keys would have an empty, `.` or `..` folder, start with `/` or \
                 `.trash/`, end like a thumbnail's, or pass 1024 bytes"
            ),
        }
    }
}

/// What a key is made of.
pub struct KeyValues<'a> {
    pub created_at_ms: i64,
    /// The uploaded file's name (made a slug here).
    pub name: &'a str,
    pub extension: &'a str,
    /// Hex SHA-256 of the bytes stored.
    pub sha256: &'a str,
    /// A random UUID; `{rand:N}` takes its hex digits.
    pub uuid: &'a str,
}

impl KeyTemplate {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let end = rest.find('}').ok_or(TemplateError::Unclosed)?;
                    parts.push(placeholder(&rest[1..end])?);
                    rest = &rest[end + 1..];
                }
                found => {
                    let end = found.unwrap_or(rest.len());
                    let literal = &rest[..end];
                    if let Some(c) = literal.chars().find(|c| {
                        !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                    }) {
                        return Err(TemplateError::Character(c));
                    }
                    parts.push(Part::Literal(literal.into()));
                    rest = &rest[end..];
                }
            }
        }
        if !parts
            .iter()
            .any(|part| matches!(part, Part::Sha256(_) | Part::Rand(_) | Part::Uuid))
        {
            return Err(TemplateError::NothingUnique);
        }
        match &parts[..] {
            [.., Part::Literal(dot), Part::Ext] if dot.ends_with('.') => {}
            _ => return Err(TemplateError::NotEndingInExtension),
        }
        let template = Self { parts };
        // Its keys, the longest it makes included, are safe to store under
        // and to write to disk, outside the trash's prefix, and never where
        // a thumbnail is kept.
        for name in ["x", &"x".repeat(MAX_NAME)] {
            let sample = template.render(&KeyValues {
                created_at_ms: 0,
                name,
                extension: "webp",
                sha256: &"0".repeat(64),
                uuid: "00000000-0000-4000-8000-000000000000",
            });
            if sample.starts_with('/')
                || !crate::keys::is_safe_key(&sample)
                || crate::thumbnail::image_key_of(&sample).is_some()
            {
                return Err(TemplateError::Unsafe);
            }
        }
        Ok(template)
    }

    /// Whether this is today's shape (whose keys `keys::is_own_key` knows
    /// without a template).
    pub fn is_default(&self) -> bool {
        Self::parse(DEFAULT).is_ok_and(|default| default == *self)
    }

    pub fn render(&self, values: &KeyValues) -> String {
        let date = UtcMinute::from_millis(values.created_at_ms).date();
        let (year, month, day) = (&date[0..4], &date[5..7], &date[8..10]);
        let hex: String = values.uuid.chars().filter(|c| *c != '-').collect();
        let mut key = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => key.push_str(text),
                Part::Year => key.push_str(year),
                Part::Month => key.push_str(month),
                Part::Day => key.push_str(day),
                Part::Name => key.push_str(&slug(values.name)),
                Part::Ext => key.push_str(values.extension),
                Part::Sha256(n) => key.push_str(&values.sha256[..*n]),
                Part::Rand(n) => key.push_str(&hex[..(*n).min(hex.len())]),
                Part::Uuid => key.push_str(values.uuid),
            }
        }
        key
    }

    /// Whether `key` has this template's shape.
    pub fn matches(&self, key: &str) -> bool {
        matches_parts(&self.parts, key)
    }

    /// Whether an object under `key` without a row may be deleted as one of
    /// imghost's own: it has this shape, and the template begins with a
    /// fixed folder (`blog/…`). A shape like `{name}-{rand:8}.{ext}` also
    /// fits other programs' hashed file names, so without such a folder
    /// those objects are only reported.
    pub fn claims(&self, key: &str) -> bool {
        matches!(self.parts.first(), Some(Part::Literal(text)) if text.contains('/'))
            && self.matches(key)
    }
}

fn placeholder(inside: &str) -> Result<Part, TemplateError> {
    let counted = |sha256: bool, text: &str, max: usize| {
        let n: usize = text.parse().unwrap_or(0);
        let min = if sha256 { MIN_SHA256 } else { MIN_RAND };
        if (min..=max).contains(&n) && text == n.to_string() {
            Ok(n)
        } else {
            Err(TemplateError::Length { sha256 })
        }
    };
    Ok(match inside.split_once(':') {
        None => match inside {
            "yyyy" => Part::Year,
            "mm" => Part::Month,
            "dd" => Part::Day,
            "name" => Part::Name,
            "ext" => Part::Ext,
            "uuid" => Part::Uuid,
            other => return Err(TemplateError::Unknown(other.into())),
        },
        Some(("sha256", n)) => Part::Sha256(counted(true, n, MAX_SHA256)?),
        Some(("rand", n)) => Part::Rand(counted(false, n, MAX_RAND)?),
        Some(_) => return Err(TemplateError::Unknown(inside.into())),
    })
}

fn matches_parts(parts: &[Part], key: &str) -> bool {
    let Some((part, rest)) = parts.split_first() else {
        return key.is_empty();
    };
    let run = |len: usize, ok: fn(u8) -> bool| {
        key.len() >= len
            && key.as_bytes()[..len].iter().all(|b| ok(*b))
            && matches_parts(rest, &key[len..])
    };
    let lower_hex = |b: u8| matches!(b, b'0'..=b'9' | b'a'..=b'f');
    match part {
        Part::Literal(text) => key
            .strip_prefix(text.as_str())
            .is_some_and(|after| matches_parts(rest, after)),
        Part::Year => run(4, |b| b.is_ascii_digit()),
        Part::Month | Part::Day => run(2, |b| b.is_ascii_digit()),
        Part::Sha256(n) | Part::Rand(n) => run(*n, lower_hex),
        Part::Uuid => {
            key.len() >= 36 && crate::keys::is_uuid(&key[..36]) && matches_parts(rest, &key[36..])
        }
        Part::Ext => crate::image::ImageFormat::ALL.iter().any(|format| {
            key.strip_prefix(format.extension())
                .is_some_and(|after| matches_parts(rest, after))
        }),
        Part::Name => (1..=MAX_NAME.min(key.len())).any(|len| {
            key.as_bytes()[..len]
                .iter()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
                && matches_parts(rest, &key[len..])
        }),
    }
}

/// A file name as `{name}` puts it in a key: its stem in lowercase ASCII
/// letters and digits joined by single `-`, accented Latin letters written
/// without their accents, anything else dropped; at most 60 characters;
/// `image` when nothing is left. Never percent-encoded: it has nothing to
/// encode.
pub fn slug(file_name: &str) -> String {
    let stem = match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file_name,
    };
    let mut out = String::new();
    let mut gap = false;
    for c in stem.chars().flat_map(plain_letters) {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    let mut cut = out.chars().take(MAX_NAME).collect::<String>();
    while cut.ends_with('-') {
        cut.pop();
    }
    if cut.is_empty() {
        "image".into()
    } else {
        cut
    }
}

/// Accented Latin letters, and below each the plain letter a slug writes.
const ACCENTED: &str = "àáâãäåāăąçćčďđèéêëēęěğìíîïīıłñńňòóôõöøōőřśšşťţùúûüūůűýÿźżžÀÁÂÃÄÅĀĂĄÇĆČĎĐÈÉÊËĒĘĚĞÌÍÎÏĪŁÑŃŇÒÓÔÕÖØŌŐŘŚŠŞŤŢÙÚÛÜŪŮŰÝŸŹŻŽ";
const PLAIN: &str = "aaaaaaaaacccddeeeeeeegiiiiiilnnnoooooooorsssttuuuuuuuyyzzzAAAAAAAAACCCDDEEEEEEEGIIIIILNNNOOOOOOOORSSSTTUUUUUUUYYZZZ";

/// A Latin letter without its accent (`é` → `e`, `æ` → `ae`, `ß` → `ss`);
/// other characters as they are (and then dropped by `slug` unless ASCII).
fn plain_letters(c: char) -> impl Iterator<Item = char> {
    let ligature = match c {
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ß' => "ss",
        _ => "",
    };
    let accent = ACCENTED
        .chars()
        .zip(PLAIN.chars())
        .find(|(accented, _)| *accented == c)
        .map(|(_, plain)| plain);
    let single = match accent {
        Some(plain) => Some(plain),
        None if ligature.is_empty() => Some(c),
        None => None,
    };
    ligature.chars().chain(single)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn values(name: &str) -> KeyValues<'_> {
        KeyValues {
            created_at_ms: 1_796_515_200_000, // 2026-12-06
            name,
            extension: "jpg",
            sha256: SHA,
            uuid: UUID,
        }
    }

    #[test]
    fn the_default_is_todays_shape() {
        let template = KeyTemplate::parse(DEFAULT).unwrap();
        assert!(template.is_default());
        let key = template.render(&values("a.jpg"));
        assert_eq!(key, crate::keys::object_key(1_796_515_200_000, UUID, "jpg"));
        assert!(template.matches(&key));
    }

    #[test]
    fn every_placeholder_renders_and_matches_back() {
        let template =
            KeyTemplate::parse("blog/{yyyy}/{mm}/{dd}/{name}-{sha256:16}-{rand:8}.{ext}").unwrap();
        let key = template.render(&values("Ünïcode Café — été 2026!.JPG"));
        assert_eq!(
            key,
            "blog/2026/12/06/unicode-cafe-ete-2026-9f86d081884c7d65-0f8e2c1a.jpg"
        );
        assert!(template.matches(&key));
        assert!(!template.is_default());
        for other in [
            "blog/2026/12/06/unicode-cafe-9f86d081884c7d65-0f8e2c1a.png.thumb.webp",
            "blog/2026/12/06/Unicode-9f86d081884c7d65-0f8e2c1a.jpg",
            "blog/2026/12/06/-9f86d081884c7d65-0f8e2c1a.jpg",
            "blog/2026/12/06/x-9f86d081884c7d65-0f8e2c1.jpg",
            "blog/2026/12/06/x-9f86d081884c7d65-0f8e2c1a.txt",
            "2026-12-06/0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b.jpg",
        ] {
            assert!(!template.matches(other), "{other}");
        }
        assert!(template.claims(&key));
        let bare = KeyTemplate::parse("{name}-{rand:8}.{ext}").unwrap();
        assert!(bare.matches("logo-1a2b3c4d.png"));
        assert!(
            !bare.claims("logo-1a2b3c4d.png"),
            "another program's hashed name"
        );
        let uuid = KeyTemplate::parse("{uuid}.{ext}").unwrap();
        assert!(uuid.matches(&format!("{UUID}.webp")));
        assert!(!uuid.matches("0f8e2c1a.webp"));
    }

    #[test]
    fn names_become_plain_slugs() {
        for (name, expected) in [
            ("My Photo (1).PNG", "my-photo-1"),
            ("猫.png", "image"),
            ("猫 cat.png", "cat"),
            ("straße.jpg", "strasse"),
            ("ÉTÉ Ørsted Łódź.png", "ete-orsted-lodz"),
            ("a%20b.jpg", "a-20b"),
            ("...", "image"),
            ("--x--.jpg", "x"),
            (".hidden", "hidden"),
        ] {
            assert_eq!(slug(name), expected, "{name}");
        }
        let long = slug(&format!("{}.jpg", "ab-".repeat(40)));
        assert!(long.len() <= MAX_NAME && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn templates_that_could_collide_or_escape_are_refused() {
        for (template, why) in [
            ("{yyyy}/{name}.{ext}", TemplateError::NothingUnique),
            ("{uuid}", TemplateError::NotEndingInExtension),
            ("{uuid}.png", TemplateError::NotEndingInExtension),
            ("{uuid}-{ext}", TemplateError::NotEndingInExtension),
            ("{rand:4}.{ext}", TemplateError::Length { sha256: false }),
            ("{sha256:65}.{ext}", TemplateError::Length { sha256: true }),
            ("{rand:08}.{ext}", TemplateError::Length { sha256: false }),
            (
                "{album}/{uuid}.{ext}",
                TemplateError::Unknown("album".into()),
            ),
            ("{uuid.{ext}", TemplateError::Unknown("uuid.{ext".into())),
            ("{uuid}.{ext", TemplateError::Unclosed),
            ("my photos/{uuid}.{ext}", TemplateError::Character(' ')),
            ("é/{uuid}.{ext}", TemplateError::Character('é')),
            ("/{uuid}.{ext}", TemplateError::Unsafe),
            ("a//{uuid}.{ext}", TemplateError::Unsafe),
            ("../{uuid}.{ext}", TemplateError::Unsafe),
            (".trash/{uuid}.{ext}", TemplateError::Unsafe),
            ("{uuid}.thumb.{ext}", TemplateError::Unsafe),
        ] {
            assert_eq!(KeyTemplate::parse(template), Err(why), "{template}");
        }
        assert!(KeyTemplate::parse("{yyyy}/{name}-{sha256:16}.{ext}").is_ok());
        let long = format!("{}/{{uuid}}.{{ext}}", "a".repeat(1000));
        assert_eq!(KeyTemplate::parse(&long), Err(TemplateError::Unsafe));
        assert_eq!(
            KeyTemplate::parse("{sha256:12}.{ext}"),
            Err(TemplateError::Length { sha256: true })
        );
    }
}
