//! Crawler schedule expressions: parsing, validation and fire-time evaluation.
//!
//! Glue's own form, `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, is the one Glue
//! clients send, so it follows Glue's rules (1 = Sunday, exactly one day field is `?`). The
//! five-field Unix form is accepted too because people paste it from crontabs; it keeps Unix
//! numbering (0 and 7 = Sunday) and Vixie cron's either-day rule. Everything is UTC, as in Glue.
//!
//! Each field is compiled to a bit set, and the search walks years, months, days, hours and
//! minutes from the largest unit down, so a unit that cannot match is skipped whole. The walk
//! never goes past 2199, the last year Glue accepts, which bounds it for expressions that can
//! never fire (`cron(0 0 30 FEB ? *)`).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};

/// Longest expression accepted; real ones are far shorter, and the bound keeps parsing cheap.
const MAX_LEN: usize = 256;
const MIN_YEAR: i32 = 1970;
const MAX_YEAR: i32 = 2199;
/// One bit per year from 1970 to 2199 (230 years).
const ALL_YEARS: [u64; 4] = [u64::MAX, u64::MAX, u64::MAX, (1 << 38) - 1];

/// Why a schedule expression was refused. The messages are meant for API users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The expression is malformed or names values outside a field's range.
    #[error("invalid schedule {expression:?}: {reason}")]
    Invalid {
        /// The expression, trimmed.
        expression: String,
        /// What is wrong, naming the field and value.
        reason: String,
    },
    /// A well-known form this catalog does not run, such as `rate(...)`.
    #[error("unsupported schedule {expression:?}: {reason}")]
    Unsupported {
        /// The expression, trimmed.
        expression: String,
        /// What is unsupported and what to use instead.
        reason: String,
    },
    /// The expression is longer than any real schedule; it is not echoed back.
    #[error("schedule expression is {length} bytes long; the limit is {limit}")]
    TooLong {
        /// Length of the expression in bytes.
        length: usize,
        /// The largest accepted length in bytes.
        limit: usize,
    },
}

