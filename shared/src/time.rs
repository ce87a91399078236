//! Calendar dates in UTC from Unix milliseconds, without a date library.

/// A UTC date and time of day, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcMinute {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

impl UtcMinute {
    pub fn from_millis(millis: i64) -> Self {
        let seconds = millis.div_euclid(1000);
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let second_of_day = seconds.rem_euclid(86_400) as u32;
        Self {
            year,
            month,
            day,
            hour: second_of_day / 3600,
            minute: second_of_day % 3600 / 60,
        }
    }

    /// `2026-11-28`
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_in_utc() {
        let epoch = UtcMinute::from_millis(0);
        assert_eq!(
            (epoch.date(), epoch.hour, epoch.minute),
            ("1970-01-01".into(), 0, 0)
        );
        // 2026-11-28T23:59:59.999Z and one millisecond later.
        let late = UtcMinute::from_millis(1_795_910_399_999);
        assert_eq!(
            (late.date(), late.hour, late.minute),
            ("2026-11-28".into(), 23, 59)
        );
        assert_eq!(
            UtcMinute::from_millis(1_795_910_400_000).date(),
            "2026-11-29"
        );
        assert_eq!(UtcMinute::from_millis(951_782_400_000).date(), "2000-02-29");
        assert_eq!(UtcMinute::from_millis(-1).date(), "1969-12-31");
    }
}
