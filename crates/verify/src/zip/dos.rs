//! DOS timestamps as zip headers store them, and the one conversion reproducible mode needs:
//! from seconds since 1970 (UTC) to the DOS fields, at DOS's two-second precision.
//!
//! See: APPNOTE.TXT 4.4.6 (date and time fields); the MS-DOS date/time format (year from 1980,
//! seconds stored halved).

use std::fmt;

/// 1980-01-01 00:00:00 UTC, the earliest DOS timestamp; builders clamp earlier times to it.
pub(super) const MIN_UNIX: u64 = 315_532_800;
/// 2107-12-31 23:59:59 UTC, the latest DOS timestamp (a 7-bit year offset from 1980).
const MAX_UNIX: u64 = 4_354_819_199;
const SECONDS_PER_DAY: u64 = 86_400;

/// A calendar date and time, as a DOS timestamp can hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    year: u64,
    month: u64,
    day: u64,
    hour: u64,
    minute: u64,
    second: u64,
}

impl Stamp {
    /// The fields of a DOS `date` and `time` pair, whether or not they make a real date.
    pub(super) fn from_dos(date: u16, time: u16) -> Stamp {
        Stamp {
            year: 1980 + u64::from(date >> 9),
            month: u64::from((date >> 5) & 0x0f),
            day: u64::from(date & 0x1f),
            hour: u64::from(time >> 11),
            minute: u64::from((time >> 5) & 0x3f),
            second: u64::from(time & 0x1f) * 2,
        }
    }

    /// The DOS timestamp a writer stores for `unix` seconds in UTC (odd seconds round down), or
    /// `None` outside 1980..=2107.
    pub(super) fn from_unix(unix: u64) -> Option<Stamp> {
        if !(MIN_UNIX..=MAX_UNIX).contains(&unix) {
            return None;
        }
        let (year, month, day) = civil_date(unix / SECONDS_PER_DAY);
        let in_day = unix % SECONDS_PER_DAY;
        Some(Stamp {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day % 3600 / 60,
            second: in_day % 60 / 2 * 2,
        })
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// (year, month, day) of the day `days` after 1970-01-01, counted out year by year and month by
/// month: at most a few hundred steps for the years a DOS timestamp covers.
fn civil_date(mut days: u64) -> (u64, u64, u64) {
    let mut year = 1970;
    loop {
        let length = if is_leap(year) { 366 } else { 365 };
        if days < length {
            break;
        }
        days -= length;
        year += 1;
    }
    let february = if is_leap(year) { 29 } else { 28 };
    let lengths = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 1;
    for length in lengths {
        if days < length {
            break;
        }
        days -= length;
        month += 1;
    }
    (year, month, days + 1)
}

#[cfg(test)]
mod tests {
    use super::{MAX_UNIX, MIN_UNIX, Stamp};

    #[test]
    fn from_unix_matches_known_utc_dates_and_halves_seconds() {
        let show = |unix| Stamp::from_unix(unix).map(|s| s.to_string());
        assert_eq!(show(MIN_UNIX).as_deref(), Some("1980-01-01 00:00:00"));
        // `date -u -d @1700000001`: Tue Nov 14 22:13:21 UTC 2023; DOS keeps even seconds.
        assert_eq!(show(1_700_000_001).as_deref(), Some("2023-11-14 22:13:20"));
        assert_eq!(show(951_782_400).as_deref(), Some("2000-02-29 00:00:00"));
        assert_eq!(show(MAX_UNIX).as_deref(), Some("2107-12-31 23:59:58"));
        assert_eq!(show(MAX_UNIX + 1), None);
        assert_eq!(show(MIN_UNIX - 1), None);
    }

    #[test]
    fn from_dos_reads_the_packed_fields() {
        // 2023-11-14 22:13:20: year 43 from 1980, seconds stored as 10.
        let date = (43 << 9) + (11 << 5) + 14;
        let time = (22 << 11) + (13 << 5) + 10;
        assert_eq!(
            Stamp::from_dos(date, time),
            Stamp::from_unix(1_700_000_000).unwrap()
        );
    }
}
