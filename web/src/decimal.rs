//! Decimal numbers to and from text without the standard library's float
//! formatting and parsing, which the main page's wasm would otherwise carry
//! (about 14 KB before compression) for a few CSS lengths and one setting.

/// `text` as a plain decimal (`12`, `0.82`, `.5`, `-3.25`) of at most 15
/// digits (more than any length or setting here has), or `None` for
/// anything else (exponents, `NaN`, junk).
pub fn parse(text: &str) -> Option<f64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let length = whole.len() + fraction.len();
    if length == 0 || length > 15 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let mantissa = whole
        .bytes()
        .chain(fraction.bytes())
        .fold(0_u64, |total, digit| total * 10 + u64::from(digit - b'0'));
    let value = mantissa as f64 / 10_f64.powi(fraction.len() as i32);
    Some(if negative { -value } else { value })
}

/// `value` with exactly `decimals` digits after the point (`decimals` at
/// most 9), as CSS and number inputs read it.
pub fn format(value: f64, decimals: u32) -> String {
    let factor = 10_i64.pow(decimals);
    let scaled = (value * factor as f64).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let (whole, fraction) = (
        scaled.unsigned_abs() / factor as u64,
        scaled.unsigned_abs() % factor as u64,
    );
    if decimals == 0 {
        return format!("{sign}{whole}");
    }
    format!(
        "{sign}{whole}.{fraction:0width$}",
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_parse() {
        for (text, value) in [
            ("12", 12.0),
            ("0.82", 0.82),
            (".5", 0.5),
            ("5.", 5.0),
            ("-3.25", -3.25),
            ("16384", 16384.0),
            ("0", 0.0),
        ] {
            assert_eq!(parse(text), Some(value), "{text}");
        }
        assert_eq!(parse("123456789012345"), Some(123_456_789_012_345.0));
        assert_eq!(parse("1234567890123456"), None);
        for junk in [
            "", ".", "-", "1e3", "NaN", "inf", "1.2.3", "12px", " 1", "+1", "0x10",
        ] {
            assert_eq!(parse(junk), None, "{junk}");
        }
    }

    #[test]
    fn decimals_format_with_a_fixed_number_of_digits() {
        assert_eq!(format(314.1234567, 3), "314.123");
        assert_eq!(format(0.0005, 3), "0.001");
        assert_eq!(format(2.5, 6), "2.500000");
        assert_eq!(format(0.82, 2), "0.82");
        assert_eq!(format(-1.25, 1), "-1.3");
        assert_eq!(format(7.6, 0), "8");
        assert_eq!(format(0.0, 3), "0.000");
    }
}
