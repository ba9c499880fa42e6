//! Validated limits (action rates, denial thresholds, operating hours) and whom and when they apply to.
//! Parsing them lives in `config`; counting actions and tripping the breaker belong to the audit store and containment.

use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// Day names as written in `hours.days`, Monday first (the index in [`Hours::days`]).
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Shortest and longest window a `per` may give.
pub const MIN_WINDOW: Duration = Duration::from_secs(1);
pub const MAX_WINDOW: Duration = Duration::from_secs(30 * 86_400);

/// What a duration error says is expected.
pub(super) const EXPECTED_DURATION: &str = "expected a duration such as 30s, 10m, 1h or 1d";

/// One entry of a policy file's `limits:`.
#[derive(Debug, Clone)]
pub struct Limit {
    pub id: String,
    pub why: String,
    /// The agent-name globs as written, for display.
    pub agents: Vec<String>,
    matcher: GlobSet,
    /// At most `max` actions proposed per window; more trips the breaker.
    pub rate: Option<Window>,
    /// At most `max` denied actions per window; more trips the breaker.
    pub denials: Option<Window>,
    /// Outside these hours the agent's writes (tier >= 1) are denied.
    pub hours: Option<Hours>,
    /// Where it is defined, `policies/limits.yaml:3` (the form of [`super::rule::Source`]).
    pub source: String,
}

/// At most `max` events per `per`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub max: u64,
    pub per: Duration,
    /// The window as written: `10m`.
    pub text: String,
}

/// Operating hours: a daily window on some days, in one time zone.
#[derive(Debug, Clone)]
pub struct Hours {
    /// Index 0 is Monday.
    pub days: [bool; 7],
    /// Inclusive.
    pub from: Time,
    /// Exclusive; earlier than `from` for an overnight window.
    pub to: Time,
    pub timezone: TimeZone,
    pub timezone_name: String,
}

impl Limit {
    /// A limit for the agents matching any of `agents` (globset syntax); the error names the bad glob.
    pub(super) fn new(
        id: String,
        why: String,
        agents: Vec<String>,
        rate: Option<Window>,
        denials: Option<Window>,
        hours: Option<Hours>,
        source: String,
    ) -> Result<Limit, String> {
        let mut builder = GlobSetBuilder::new();
        for glob in &agents {
            builder.add(
                GlobBuilder::new(glob)
                    .build()
                    .map_err(|e| format!("invalid glob `{glob}`: {e}"))?,
            );
        }
        let matcher = builder.build().map_err(|e| e.to_string())?;
        Ok(Limit {
            id,
            why,
            agents,
            matcher,
            rate,
            denials,
            hours,
            source,
        })
    }

    /// Whether the limit covers the agent named `agent`.
    pub fn applies_to(&self, agent: &str) -> bool {
        self.matcher.is_match(agent)
    }
}

impl Window {
    /// `20 per 1h`.
    pub fn describe(&self) -> String {
        format!("{} per {}", self.max, self.text)
    }
}

impl Hours {
    /// Whether `at` falls inside the operating hours (from inclusive, to exclusive; overnight windows
    /// belong to the day they start on, so fri 22:00-06:00 covers Saturday 03:00).
    pub fn contains(&self, at: Timestamp) -> bool {
        let local = self.timezone.to_datetime(at);
        let day = day_index(local.weekday());
        let time = local.time();
        if self.from < self.to {
            self.days[day] && self.from <= time && time < self.to
        } else {
            let previous = (day + 6) % 7;
            (self.days[day] && time >= self.from) || (self.days[previous] && time < self.to)
        }
    }

    /// `mon-fri 07:00-19:00 UTC`, `mon,wed 22:00-06:00 Europe/Paris`; every day is `mon-sun`.
    pub fn describe(&self) -> String {
        format!(
            "{} {}-{} {}",
            describe_days(&self.days),
            hh_mm(self.from),
            hh_mm(self.to),
            self.timezone_name
        )
    }
}

fn day_index(weekday: jiff::civil::Weekday) -> usize {
    usize::try_from(weekday.to_monday_zero_offset()).unwrap_or(0)
}

fn hh_mm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Runs of three or more days as `mon-fri`, shorter ones listed: `mon,tue,thu-sun`.
fn describe_days(days: &[bool; 7]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        if !days[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < 7 && days[i + 1] {
            i += 1;
        }
        match i - start {
            0 => parts.push(DAYS[start].to_string()),
            1 => parts.push(format!("{},{}", DAYS[start], DAYS[i])),
            _ => parts.push(format!("{}-{}", DAYS[start], DAYS[i])),
        }
        i += 1;
    }
    parts.join(",")
}

