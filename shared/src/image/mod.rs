//! Recognising images from their bytes, never from a file name or a
//! client's Content-Type, and reading what their headers say.

mod bmp;
mod bytes;
mod detect;
mod exif;
mod format;
mod gif;
mod isobmff;
mod jpeg;
mod png;
#[cfg(test)]
mod samples;
mod strip;
mod svg;
mod webp;

pub use detect::{detect, is_heif, ImageInfo, Rejected};
pub use format::ImageFormat;
pub use strip::{is_upright_webp, strip_metadata, strip_upright_jpeg, StripError};

/// Width and height in pixels, as the header states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimensions {
    pub width: u32,
    pub height: u32,
}

impl Dimensions {
    fn new(width: u32, height: u32) -> Option<Self> {
        (width > 0 && height > 0).then_some(Self { width, height })
    }
}