/// A parsed crawler schedule: Glue's `cron(...)` form or a five-field Unix cron line, in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    expression: String,
    minutes: u64,
    hours: u64,
    /// Bits 1 to 12.
    months: u64,
    /// Bit `year - 1970`.
    years: [u64; 4],
    /// `None` when the field does not restrict the day (`?` or `*`).
    day_of_month: Option<DayOfMonth>,
    day_of_week: Option<DayOfWeek>,
    /// Vixie cron's rule: both day fields restricted means a day matches if either does.
    either_day: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct DayOfMonth {
    /// Bits 1 to 31.
    days: u64,
    last: bool,
    last_weekday: bool,
    /// Days n written as `nW`, bits 1 to 31.
    nearest_weekday: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct DayOfWeek {
    /// Bit 0 = Sunday, whatever the dialect's numbering.
    days: u8,
    /// Weekdays written as `nL`.
    last: u8,
    /// `n#k` as bit `weekday * 5 + k - 1`.
    nth: u64,
}

impl Schedule {
    /// Parses `cron(...)` (six fields, Glue rules) or a five-field Unix cron line.
    pub fn parse(expression: &str) -> Result<Self, ScheduleError> {
        if expression.len() > MAX_LEN {
            return Err(ScheduleError::TooLong {
                length: expression.len(),
                limit: MAX_LEN,
            });
        }
        let text = expression.trim();
        let invalid = |reason: String| ScheduleError::Invalid {
            expression: text.to_owned(),
            reason,
        };
        let has_prefix = |p: &str| {
            text.get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        };
        if has_prefix("rate(") {
            return Err(ScheduleError::Unsupported {
                expression: text.to_owned(),
                reason: "rate(...) expressions are not supported; use cron(...)".to_owned(),
            });
        }
        let glue = has_prefix("cron(");
        let fields: Vec<&str> = if glue {
            let inner = text[5..]
                .strip_suffix(')')
                .ok_or_else(|| invalid("cron(...) is missing its closing \")\"".to_owned()))?;
            inner.split_whitespace().collect()
        } else {
            text.split_whitespace().collect()
        };
        match (glue, fields.len()) {
            (true, 6) | (false, 5) => {}
            (true, n) => {
                return Err(invalid(format!(
                    "expected 6 fields inside cron(...), found {n}"
                )));
            }
            (false, 0) => return Err(invalid("the expression is empty".to_owned())),
            (false, 6) => {
                return Err(invalid(
                    "six-field expressions must be written as cron(...)".to_owned(),
                ));
            }
            (false, n) => {
                return Err(invalid(format!(
                    "expected cron(...) or 5 fields \
                     (minute hour day-of-month month day-of-week), found {n}"
                )));
            }
        }
        Self::compile(text, &fields, glue).map_err(invalid)
    }

    fn compile(text: &str, fields: &[&str], glue: bool) -> Result<Self, String> {
        let (dom, dow) = (fields[2], fields[4]);
        if glue && (dom == "?") == (dow == "?") {
            return Err("exactly one of day-of-month and day-of-week must be \"?\"".to_owned());
        }
        let mut years = ALL_YEARS;
        if let Some(text) = fields.get(5) {
            years = [0; 4];
            each_value(text, &YEAR, |y| {
                let i = (y - MIN_YEAR as u32) as usize;
                years[i / 64] |= 1 << (i % 64);
            })?;
        }
        // Vixie cron tests the first character, so `*/2` counts as unrestricted too.
        let restricted = |f: &str| !f.starts_with(['*', '?']);
        Ok(Self {
            expression: text.to_owned(),
            minutes: mask(fields[0], &MINUTES)?,
            hours: mask(fields[1], &HOURS)?,
            months: mask(fields[3], &MONTH)?,
            years,
            day_of_month: parse_day_of_month(dom)?,
            day_of_week: parse_day_of_week(dow, if glue { &DOW_GLUE } else { &DOW_UNIX })?,
            either_day: !glue && restricted(dom) && restricted(dow),
        })
    }

    /// The expression as given, without surrounding whitespace.
    pub fn as_str(&self) -> &str {
        &self.expression
    }

    /// The first fire time strictly after `after`, on a whole minute; `None` if the schedule
    /// never fires again before the end of 2199.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after
            .with_second(0)?
            .with_nanosecond(0)?
            .checked_add_signed(TimeDelta::minutes(1))?;
        let start = match Point::of(start) {
            p if p.year > MAX_YEAR => return None,
            p if p.year < MIN_YEAR => Point::new(MIN_YEAR, 1, 1, 0, 0),
            p => p,
        };
        self.search(start, Dir::Forward, MAX_YEAR)
    }

    /// The next `count` fire times after `after`, in increasing order.
    pub fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(after), |t| self.next_after(*t))
            .take(count)
            .collect()
    }

    /// The most recent fire time in `(not_before, at]`, so a scheduler that was down runs a
    /// missed crawl once rather than once per missed tick.
    ///
    /// This searches backwards from `at` directly (the mirror of [`Schedule::next_after`]) and
    /// stops at `not_before`'s year, so a long outage costs no more than a short one.
    pub fn latest_at_or_before(
        &self,
        at: DateTime<Utc>,
        not_before: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if at <= not_before {
            return None;
        }
        let start = match Point::of(at) {
            p if p.year < MIN_YEAR => return None,
            p if p.year > MAX_YEAR => Point::new(MAX_YEAR, 12, 31, 23, 59),
            p => p,
        };
        self.search(start, Dir::Backward, not_before.year().max(MIN_YEAR))
            .filter(|t| *t > not_before)
    }

    /// The first matching minute at or beyond `start` in direction `dir`, not passing `limit_year`.
    fn search(&self, start: Point, dir: Dir, limit_year: i32) -> Option<DateTime<Utc>> {
        let (edge, step) = match dir {
            Dir::Forward => (Point::new(0, 1, 1, 0, 0), 1),
            Dir::Backward => (Point::new(0, 12, 31, 23, 59), -1),
        };
        // Only units still equal to `start` begin mid-way; every later one starts at its edge.
        let from = |tight: bool, s: u32, e: u32| if tight { s } else { e };
        let mut year = start.year;
        while (year - limit_year) * step <= 0 {
            if self.has_year(year) {
                let ty = year == start.year;
                for month in bits(self.months, from(ty, start.month, edge.month), dir) {
                    let tm = ty && month == start.month;
                    for day in bits(
                        self.day_mask(year, month),
                        from(tm, start.day, edge.day),
                        dir,
                    ) {
                        let td = tm && day == start.day;
                        for hour in bits(self.hours, from(td, start.hour, edge.hour), dir) {
                            let th = td && hour == start.hour;
                            let mut minute =
                                bits(self.minutes, from(th, start.minute, edge.minute), dir);
                            if let Some(minute) = minute.next() {
                                let date = NaiveDate::from_ymd_opt(year, month, day)?;
                                return Some(date.and_hms_opt(hour, minute, 0)?.and_utc());
                            }
                        }
                    }
                }
            }
            year += step;
        }
        None
    }

    fn has_year(&self, year: i32) -> bool {
        let Ok(i) = usize::try_from(year - MIN_YEAR) else {
            return false;
        };
        self.years
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// The days of `month` that match both day fields, as bits 1 to 31.
    fn day_mask(&self, year: i32, month: u32) -> u64 {
        let dim = days_in_month(year, month);
        let first = weekday(year, month, 1);
        let all = (1u64 << (dim + 1)) - 2;
        let dom = self.day_of_month.map_or(all, |f| f.mask(dim, first));
        let dow = self.day_of_week.map_or(all, |f| f.mask(dim, first));
        all & if self.either_day {
            dom | dow
        } else {
            dom & dow
        }
    }
}

