/// The image formats imghost knows how to recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
    Avif,
    Bmp,
    Ico,
    /// Accepted only when the operator allows it: SVG can carry scripts.
    Svg,
}

impl ImageFormat {
    pub const ALL: [Self; 8] = [
        Self::Png,
        Self::Jpeg,
        Self::Gif,
        Self::Webp,
        Self::Avif,
        Self::Bmp,
        Self::Ico,
        Self::Svg,
    ];

    /// The format whose stored extension this is (as `extension` gives it).
    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|format| format.extension() == extension)
    }

    /// The format a `Content-Type` names (`image/png`, any case, with or
    /// without parameters), if it is one of these.
    pub fn from_mime_type(content_type: &str) -> Option<Self> {
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        Self::ALL
            .into_iter()
            .find(|format| format.mime_type().eq_ignore_ascii_case(mime))
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Avif => "image/avif",
            Self::Bmp => "image/bmp",
            Self::Ico => "image/x-icon",
            Self::Svg => "image/svg+xml",
        }
    }

    /// File extension used in object keys.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Avif => "avif",
            Self::Bmp => "bmp",
            Self::Ico => "ico",
            Self::Svg => "svg",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
            Self::Gif => "GIF",
            Self::Webp => "WebP",
            Self::Avif => "AVIF",
            Self::Bmp => "BMP",
            Self::Ico => "ICO",
            Self::Svg => "SVG",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_name_their_format_in_any_case_with_parameters() {
        for format in ImageFormat::ALL {
            assert_eq!(
                ImageFormat::from_mime_type(format.mime_type()),
                Some(format)
            );
        }
        assert_eq!(
            ImageFormat::from_mime_type(" Image/PNG ; charset=binary"),
            Some(ImageFormat::Png)
        );
        for other in ["", "image/jpg", "text/html", "image/png-x"] {
            assert_eq!(ImageFormat::from_mime_type(other), None, "{other}");
        }
    }
}
