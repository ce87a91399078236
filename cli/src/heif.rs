//! HEIC/HEIF photos, the iPhone camera's default, become JPEG before they
//! are sent: most browsers cannot show HEIC and the server refuses it.
//! libheif's own tool converts them (`heif-dec`, named `heif-convert` before
//! libheif 1.17), so building imghost needs no C library and only those who
//! upload HEIC photos need it installed.

use crate::error::Error;
use imghost_shared::image::strip_upright_jpeg;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

/// Tried in this order: the current name, then the older one.
const TOOLS: [&str; 2] = ["heif-dec", "heif-convert"];
/// High enough that the copy shows no loss at its full size.
const JPEG_QUALITY: &str = "92";

/// The JPEG of the photo's primary image, turned as it is shown, without
/// metadata (the decoder copies the camera's EXIF, GPS included, into it).
pub fn to_jpeg(heif: &[u8]) -> Result<Vec<u8>, Error> {
    let dir = tempfile::tempdir().map_err(Error::HeifTemp)?;
    let input = dir.path().join("photo.heic");
    let output = dir.path().join("photo.jpg");
    std::fs::write(&input, heif).map_err(Error::HeifTemp)?;
    let program = convert(&input, &output)?;
    // A file of several images is written as photo-1.jpg, photo-2.jpg...
    let jpeg = std::fs::read(&output).map_err(|_| Error::HeifConversion {
        program,
        reason: "it holds several images; convert the one you want to JPEG first".into(),
    })?;
    // libheif applies the photo's rotation while decoding but may still
    // copy the EXIF orientation, which would turn it a second time.
    strip_upright_jpeg(&jpeg)
        .map(|jpeg| jpeg.into_owned())
        .map_err(|error| Error::HeifConversion {
            program,
            reason: error.to_string(),
        })
}

/// Runs the first tool found; its name.
fn convert(input: &Path, output: &Path) -> Result<&'static str, Error> {
    for program in TOOLS {
        let run = Command::new(program)
            .args(["-q", JPEG_QUALITY])
            .arg(input)
            .arg(output)
            .stdin(Stdio::null())
            .output();
        match run {
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => {
                return Err(Error::HeifConversion {
                    program,
                    reason: error.to_string(),
                })
            }
            Ok(run) if !run.status.success() => {
                return Err(Error::HeifConversion {
                    program,
                    reason: tool_message(&run.stderr, &run.stdout),
                })
            }
            Ok(_) => return Ok(program),
        }
    }
    Err(Error::HeifToolMissing)
}

/// The tool's first line of complaint, or a plain fallback.
fn tool_message(stderr: &[u8], stdout: &[u8]) -> String {
    [stderr, stdout]
        .iter()
        .flat_map(|text| {
            String::from_utf8_lossy(text)
                .lines()
                .map(str::trim)
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .find(|line| !line.is_empty())
        .unwrap_or_else(|| "it could not decode the file".into())
}

/// The name the converted photo is stored under: `IMG_0001.HEIC` →
/// `IMG_0001.jpg`.
pub fn jpeg_name(name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    let stem = match name.rsplit_once('.') {
        Some((stem, extension))
            if !stem.is_empty()
                && ["heic", "heif", "hif"].contains(&extension.to_ascii_lowercase().as_str()) =>
        {
            stem
        }
        _ => name,
    };
    format!("{stem}.jpg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converted_photos_are_named_as_jpeg() {
        assert_eq!(jpeg_name("IMG_0001.HEIC"), "IMG_0001.jpg");
        assert_eq!(jpeg_name("holiday.heif"), "holiday.jpg");
        assert_eq!(jpeg_name("a.b.hif"), "a.b.jpg");
        assert_eq!(jpeg_name("photo"), "photo.jpg");
        assert_eq!(jpeg_name("photo.png"), "photo.png.jpg");
        assert_eq!(jpeg_name(".heic"), ".heic.jpg");
        // No name (standard input) stays none: the fallback names it.
        assert_eq!(jpeg_name(""), "");
    }

    #[test]
    fn the_tools_first_words_explain_a_failure() {
        assert_eq!(
            tool_message(
                b"\n  Could not read HEIF/AVIF file: Invalid input\nmore\n",
                b""
            ),
            "Could not read HEIF/AVIF file: Invalid input"
        );
        assert_eq!(tool_message(b"", b"Error: no image\n"), "Error: no image");
        assert_eq!(tool_message(b"", b""), "it could not decode the file");
    }
}