impl DayOfMonth {
    fn mask(&self, dim: u32, first: u32) -> u64 {
        let mut m = self.days;
        if self.last {
            m |= 1 << dim;
        }
        if self.last_weekday {
            m |= 1 << nearest_weekday(dim, dim, first);
        }
        // `31W` in a 30-day month names no day, so it does not fire that month.
        for n in bits(self.nearest_weekday, 1, Dir::Forward).filter(|n| *n <= dim) {
            m |= 1 << nearest_weekday(n, dim, first);
        }
        m
    }
}

impl DayOfWeek {
    fn mask(&self, dim: u32, first: u32) -> u64 {
        let mut m = 0;
        for w in 0..7 {
            let first_day = 1 + (w + 7 - first) % 7;
            if self.days >> w & 1 == 1 {
                (first_day..=dim).step_by(7).for_each(|d| m |= 1 << d);
            }
            if self.last >> w & 1 == 1 {
                m |= 1 << (first_day + (dim - first_day) / 7 * 7);
            }
            for k in 0..5 {
                let day = first_day + 7 * k;
                if self.nth >> (w * 5 + k) & 1 == 1 && day <= dim {
                    m |= 1 << day;
                }
            }
        }
        m
    }
}

/// The weekday nearest day `n`, staying inside the month as Glue's `W` does.
fn nearest_weekday(n: u32, dim: u32, first: u32) -> u32 {
    match (first + n - 1) % 7 {
        6 if n == 1 => 3,
        6 => n - 1,
        0 if n == dim => n - 2,
        0 => n + 1,
        _ => n,
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of the week, 0 = Sunday (Sakamoto's method); cheaper than building a date per month.
fn weekday(year: i32, month: u32, day: u32) -> u32 {
    const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if month < 3 { year - 1 } else { year };
    let w = y + y / 4 - y / 100 + y / 400 + T[(month - 1) as usize] + day as i32;
    w.rem_euclid(7) as u32
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Forward,
    Backward,
}

#[derive(Debug, Clone, Copy)]
struct Point {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
}

impl Point {
    const fn new(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> Self {
        Self {
            year,
            month,
            day,
            hour,
            minute,
        }
    }

    fn of(t: DateTime<Utc>) -> Self {
        Self::new(t.year(), t.month(), t.day(), t.hour(), t.minute())
    }
}

/// Set bits of `mask` from bit `from` onwards in direction `dir`.
fn bits(mask: u64, from: u32, dir: Dir) -> impl Iterator<Item = u32> {
    let mut mask = match dir {
        Dir::Forward if from < 64 => mask & (u64::MAX << from),
        Dir::Forward => 0,
        Dir::Backward if from < 64 => mask & (u64::MAX >> (63 - from)),
        Dir::Backward => mask,
    };
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let bit = match dir {
            Dir::Forward => mask.trailing_zeros(),
            Dir::Backward => 63 - mask.leading_zeros(),
        };
        mask &= !(1 << bit);
        Some(bit)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    DayOfMonth,
    DayOfWeek,
}

struct Field {
    kind: Kind,
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The number the first name stands for.
    first_name: u32,
}

impl Field {
    const fn new(kind: Kind, name: &'static str, min: u32, max: u32) -> Self {
        Self {
            kind,
            name,
            min,
            max,
            names: &[],
            first_name: 0,
        }
    }

    const fn named(self, names: &'static [&'static str], first_name: u32) -> Self {
        Self {
            names,
            first_name,
            ..self
        }
    }

    /// Maps a day-of-week number of this dialect to 0 = Sunday.
    fn weekday(&self, v: u32) -> u32 {
        if self.min == 1 { v - 1 } else { v % 7 }
    }
}

const MONTH_NAMES: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MINUTES: Field = Field::new(Kind::Plain, "minutes", 0, 59);
const HOURS: Field = Field::new(Kind::Plain, "hours", 0, 23);
const DAY_OF_MONTH: Field = Field::new(Kind::DayOfMonth, "day-of-month", 1, 31);
const MONTH: Field = Field::new(Kind::Plain, "month", 1, 12).named(MONTH_NAMES, 1);
const DOW_GLUE: Field = Field::new(Kind::DayOfWeek, "day-of-week", 1, 7).named(DAY_NAMES, 1);
const DOW_UNIX: Field = Field::new(Kind::DayOfWeek, "day-of-week", 0, 7).named(DAY_NAMES, 0);
const YEAR: Field = Field::new(Kind::Plain, "year", MIN_YEAR as u32, MAX_YEAR as u32);

/// Calls `each` for every comma-separated entry, after the checks common to all entries.
fn each_item(
    text: &str,
    field: &Field,
    mut each: impl FnMut(&str) -> Result<(), String>,
) -> Result<(), String> {
    let name = field.name;
    for item in text.split(',') {
        if item.is_empty() {
            return Err(format!("{name}: empty entry in list {text:?}"));
        }
        if item.contains('?') {
            return Err(match field.kind {
                Kind::Plain => {
                    format!("{name}: \"?\" is only allowed in day-of-month or day-of-week")
                }
                _ => format!("{name}: \"?\" must be the whole field"),
            });
        }
        if item.contains('#') && field.kind != Kind::DayOfWeek {
            return Err(format!("{name}: \"#\" is only allowed in day-of-week"));
        }
        each(item)?;
    }
    Ok(())
}

fn each_value(text: &str, field: &Field, mut add: impl FnMut(u32)) -> Result<(), String> {
    each_item(text, field, |item| range(item, field, &mut add))
}

fn mask(text: &str, field: &Field) -> Result<u64, String> {
    let mut mask = 0;
    each_value(text, field, |v| mask |= 1 << v)?;
    Ok(mask)
}

fn parse_day_of_month(text: &str) -> Result<Option<DayOfMonth>, String> {
    if text == "?" || text == "*" {
        return Ok(None);
    }
    let field = &DAY_OF_MONTH;
    let mut dom = DayOfMonth::default();
    each_item(text, field, |item| {
        if item.eq_ignore_ascii_case("L") {
            dom.last = true;
        } else if item.eq_ignore_ascii_case("LW") {
            dom.last_weekday = true;
        } else if let Some(day) = item.strip_suffix(['W', 'w']).filter(|d| is_number(d)) {
            dom.nearest_weekday |= 1 << value(day, item, field)?;
        } else {
            range(item, field, &mut |v| dom.days |= 1 << v)?;
        }
        Ok(())
    })?;
    Ok(Some(dom))
}

fn parse_day_of_week(text: &str, field: &Field) -> Result<Option<DayOfWeek>, String> {
    if text == "?" || text == "*" {
        return Ok(None);
    }
    let mut dow = DayOfWeek::default();
    each_item(text, field, |item| {
        if item.eq_ignore_ascii_case("L") {
            // Alone, "L" is the last day of the week: Saturday.
            dow.days |= 1 << 6;
        } else if let Some((day, k)) = item.split_once('#') {
            let w = field.weekday(value(day, item, field)?);
            let k = Some(k)
                .filter(|k| is_number(k))
                .and_then(|k| k.parse::<u32>().ok());
            let k = k.filter(|k| (1..=5).contains(k)).ok_or_else(|| {
                format!(
                    "{}: the occurrence after \"#\" in {item:?} must be 1-5",
                    field.name
                )
            })?;
            dow.nth |= 1 << (w * 5 + k - 1);
        } else if let Some(day) = item
            .strip_suffix(['L', 'l'])
            .filter(|d| !d.is_empty() && !d.contains(['-', '/']))
        {
            dow.last |= 1 << field.weekday(value(day, item, field)?);
        } else {
            range(item, field, &mut |v| dow.days |= 1 << field.weekday(v))?;
        }
        Ok(())
    })?;
    Ok(Some(dow))
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// One list entry: `*`, `v`, `a-b`, each optionally followed by `/step`.
fn range(item: &str, field: &Field, add: &mut dyn FnMut(u32)) -> Result<(), String> {
    let name = field.name;
    let (span, step) = match item.split_once('/') {
        None => (item, None),
        Some((span, step)) => match step.parse::<u32>() {
            Ok(n) if is_number(step) && (1..=field.max).contains(&n) => (span, Some(n)),
            Ok(_) if is_number(step) => {
                return Err(format!(
                    "{name}: step {step} in {item:?} is out of range 1-{}",
                    field.max
                ));
            }
            _ => return Err(format!("{name}: step {step:?} in {item:?} is not a number")),
        },
    };
    let (start, end) = if span == "*" {
        (field.min, field.max)
    } else if let Some((a, b)) = span.split_once('-') {
        let (a, b) = (value(a, item, field)?, value(b, item, field)?);
        if a > b {
            return Err(format!(
                "{name}: range {span:?} runs backwards; write the smaller value first"
            ));
        }
        (a, b)
    } else {
        let a = value(span, item, field)?;
        (a, if step.is_some() { field.max } else { a })
    };
    (start..=end)
        .step_by(step.unwrap_or(1) as usize)
        .for_each(add);
    Ok(())
}

/// A single number or name, checked against the field's range.
fn value(token: &str, item: &str, field: &Field) -> Result<u32, String> {
    let (name, min, max) = (field.name, field.min, field.max);
    if is_number(token) {
        return match token.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!("{name}: {token} is out of range {min}-{max}")),
        };
    }
    if let Some(i) = field
        .names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(token))
    {
        return Ok(field.first_name + i as u32);
    }
    let suffix = token
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .to_ascii_uppercase();
    Err(match (field.kind, suffix.as_str()) {
        (_, "") => format!("{name}: missing value in {item:?}"),
        (Kind::Plain, "L") => {
            format!("{name}: \"L\" is only allowed in day-of-month or day-of-week")
        }
        (Kind::Plain | Kind::DayOfWeek, "W" | "LW") => {
            format!("{name}: \"W\" is only allowed in day-of-month")
        }
        (_, "L" | "W" | "LW") => {
            format!("{name}: {token:?} cannot be combined with a range or step in {item:?}")
        }
        _ if token.bytes().all(|b| b.is_ascii_alphabetic()) && !field.names.is_empty() => {
            let (first, last) = (field.names[0], field.names[field.names.len() - 1]);
            format!("{name}: unknown name {token:?} (expected {first}-{last})")
        }
        _ => format!("{name}: {token:?} is not a number"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f");
        t.or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
            .unwrap()
            .and_utc()
    }

    /// Each case reads `EXPRESSION @ AFTER => FIRE, FIRE, ...`, times as `%Y-%m-%d %H:%M`;
    /// `=> none` means the schedule never fires after AFTER.
    fn check(cases: &[&str]) {
        for case in cases {
            let (expr, rest) = case.split_once(" @ ").unwrap();
            let (after, want) = rest.split_once(" => ").unwrap();
            let s = Schedule::parse(expr).unwrap();
            if want == "none" {
                assert_eq!(s.next_after(t(after)), None, "{case}");
                continue;
            }
            let want: Vec<&str> = want.split(", ").collect();
            let got = s.upcoming(t(after), want.len());
            let got: Vec<String> = got
                .iter()
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .collect();
            assert_eq!(got, want, "{case}");
        }
    }

    fn reason(expr: &str) -> String {
        Schedule::parse(expr).unwrap_err().to_string()
    }

    // 2026-12-01 is a Tuesday.
    const FROM: &str = "2026-12-01 18:22";

    #[test]
    fn glue_examples() {
        check(&[
            "cron(15 12 * * ? *) @ 2026-12-01 18:22 => 2026-12-02 12:15, 2026-12-03 12:15",
            "cron(0/15 * * * ? *) @ 2026-12-01 18:22 => 2026-12-01 18:30, 2026-12-01 18:45",
            "cron(0 18 ? * MON-FRI *) @ 2026-12-01 18:22 => 2026-12-02 18:00, 2026-12-03 18:00",
            "cron(0 18 ? * MON-FRI *) @ 2026-12-04 18:22 => 2026-12-07 18:00",
            "cron(0 10 L * ? *) @ 2026-12-01 18:22 => 2026-12-31 10:00, 2027-01-31 10:00, 2027-02-28 10:00",
            "cron(0 10 L * ? *) @ 2028-02-01 00:00 => 2028-02-29 10:00",
            // Fridays in December 2026: 4, 11, 18, 25; in January 2027: 1, 8, 15, 22, 29.
            "cron(0 9 ? * 6#3 *) @ 2026-12-01 18:22 => 2026-12-18 09:00, 2027-01-15 09:00",
            "cron(0 0 ? * 6L *) @ 2026-12-01 18:22 => 2026-12-25 00:00, 2027-01-29 00:00",
            "cron(0 12 1 JAN,JUL ? *) @ 2026-12-01 18:22 => 2027-01-01 12:00, 2027-07-01 12:00",
        ]);
    }

    #[test]
    fn nearest_weekday() {
        check(&[
            // The 15th of 2027's months: Friday, Monday, Monday, Thursday, Saturday (so the 14th).
            "cron(0 8 15W * ? 2027) @ 2026-12-01 18:22 => 2027-01-15 08:00, 2027-02-15 08:00, \
             2027-03-15 08:00, 2027-04-15 08:00, 2027-05-14 08:00",
            // 15 December 2027 is the last match; 2028 is outside the year field.
            "cron(0 8 15W * ? 2027) @ 2027-12-15 08:00 => none",
            // 1 May 2027 is a Saturday: Monday the 3rd, not Friday 30 April.
            "cron(0 0 1W * ? *) @ 2027-04-02 00:00 => 2027-05-03 00:00",
            // 31 January 2027 is a Sunday: Friday the 29th, not Monday 1 February.
            "cron(0 0 31W * ? *) @ 2027-01-01 00:00 => 2027-01-29 00:00",
            // Months without a 31st are skipped.
            "cron(0 0 31W * ? *) @ 2027-02-01 00:00 => 2027-03-31 00:00, 2027-05-31 00:00",
            // Last weekday: 31 January 2027 is a Sunday, 31 July 2027 a Saturday.
            "cron(0 0 LW * ? *) @ 2027-01-01 00:00 => 2027-01-29 00:00",
            "cron(0 0 lw * ? *) @ 2027-07-01 00:00 => 2027-07-30 00:00",
            "cron(0 0 LW * ? *) @ 2026-12-01 18:22 => 2026-12-31 00:00",
        ]);
    }

    #[test]
    fn weekday_of_month() {
        check(&[
            // December 2026 has five Thursdays; January to March 2027 four; April five.
            "cron(0 0 ? * 5#5 *) @ 2026-12-01 18:22 => 2026-12-31 00:00, 2027-04-29 00:00",
            "cron(0 0 ? * thu#5 *) @ 2027-01-01 00:00 => 2027-04-29 00:00",
            // "L" alone is Saturday; "FRIL" is the last Friday.
            "cron(0 0 ? * L *) @ 2026-12-01 18:22 => 2026-12-05 00:00, 2026-12-12 00:00",
            "cron(0 0 ? * friL *) @ 2026-12-01 18:22 => 2026-12-25 00:00",
        ]);
    }

    #[test]
    fn leap_days_years_and_impossible_dates() {
        check(&[
            "cron(0 0 29 2 ? *) @ 2026-12-01 18:22 => 2028-02-29 00:00, 2032-02-29 00:00",
            "cron(0 0 30 FEB ? *) @ 1970-01-01 00:00 => none",
            "cron(0 0 31 4,6,9,11 ? *) @ 1970-01-01 00:00 => none",
            "cron(0 0 1 1 ? 2199) @ 2026-12-01 18:22 => 2199-01-01 00:00",
            "cron(0 0 1 1 ? 2199) @ 2199-01-01 00:00 => none",
            "cron(0 0 1 1 ? 2020,2021) @ 2026-12-01 18:22 => none",
            "cron(0 0 1 1 ? 2030-2040/5) @ 2026-12-01 18:22 => 2030-01-01 00:00, 2035-01-01 00:00",
            "0 0 1 1 * @ 1960-05-05 00:00 => 1970-01-01 00:00",
            "* * * * * @ 2199-12-31 23:59 => none",
        ]);
        let s = Schedule::parse("cron(0 0 31 4,6,9,11 ? *)").unwrap();
        assert_eq!(s.latest_at_or_before(t(FROM), t("1970-01-01 00:00")), None);
        assert!(reason("cron(0 0 1 1 ? 2200)").contains("year: 2200 is out of range 1970-2199"));
        assert!(reason("cron(0 0 1 1 ? 1969)").contains("year: 1969 is out of range 1970-2199"));
    }

    #[test]
    fn unix_five_fields() {
        check(&[
            "15 12 * * * @ 2026-12-01 18:22 => 2026-12-02 12:15",
            "*/10 * * * 1-5 @ 2026-12-04 23:55 => 2026-12-07 00:00",
            // Both day fields restricted: the 13th or a Friday.
            "0 0 13 * 5 @ 2026-12-01 18:22 => 2026-12-04 00:00, 2026-12-11 00:00, \
             2026-12-13 00:00, 2026-12-18 00:00",
            "0 0 13 * * @ 2026-12-01 18:22 => 2026-12-13 00:00, 2027-01-13 00:00",
            // A field starting with "*" counts as unrestricted, as in Vixie cron: odd-day
            // Tuesdays (either-day would give Thursday the 3rd).
            "0 0 */2 * 2 @ 2026-12-01 18:22 => 2026-12-15 00:00, 2026-12-29 00:00",
            // 0, 7 and SUN are Sunday.
            "0 9 * * 0 @ 2026-12-01 18:22 => 2026-12-06 09:00",
            "0 9 * * 7 @ 2026-12-01 18:22 => 2026-12-06 09:00",
            "0 9 * * sun @ 2026-12-01 18:22 => 2026-12-06 09:00",
            "0 9 ? * 5-7 @ 2026-12-01 18:22 => 2026-12-04 09:00, 2026-12-05 09:00, 2026-12-06 09:00",
        ]);
    }

    #[test]
    fn steps_ranges_and_case() {
        check(&[
            "*/5 * * * * @ 2026-12-01 18:22 => 2026-12-01 18:25, 2026-12-01 18:30",
            "cron(10-50/20 * * * ? *) @ 2026-12-01 18:22 => 2026-12-01 18:30, 2026-12-01 18:50, \
             2026-12-01 19:10",
            "cron(0 */8 * * ? *) @ 2026-12-01 18:22 => 2026-12-02 00:00, 2026-12-02 08:00",
            // 2/2 is Monday, Wednesday and Friday.
            "cron(5 7 ? * 2/2 *) @ 2026-12-01 18:22 => 2026-12-02 07:05, 2026-12-04 07:05",
            "cron(0 0 1-3,20 * ? *) @ 2026-12-02 00:00 => 2026-12-03 00:00, 2026-12-20 00:00",
            "Cron(0 12 1 jan,Jul ? *) @ 2026-12-01 18:22 => 2027-01-01 12:00, 2027-07-01 12:00",
            "cron( 0 9 ? * fri#3 * ) @ 2026-12-01 18:22 => 2026-12-18 09:00",
            "cron(* * * * ? *) @ 2026-12-01 18:22:59.999 => 2026-12-01 18:23",
            "cron(* * * * ? *) @ 2026-12-31 23:59 => 2027-01-01 00:00",
        ]);
        let upper = Schedule::parse("cron(0 18 ? * MON-FRI *)").unwrap();
        let lower = Schedule::parse("  CRON(0 18 ? * mon-Fri *)  ").unwrap();
        assert_eq!(upper.upcoming(t(FROM), 10), lower.upcoming(t(FROM), 10));
    }

    #[test]
    fn display_and_from_str() {
        let s: Schedule = "  cron(15 12 * * ? *) ".parse().unwrap();
        assert_eq!(s.to_string(), "cron(15 12 * * ? *)");
        assert_eq!(s.as_str(), "cron(15 12 * * ? *)");
        assert_eq!(s, Schedule::parse("cron(15 12 * * ? *)").unwrap());
    }

    #[test]
    fn error_messages() {
        // Each case reads `EXPRESSION => expected part of the message`.
        let cases = [
            "cron(61 * * * ? *) => invalid schedule \"cron(61 * * * ? *)\": minutes: 61 is out of range 0-59",
            "cron(0 24 * * ? *) => hours: 24 is out of range 0-23",
            "cron(0 0 32 * ? *) => day-of-month: 32 is out of range 1-31",
            "cron(0 0 ? 13 * *) => month: 13 is out of range 1-12",
            "cron(0 0 ? * 8 *) => day-of-week: 8 is out of range 1-7",
            "0 0 * * 8 => day-of-week: 8 is out of range 0-7",
            "cron(99999999999 * * * ? *) => minutes: 99999999999 is out of range 0-59",
            "cron(0 12 * * * *) => exactly one of day-of-month and day-of-week must be \"?\"",
            "cron(0 12 ? * ? *) => exactly one of day-of-month and day-of-week must be \"?\"",
            "cron(0 12 * * ?) => expected 6 fields inside cron(...), found 5",
            "cron(0 12 * * ? * => cron(...) is missing its closing \")\"",
            "0 12 * * ? * => six-field expressions must be written as cron(...)",
            "0 12 * * => expected cron(...) or 5 fields",
            "  => the expression is empty",
            "cron(0 0 ? * FUNDAY *) => day-of-week: unknown name \"FUNDAY\" (expected SUN-SAT)",
            "cron(0 0 1 FOO ? *) => month: unknown name \"FOO\" (expected JAN-DEC)",
            "cron(0 0 1#2 * ? *) => day-of-month: \"#\" is only allowed in day-of-week",
            "cron(0 0#1 ? * 2 *) => hours: \"#\" is only allowed in day-of-week",
            "cron(? 0 ? * 2 *) => minutes: \"?\" is only allowed in day-of-month or day-of-week",
            "cron(0 0 1,? * ? *) => day-of-month: \"?\" must be the whole field",
            "cron(L 0 1 * ? *) => minutes: \"L\" is only allowed in day-of-month or day-of-week",
            "cron(0 0 ? * 2W *) => day-of-week: \"W\" is only allowed in day-of-month",
            "cron(0 0 1-5W * ? *) => day-of-month: \"5W\" cannot be combined with a range or step",
            "cron(0 0 ? * 6#6 *) => day-of-week: the occurrence after \"#\" in \"6#6\" must be 1-5",
            "cron(*/0 * * * ? *) => minutes: step 0 in \"*/0\" is out of range 1-59",
            "cron(*/x * * * ? *) => minutes: step \"x\" in \"*/x\" is not a number",
            "cron(0 20-5 * * ? *) => hours: range \"20-5\" runs backwards",
            "cron(1,,2 * * * ? *) => minutes: empty entry in list \"1,,2\"",
            "cron(1- * * * ? *) => minutes: missing value in \"1-\"",
            "cron(abc * * * ? *) => minutes: \"abc\" is not a number",
        ];
        for case in cases {
            let (expr, want) = case.split_once(" => ").unwrap();
            let got = reason(expr);
            assert!(got.contains(want), "{expr}: {got}");
            assert!(
                matches!(Schedule::parse(expr), Err(ScheduleError::Invalid { .. })),
                "{expr}"
            );
        }
        assert_eq!(
            reason(" RATE(5 minutes)"),
            "unsupported schedule \"RATE(5 minutes)\": rate(...) expressions are not supported; \
             use cron(...)"
        );
        let long = format!("cron(0 0 ? * 2 *){}", " ".repeat(300));
        let err = Schedule::parse(&long).unwrap_err();
        assert_eq!(
            err,
            ScheduleError::TooLong {
                length: long.len(),
                limit: MAX_LEN
            }
        );
    }

    #[test]
    fn upcoming_is_strictly_increasing_on_whole_minutes() {
        for expr in [
            "cron(0/7 */3 ? * 2-6 *)",
            "cron(0 0 LW * ? *)",
            "*/5 * 13 * 5",
        ] {
            let got = Schedule::parse(expr)
                .unwrap()
                .upcoming(t("2026-12-01 18:22:31.5"), 200);
            assert_eq!(got.len(), 200, "{expr}");
            assert!(got.windows(2).all(|w| w[0] < w[1]), "{expr}");
            assert!(
                got.iter().all(|t| t.second() == 0 && t.nanosecond() == 0),
                "{expr}"
            );
        }
    }

    #[test]
    fn latest_tick_in_missed_window() {
        let hourly = Schedule::parse("cron(0 * * * ? *)").unwrap();
        let latest = |from: &str, to: &str| hourly.latest_at_or_before(t(to), t(from));
        assert_eq!(
            latest("2026-12-01 10:30", "2026-12-01 15:10"),
            Some(t("2026-12-01 15:00"))
        );
        assert_eq!(latest("2026-12-01 10:30", "2026-12-01 10:59:59"), None);
        // The window is (not_before, at]: a tick at its end counts, one at its start does not.
        assert_eq!(
            latest("2026-12-01 10:30", "2026-12-01 15:00"),
            Some(t("2026-12-01 15:00"))
        );
        assert_eq!(latest("2026-12-01 15:00", "2026-12-01 15:30"), None);
        assert_eq!(latest("2026-12-01 15:00", "2026-12-01 14:00"), None);
        let yearly = Schedule::parse("cron(0 0 1 1 ? *)").unwrap();
        let got = yearly.latest_at_or_before(t(FROM), t("2020-06-01 00:00"));
        assert_eq!(got, Some(t("2026-01-01 00:00")));
        // The last Friday of November 2026 is the 27th.
        let friday = Schedule::parse("cron(30 9 ? * 6L *)").unwrap();
        let got = friday.latest_at_or_before(t(FROM), t("2026-01-01 00:00"));
        assert_eq!(got, Some(t("2026-11-27 09:30")));
    }

    #[test]
    fn calendar_helpers_match_chrono() {
        let mut day = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        while day.year() < 2200 {
            let want = day.weekday().num_days_from_sunday();
            assert_eq!(weekday(day.year(), day.month(), day.day()), want, "{day}");
            let first = day.with_day(1).unwrap();
            let dim = (first + chrono::Months::new(1) - first).num_days();
            assert_eq!(
                i64::from(days_in_month(day.year(), day.month())),
                dim,
                "{day}"
            );
            day += TimeDelta::days(13);
        }
    }
}