/// An integer and a unit (`s`, `m`, `h`, `d`), between [`MIN_WINDOW`] and [`MAX_WINDOW`].
pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("{EXPECTED_DURATION}, not `{text}`");
    let Some(unit) = text.chars().last() else {
        return Err(bad());
    };
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let seconds_per: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    let out_of_range = || format!("`{text}` is out of range: a window is between 1s and 30d");
    let n: u64 = digits.parse().map_err(|_| out_of_range())?;
    let seconds = n.checked_mul(seconds_per).ok_or_else(out_of_range)?;
    let duration = Duration::from_secs(seconds);
    if !(MIN_WINDOW..=MAX_WINDOW).contains(&duration) {
        return Err(out_of_range());
    }
    Ok(duration)
}

/// A time of day written `HH:MM` (24-hour clock, two digits each).
pub(super) fn parse_time(text: &str) -> Result<Time, String> {
    let bad = || format!("expected a time of day as HH:MM, such as 07:00 or 19:30, not `{text}`");
    let bytes = text.as_bytes();
    if bytes.len() != 5
        || bytes[2] != b':'
        || ![0, 1, 3, 4].iter().all(|&i| bytes[i].is_ascii_digit())
    {
        return Err(bad());
    }
    let hour: i8 = text[..2].parse().map_err(|_| bad())?;
    let minute: i8 = text[3..].parse().map_err(|_| bad())?;
    if hour > 23 || minute > 59 {
        return Err(bad());
    }
    Time::new(hour, minute, 0, 0).map_err(|_| bad())
}

/// The index of a day name (`mon` is 0).
pub(super) fn parse_day(text: &str) -> Option<usize> {
    DAYS.iter().position(|d| *d == text)
}

