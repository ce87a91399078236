//! Sizes for people.

/// `1536` → `"1.5 KB"`, in binary multiples with at most one decimal.
/// Integer arithmetic only: formatting floats would add kilobytes of wasm
/// to the Worker and the UI.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut unit = 0;
    while unit < UNITS.len() - 1 && bytes >= 1024u64.pow(unit as u32 + 1) {
        unit += 1;
    }
    if unit == 0 {
        return format!("{bytes} B");
    }
    let divisor = 1024u64.pow(unit as u32);
    let (whole, rest) = (bytes / divisor, bytes % divisor);
    // `rest * 10` stays far below u64::MAX: `rest` is under 1024^4.
    let tenths = whole * 10 + (rest * 10 + divisor / 2) / divisor;
    if tenths >= 1000 {
        format!("{} {}", whole + u64::from(rest >= divisor / 2), UNITS[unit])
    } else if tenths.is_multiple_of(10) {
        format!("{} {}", tenths / 10, UNITS[unit])
    } else {
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_binary_units() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1024), "1 KB");
        assert_eq!(format_bytes(1536), "1.5 KB");
        assert_eq!(format_bytes(112_525), "110 KB");
        assert_eq!(format_bytes(20 * 1024 * 1024), "20 MB");
        assert_eq!(format_bytes(5 * 1024_u64.pow(5)), "5120 TB");
        assert_eq!(format_bytes(1024 * 1024 - 1), "1024 KB");
        assert_eq!(format_bytes(1075), "1 KB");
        assert_eq!(format_bytes(1076), "1.1 KB");
        assert_eq!(format_bytes(9_000_000_000), "8.4 GB");
        assert_eq!(format_bytes(u64::MAX), "16777216 TB");
    }
}