/// An IANA time zone; `UTC` needs no time zone database.
pub(super) fn time_zone(name: &str) -> Result<TimeZone, String> {
    if name.eq_ignore_ascii_case("UTC") {
        return Ok(TimeZone::UTC);
    }
    TimeZone::get(name).map_err(|e| {
        format!(
            "unknown time zone `{name}`: expected an IANA name such as UTC or Europe/Paris ({e})"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(days: &[&str], from: &str, to: &str, tz: &str) -> Hours {
        let mut set = [false; 7];
        for d in days {
            set[parse_day(d).unwrap()] = true;
        }
        Hours {
            days: set,
            from: parse_time(from).unwrap(),
            to: parse_time(to).unwrap(),
            timezone: time_zone(tz).unwrap(),
            timezone_name: tz.into(),
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri"];
    const ALL: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    #[test]
    fn day_window_includes_from_and_excludes_to() {
        // 2026-03-02 is a Monday.
        let h = hours(ALL, "07:00", "19:00", "UTC");
        assert!(!h.contains(at("2026-03-02T06:59:59Z")));
        assert!(h.contains(at("2026-03-02T07:00:00Z")));
        assert!(h.contains(at("2026-03-02T12:00:00Z")));
        assert!(h.contains(at("2026-03-02T18:59:59Z")));
        assert!(!h.contains(at("2026-03-02T19:00:00Z")));
        assert!(!h.contains(at("2026-03-02T23:30:00Z")));
    }

    #[test]
    fn overnight_window_belongs_to_the_day_it_starts_on() {
        let h = hours(&["fri"], "22:00", "06:00", "UTC");
        // Friday 2026-03-06 evening, Saturday early morning: inside.
        assert!(!h.contains(at("2026-03-06T21:59:00Z")));
        assert!(h.contains(at("2026-03-06T22:00:00Z")));
        assert!(h.contains(at("2026-03-06T23:59:59Z")));
        assert!(h.contains(at("2026-03-07T00:00:00Z")));
        assert!(h.contains(at("2026-03-07T03:00:00Z")));
        assert!(!h.contains(at("2026-03-07T06:00:00Z")));
        // Saturday evening is not a Friday night; Friday early morning belongs to Thursday.
        assert!(!h.contains(at("2026-03-07T23:00:00Z")));
        assert!(!h.contains(at("2026-03-06T03:00:00Z")));
        // Sunday night runs into Monday: the week wraps.
        let h = hours(&["sun"], "22:00", "06:00", "UTC");
        assert!(h.contains(at("2026-03-09T05:59:00Z")));
        assert!(!h.contains(at("2026-03-09T22:30:00Z")));
    }

    #[test]
    fn days_filter_the_window() {
        let h = hours(WEEKDAYS, "07:00", "19:00", "UTC");
        assert!(h.contains(at("2026-03-06T10:00:00Z"))); // Friday
        assert!(!h.contains(at("2026-03-07T10:00:00Z"))); // Saturday
        assert!(!h.contains(at("2026-03-08T10:00:00Z"))); // Sunday
        assert!(h.contains(at("2026-03-09T10:00:00Z"))); // Monday
    }

    #[test]
    fn the_window_is_read_in_its_time_zone() {
        // Paris is UTC+1 in March before the change, UTC+2 in July.
        let h = hours(WEEKDAYS, "09:00", "17:00", "Europe/Paris");
        assert!(!h.contains(at("2026-03-02T07:30:00Z"))); // 08:30 in Paris
        assert!(h.contains(at("2026-03-02T08:00:00Z"))); // 09:00 in Paris
        assert!(h.contains(at("2026-03-02T15:59:00Z"))); // 16:59 in Paris
        assert!(!h.contains(at("2026-03-02T16:00:00Z"))); // 17:00 in Paris
        assert!(h.contains(at("2026-07-06T07:00:00Z"))); // 09:00 summer time
        // The day is Paris's too: Friday 23:30 UTC is Saturday 00:30 there.
        let h = hours(&["fri"], "20:00", "23:59", "Europe/Paris");
        assert!(!h.contains(at("2026-03-06T23:30:00Z")));
        assert!(h.contains(at("2026-03-06T22:30:00Z")));
    }

    #[test]
    fn describes_days_hours_and_zone() {
        assert_eq!(
            hours(WEEKDAYS, "07:00", "19:00", "UTC").describe(),
            "mon-fri 07:00-19:00 UTC"
        );
        assert_eq!(
            hours(&["mon", "wed"], "22:00", "06:00", "Europe/Paris").describe(),
            "mon,wed 22:00-06:00 Europe/Paris"
        );
        assert_eq!(
            hours(
                &["mon", "tue", "thu", "fri", "sat", "sun"],
                "00:00",
                "12:30",
                "UTC"
            )
            .describe(),
            "mon,tue,thu-sun 00:00-12:30 UTC"
        );
        assert_eq!(
            hours(ALL, "08:00", "09:00", "UTC").describe(),
            "mon-sun 08:00-09:00 UTC"
        );
        let w = Window {
            max: 20,
            per: Duration::from_secs(3600),
            text: "1h".into(),
        };
        assert_eq!(w.describe(), "20 per 1h");
    }

    #[test]
    fn applies_to_globs_and_lists() {
        let limit = |agents: &[&str]| {
            Limit::new(
                "l".into(),
                "w".into(),
                agents.iter().map(|a| a.to_string()).collect(),
                None,
                None,
                None,
                "x.yaml:1".into(),
            )
            .unwrap()
        };
        let bots = limit(&["*-bot"]);
        assert!(bots.applies_to("docs-bot"));
        assert!(bots.applies_to("-bot"));
        assert!(!bots.applies_to("docs-bot-2"));
        assert!(!bots.applies_to("claude"));
        let list = limit(&["claude", "ci-*"]);
        assert!(list.applies_to("claude"));
        assert!(list.applies_to("ci-nightly"));
        assert!(!list.applies_to("claude-2"));
        assert!(limit(&["*"]).applies_to("anyone"));
        assert!(
            Limit::new(
                "l".into(),
                "w".into(),
                vec!["[".into()],
                None,
                None,
                None,
                String::new()
            )
            .unwrap_err()
            .contains("invalid glob `[`")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("30d"), Ok(MAX_WINDOW));
        assert_eq!(parse_duration("1s"), Ok(MIN_WINDOW));
        for bad in [
            "10 minutes",
            "10",
            "m",
            "",
            "1.5h",
            "-1h",
            "1H",
            "1w",
            "10mm",
            "1é",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.starts_with(EXPECTED_DURATION), "{bad}: {e}");
        }
        for out in ["0s", "31d", "2592001s", "99999999999999999999999s"] {
            let e = parse_duration(out).unwrap_err();
            assert!(e.contains("between 1s and 30d"), "{out}: {e}");
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time("00:00").unwrap(), Time::midnight());
        assert_eq!(parse_time("23:59").unwrap().minute(), 59);
        for bad in [
            "25:00", "24:00", "12:60", "7:00", "07:00:00", "0700", "ab:cd", "+1:00",
        ] {
            assert!(parse_time(bad).unwrap_err().contains("HH:MM"), "{bad}");
        }
    }
}
