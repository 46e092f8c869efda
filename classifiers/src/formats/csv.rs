//! Delimited text: dialect, header and column types from a bounded sample (the first 1 MB or
//! 1,000 records, as Glue).
//!
//! - **Dialect.** Every candidate delimiter (`,` tab `|` `;` Ctrl-A) and quote (`"`, `'`,
//!   none) parses the first 64 KiB; the winner has the most consistent rows, then the most
//!   columns (DuckDB's rule). At least two columns are needed. A space (not one of Glue's
//!   delimiters) wins only when no other delimiter is as consistent, 90% of rows agree and
//!   a column is typed; `, ` reads as `,` with trimmed values, and a warning.
//! - **Layout.** Blank lines split the rows into blocks; the table is the first block with
//!   two or more fields a row, and the blocks after it that continue it (another width or
//!   another header is a second table, reported and left out). Titles and `#` comments
//!   above the header are a preamble: `skip_lines` counts them with the header, for
//!   `skip.header.line.count`. A header with one name too many names the data's columns
//!   (the extra name is dropped); with one too few, the last column is `col{n}`. A stray
//!   quote in the header is ignored, so it cannot swallow the data into one field.
//! - **Types.** Only what Hive reads from text: `boolean` (`true`/`false`), `bigint`
//!   (no leading zeros: `007` is a code and stays a string), `double`, `date`
//!   (`YYYY-MM-DD`) and `timestamp` (`YYYY-MM-DD HH:MM:SS[.f]`), each only when every sampled
//!   value parses; otherwise `string`. Empty values, `\N` and `NULL` count as null.
//! - **Header.** The first row is a header when it breaks a column's type (a text cell above
//!   numbers), or, for all-string files (where Glue gives up and names columns `col0..`),
//!   when its cells look like names and none of them recurs in its column's data.
//! - Handles a UTF-8 BOM, CRLF and CR-only line ends, quoted delimiters and newlines,
//!   trailing delimiters (the empty last column is dropped), ragged rows (missing cells are
//!   null), and a header repeated inside the data.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use async_trait::async_trait;

use crate::classifier::{Classification, Classifier, FormatProperties};
use crate::error::ClassifyError;
use crate::schema::{Field, HiveType, Schema};
use crate::source::ObjectSource;
use crate::statistics::{StatisticsMode, TextFigures};

/// Whether the first row is a header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HeaderPolicy {
    /// Decide from the data.
    #[default]
    Detect,
    /// Always.
    Present,
    /// Never.
    Absent,
}

/// Sampling limits and, for custom CSV classifiers, fixed parts of the dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Bytes sampled from the start of the object.
    pub max_bytes: u64,
    /// Records inferred from.
    pub max_records: usize,
    /// A fixed delimiter instead of sniffing one.
    pub delimiter: Option<u8>,
    /// A fixed quote (`Some(None)`: no quoting) instead of sniffing one.
    pub quote: Option<Option<u8>>,
    /// Whether the first row is a header.
    pub header: HeaderPolicy,
    /// Column names to use instead of the header's or `col0..`.
    pub header_names: Vec<String>,
    /// Trim spaces around values before typing them (Glue's default).
    pub trim_values: bool,
    /// Accept objects with a single column (otherwise two are needed, as in Glue).
    pub allow_single_column: bool,
    /// The only types columns may get (Glue's custom data types); `string` is always
    /// allowed. `None`: all of lakecat's text types.
    pub allowed_types: Option<Vec<HiveType>>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            max_bytes: 1024 * 1024,
            max_records: 1000,
            delimiter: None,
            quote: None,
            header: HeaderPolicy::Detect,
            header_names: Vec::new(),
            trim_values: true,
            allow_single_column: false,
            allowed_types: None,
        }
    }
}

/// Bytes each dialect candidate parses.
const DIALECT_SAMPLE_BYTES: usize = 64 * 1024;
const DELIMITERS: [u8; 5] = [b',', b'\t', b'|', b';', 0x01];
const QUOTES: [Option<u8>; 3] = [Some(b'"'), Some(b'\''), None];
/// Longest header cell Glue accepts.
const MAX_HEADER_CELL: usize = 150;

/// A delimiter and quote pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dialect {
    delimiter: u8,
    quote: Option<u8>,
}

fn reader(dialect: Dialect, text: &[u8]) -> csv::Reader<&[u8]> {
    let mut builder = csv::ReaderBuilder::new();
    builder
        .delimiter(dialect.delimiter)
        .has_headers(false)
        .flexible(true)
        .double_quote(true);
    match dialect.quote {
        Some(quote) => builder.quote(quote).quoting(true),
        None => builder.quoting(false),
    };
    builder.from_reader(text)
}

/// Records parsed from a sample.
struct Parsed {
    rows: Vec<Vec<String>>,
    /// Where each row starts and ends in the sample.
    spans: Vec<(usize, usize)>,
    /// Whether blank lines come before each row.
    after_blank: Vec<bool>,
    /// Bytes of the sample the kept rows span, for estimating the records in the object.
    consumed: usize,
}

/// Parses up to `max` records; drops the last one when the sample was cut inside it. Blank
/// lines are not records, but the row after them remembers them (they separate tables).
fn records(dialect: Dialect, text: &[u8], complete: bool, max: usize) -> Parsed {
    let mut rows = Vec::new();
    let mut spans = Vec::new();
    let mut after_blank = Vec::new();
    let mut blank = false;
    let mut record = csv::ByteRecord::new();
    let mut parser = reader(dialect, text);
    while rows.len() < max {
        match parser.read_byte_record(&mut record) {
            Ok(true) => {
                let mut start = record.position().map_or(0, |p| p.byte() as usize);
                let end = parser.position().byte() as usize;
                // The parser skips blank lines into the next record: they show as line
                // breaks at its start (after the `\n` of a `\r\n` that ended the last one).
                if start > 0 && text[start - 1] == b'\r' && text.get(start) == Some(&b'\n') {
                    start += 1;
                }
                let breaks = text
                    .get(start..end)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| b == b'\n' || b == b'\r')
                    .count();
                blank |= breaks > 0;
                start += breaks;
                if record.len() == 1 && record[0].is_empty() {
                    blank = true;
                    continue;
                }
                let row: Vec<String> = record
                    .iter()
                    .map(|field| String::from_utf8_lossy(field).into_owned())
                    .collect();
                rows.push(row);
                spans.push((start, end));
                after_blank.push(std::mem::take(&mut blank));
            }
            Ok(false) | Err(_) => break,
        }
    }
    // A record that reaches the end of a cut sample may be cut too.
    let cut_last = !complete
        && spans.last().is_some_and(|&(_, end)| end >= text.len())
        && !text.ends_with(b"\n")
        && !text.ends_with(b"\r");
    if cut_last {
        rows.pop();
        spans.pop();
        after_blank.pop();
    }
    let consumed = spans.last().map_or(0, |&(_, end)| end);
    Parsed {
        rows,
        spans,
        after_blank,
        consumed,
    }
}

/// The most common field count and the share of rows that have it.
fn consistency(rows: &[Vec<String>]) -> (usize, f64) {
    field_counts(rows.iter().map(Vec::len))
}

/// [`consistency`] over field counts.
fn field_counts(lengths: impl Iterator<Item = usize>) -> (usize, f64) {
    let mut counts: Vec<(usize, usize)> = Vec::new();
    let mut rows = 0;
    for length in lengths {
        rows += 1;
        match counts.iter_mut().find(|(n, _)| *n == length) {
            Some((_, seen)) => *seen += 1,
            None => counts.push((length, 1)),
        }
    }
    let Some(&(columns, seen)) = counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
    else {
        return (0, 0.0);
    };
    (columns, seen as f64 / f64::from(rows))
}

/// The share of consistent rows a space-delimited dialect needs: spaces also separate words,
/// so text passes only when nearly every line has the same number of them.
const SPACE_MIN_SHARE: f64 = 0.9;

fn sniff(text: &[u8], complete: bool, options: &CsvOptions) -> Option<(Dialect, usize, f64)> {
    let head = &text[..text.len().min(DIALECT_SAMPLE_BYTES)];
    let head_complete = complete && head.len() == text.len();
    let quotes = options.quote.map_or_else(|| QUOTES.to_vec(), |q| vec![q]);
    let min_columns = if options.allow_single_column { 1 } else { 2 };
    let best_of = |delimiters: &[u8]| {
        let mut best: Option<(Dialect, usize, f64)> = None;
        for &delimiter in delimiters {
            for &quote in &quotes {
                let dialect = Dialect { delimiter, quote };
                let mut parsed = records(dialect, head, head_complete, 200);
                if let Some(patched) = unstray(head, &parsed, dialect) {
                    parsed = records(dialect, &patched, head_complete, 200);
                }
                let (columns, share) = consistency(&parsed.rows);
                if columns < min_columns {
                    continue;
                }
                let better = match best {
                    None => true,
                    // Shares within a hair count as equal, so more columns can decide.
                    Some((_, best_columns, best_share)) => {
                        share > best_share + 1e-9
                            || ((share - best_share).abs() <= 1e-9 && columns > best_columns)
                    }
                };
                if better {
                    best = Some((dialect, columns, share));
                }
            }
        }
        best
    };
    if let Some(delimiter) = options.delimiter {
        return best_of(&[delimiter]);
    }
    let best = best_of(&DELIMITERS);
    // A space (not one of Glue's delimiters) only when no other delimiter does as well.
    match best_of(b" ") {
        Some(space) if space.2 >= SPACE_MIN_SHARE && best.is_none_or(|b| space.2 > b.2 + 1e-9) => {
            Some(space)
        }
        _ => best,
    }
}

fn is_null(value: &str) -> bool {
    matches!(value, "" | "\\N" | "NULL" | "null")
}

fn is_bigint(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && value.parse::<i64>().is_ok()
}

fn is_double(value: &str) -> bool {
    let body = value.strip_prefix('-').unwrap_or(value);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let Some((whole, fraction)) = mantissa
        .split_once('.')
        .or_else(|| exponent.map(|_| (mantissa, "0")))
    else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    // `007.5` is as much a code as `007`.
    let leading_zero = whole.len() > 1 && whole.starts_with('0');
    digits(whole) && digits(fraction) && exponent_ok && !leading_zero
}

fn is_date(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && {
            let month: u32 = value[5..7].parse().unwrap_or(0);
            let day: u32 = value[8..10].parse().unwrap_or(0);
            (1..=12).contains(&month) && (1..=31).contains(&day)
        }
}

fn is_timestamp(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() < 19 || !is_date(&value[..10]) || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return false;
    }
    let time_digits = [11, 12, 14, 15, 17, 18]
        .iter()
        .all(|&i| b[i].is_ascii_digit());
    let hour: u32 = value[11..13].parse().unwrap_or(99);
    let minute: u32 = value[14..16].parse().unwrap_or(99);
    let second: u32 = value[17..19].parse().unwrap_or(99);
    let fraction_ok = match &value[19..] {
        "" => true,
        rest => {
            rest.len() > 1 && rest.starts_with('.') && rest[1..].bytes().all(|c| c.is_ascii_digit())
        }
    };
    time_digits && hour < 24 && minute < 60 && second < 61 && fraction_ok
}

/// The Hive type of one text value, by the same rules as a CSV column (`None` for null).
pub(crate) fn text_value_type(value: &str) -> Option<HiveType> {
    let mut candidates = Candidates::new();
    candidates.observe(value.trim());
    (candidates.values > 0).then(|| candidates.hive_type())
}

fn is_boolean(value: &str) -> bool {
    value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
}

/// Which types every value of a column so far fits.
#[derive(Debug, Clone, Copy)]
struct Candidates {
    boolean: bool,
    bigint: bool,
    double: bool,
    date: bool,
    timestamp: bool,
    values: usize,
    /// The range of the integer values, for fitting narrower integer types.
    min: i64,
    max: i64,
}

impl Candidates {
    fn new() -> Self {
        Candidates {
            boolean: true,
            bigint: true,
            double: true,
            date: true,
            timestamp: true,
            values: 0,
            min: i64::MAX,
            max: i64::MIN,
        }
    }

    fn observe(&mut self, value: &str) {
        if is_null(value) {
            return;
        }
        self.values += 1;
        self.boolean &= is_boolean(value);
        let bigint = is_bigint(value);
        self.bigint &= bigint;
        if let Ok(n) = value.parse::<i64>() {
            self.min = self.min.min(n);
            self.max = self.max.max(n);
        }
        self.double &= bigint || is_double(value);
        self.date &= is_date(value);
        self.timestamp &= is_timestamp(value);
    }

    fn hive_type(&self) -> HiveType {
        match *self {
            Candidates { values: 0, .. } => HiveType::String,
            Candidates { boolean: true, .. } => HiveType::Boolean,
            Candidates { bigint: true, .. } => HiveType::BigInt,
            Candidates { double: true, .. } => HiveType::Double,
            Candidates { date: true, .. } => HiveType::Date,
            Candidates {
                timestamp: true, ..
            } => HiveType::Timestamp,
            _ => HiveType::String,
        }
    }

    /// The type among `allowed` that holds every value of the column, preferring the most
    /// exact; `string` when none does.
    fn restricted_type(&self, allowed: &[HiveType]) -> HiveType {
        let has = |t: &HiveType| allowed.contains(t);
        let fits = |min: i64, max: i64| self.min >= min && self.max <= max;
        let decimal = allowed
            .iter()
            .find(|t| matches!(t, HiveType::Decimal { .. }))
            .cloned();
        let preferences: Vec<HiveType> = match self.hive_type() {
            HiveType::Boolean => vec![HiveType::Boolean],
            HiveType::BigInt => {
                let mut order = Vec::new();
                if fits(i16::MIN.into(), i16::MAX.into()) {
                    order.push(HiveType::SmallInt);
                }
                if fits(i32::MIN.into(), i32::MAX.into()) {
                    order.push(HiveType::Int);
                }
                order.extend([HiveType::BigInt]);
                order.extend(decimal);
                order.extend([HiveType::Double, HiveType::Float]);
                order
            }
            HiveType::Double => {
                let mut order = vec![HiveType::Double, HiveType::Float];
                order.extend(decimal);
                order
            }
            HiveType::Date => vec![HiveType::Date, HiveType::Timestamp],
            HiveType::Timestamp => vec![HiveType::Timestamp],
            _ => Vec::new(),
        };
        preferences
            .into_iter()
            .find(has)
            .unwrap_or(HiveType::String)
    }

    fn accepts(&self, value: &str) -> bool {
        match self.hive_type() {
            HiveType::Boolean => is_boolean(value),
            HiveType::BigInt => is_bigint(value),
            HiveType::Double => is_bigint(value) || is_double(value),
            HiveType::Date => is_date(value),
            HiveType::Timestamp => is_timestamp(value),
            _ => true,
        }
    }
}

fn column_candidates(rows: &[Vec<String>], columns: usize, trim: bool) -> Vec<Candidates> {
    let mut candidates = vec![Candidates::new(); columns];
    for row in rows {
        for (candidate, value) in candidates.iter_mut().zip(row) {
            candidate.observe(if trim { value.trim() } else { value });
        }
    }
    candidates
}

fn name_like(cell: &str) -> bool {
    let cell = cell.trim();
    !cell.is_empty()
        && cell.len() <= MAX_HEADER_CELL
        && cell
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && cell.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '_' | ' ' | '-' | '.' | '/' | '(' | ')' | '#' | '%')
        })
}

/// A header cell without stray quote characters.
fn unquoted(cell: &str) -> String {
    cell.replace('"', "")
}

/// A row above a table that is not part of it: a `#` comment, or a title (one text cell
/// with a space in it, any other cells empty, as spreadsheets export them).
fn is_note(row: &[String]) -> bool {
    let first = row.first().map_or("", |c| c.trim());
    let comment = first.len() > 1 && first.starts_with('#') && first.contains(char::is_whitespace);
    let title = first.contains(' ')
        && row.iter().skip(1).all(|c| c.trim().is_empty())
        && text_value_type(first) == Some(HiveType::String);
    comment || title
}

/// Whether `row` can be a header with one name more or fewer than the data rows have
/// fields. A single name must not hold a space: that is a title.
fn mismatched_header(row: &[String], columns: usize) -> bool {
    let cells = match row.split_last() {
        Some((last, cells)) if row.len() == columns + 1 && last.trim().is_empty() => cells,
        _ => row,
    };
    (row.len() == columns + 1 || row.len() + 1 == columns)
        && cells.iter().all(|c| name_like(&unquoted(c)))
        && (cells.len() > 1 || cells.iter().all(|c| !c.trim().contains(' ')))
}

/// Where the table is among the parsed rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// The table's first row: its header, if it has one. Rows above it are a preamble.
    start: usize,
    /// The row after its last: where a second table starts, or the end.
    end: usize,
    /// The data rows' field count.
    columns: usize,
}

/// Finds the table: the first block of rows between blank lines that has at least
/// `min_columns` fields (notes aside), with the blocks after it that continue it. Its
/// header is the first row of that width, or the row just above it when that row is a
/// header with one name too many or too few.
fn locate(rows: &[Vec<String>], after_blank: &[bool], min_columns: usize) -> Option<Layout> {
    // Blocks: the rows from each row after a blank line (and the first) to the next.
    let mut starts: Vec<usize> = (1..rows.len()).filter(|&i| after_blank[i]).collect();
    starts.insert(0, 0);
    let blocks: Vec<(usize, usize)> = starts
        .iter()
        .zip(starts.iter().skip(1).chain([&rows.len()]))
        .map(|(&from, &to)| (from, to))
        .collect();
    let width = |(from, to): (usize, usize)| {
        field_counts(rows[from..to].iter().filter(|r| !is_note(r)).map(Vec::len)).0
    };
    let (block, &(from, to)) = blocks
        .iter()
        .enumerate()
        .find(|&(_, &b)| width(b) >= min_columns)?;
    let columns = width((from, to));
    let start = (from..to).find(|&i| !is_note(&rows[i]))?;
    // Rows of another width above it are a preamble, unless they hold typed values (a
    // short data row).
    let typed = |row: &[String]| {
        row.iter()
            .any(|c| text_value_type(c).is_some_and(|t| t != HiveType::String))
    };
    let full = (start..to)
        .find(|&i| !is_note(&rows[i]) && (rows[i].len() == columns || typed(&rows[i])))?;
    // Blocks of the same width continue the table, unless they start with another header.
    let mut end = to;
    for &(from, to) in &blocks[block + 1..] {
        let Some(lead) = (from..to).find(|&i| !is_note(&rows[i])) else {
            break;
        };
        let continues = width((from, to)) == columns
            && (rows[lead] == rows[full] || !is_header(&rows[lead], &rows[lead + 1..to], columns));
        if !continues {
            break;
        }
        end = to;
    }
    let start = if full > start
        && mismatched_header(&rows[full - 1], columns)
        && !is_header(&rows[full], &rows[full + 1..end], columns)
    {
        full - 1
    } else {
        full
    };
    Some(Layout {
        start,
        end,
        columns,
    })
}

/// Whether a record's quotes pair up as CSV's do: each quoted field closes, right before a
/// delimiter or the end of the line.
fn well_quoted(raw: &[u8], dialect: Dialect, quote: u8) -> bool {
    let mut inside = false;
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == quote {
            if inside && raw.get(i + 1) == Some(&quote) {
                i += 1;
            } else if inside {
                let next = raw.get(i + 1).copied();
                if next.is_some_and(|b| b != dialect.delimiter && b != b'\n' && b != b'\r') {
                    return false;
                }
                inside = false;
            } else {
                inside = true;
            }
        }
        i += 1;
    }
    !inside
}

/// A header line with a stray quote opens a quoted field that swallows the lines after it.
/// Returns the sample with that line's quotes removed, when one of the first rows is such a
/// record: it spans lines, its first line holds an odd number of quotes, and its quotes do
/// not pair up.
fn unstray(text: &[u8], parsed: &Parsed, dialect: Dialect) -> Option<Vec<u8>> {
    let quote = dialect.quote?;
    parsed.spans.iter().take(10).find_map(|&(start, end)| {
        let raw = text.get(start..end)?;
        let line_end = raw.iter().position(|&b| b == b'\n' || b == b'\r')?;
        let spans_lines = raw[line_end..].iter().any(|&b| b != b'\n' && b != b'\r');
        let quotes = raw[..line_end].iter().filter(|&&b| b == quote).count();
        (spans_lines && quotes % 2 == 1 && !well_quoted(raw, dialect, quote)).then(|| {
            let mut patched = text[..start].to_vec();
            patched.extend(raw[..line_end].iter().filter(|&&b| b != quote));
            patched.extend_from_slice(&text[start + line_end..]);
            patched
        })
    })
}

/// Line breaks (`\n`, `\r\n` or a lone `\r`) in `text` before `offset`.
fn lines_before(text: &[u8], offset: usize) -> u64 {
    let head = &text[..offset.min(text.len())];
    let lone_cr = head
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && text.get(i + 1) != Some(&b'\n'))
        .count();
    (head.iter().filter(|&&b| b == b'\n').count() + lone_cr) as u64
}

/// Whether every field after the first starts with a space: the delimiter is really the
/// two characters `, `.
fn space_after_delimiter(rows: &[Vec<String>]) -> bool {
    let mut fields = 0;
    for row in rows {
        for field in row.iter().skip(1) {
            if !field.starts_with(' ') {
                return false;
            }
            fields += 1;
        }
    }
    fields > 0
}

/// Whether `first` is a header over `data`.
fn is_header(first: &[String], data: &[Vec<String>], columns: usize) -> bool {
    // A header repeated inside the data (concatenated files) is not data.
    let data: Vec<Vec<String>> = data
        .iter()
        .filter(|row| row.as_slice() != first)
        .cloned()
        .collect();
    let data = data.as_slice();
    if data.is_empty() {
        // A lone row of names is a header with no data.
        return first.len() >= 2 && first.iter().all(|c| name_like(&unquoted(c)));
    }
    let candidates = column_candidates(data, columns, true);
    let typed_break = candidates.iter().zip(first).any(|(candidate, cell)| {
        candidate.hive_type() != HiveType::String
            && !is_null(cell.trim())
            && !candidate.accepts(cell.trim())
    });
    let typed_agree = candidates
        .iter()
        .zip(first)
        .filter(|(candidate, _)| candidate.hive_type() != HiveType::String)
        .all(|(candidate, cell)| !candidate.accepts(cell.trim()));
    if typed_break
        && typed_agree
        && first
            .iter()
            .take(columns)
            .all(|c| !c.trim().is_empty() || columns > 1)
    {
        return true;
    }
    // All-string columns: names that never recur below them.
    let all_string = candidates.iter().all(|c| c.hive_type() == HiveType::String);
    all_string
        && data.len() >= 2
        && first.iter().take(columns).all(|c| name_like(&unquoted(c)))
        && first.iter().take(columns).enumerate().all(|(i, cell)| {
            data.iter()
                .all(|row| row.get(i).is_none_or(|v| v.trim() != cell.trim()))
        })
}

/// Column names from a header: lower case, blanks and duplicates replaced.
fn header_names(first: &[String], columns: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(columns);
    // Found through a set, so that a header of tens of thousands of cells stays linear.
    let mut taken: HashSet<String> = HashSet::with_capacity(columns);
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    for i in 0..columns {
        let raw = first
            .get(i)
            .map(|c| c.trim().to_lowercase())
            .unwrap_or_default();
        let mut name = if raw.is_empty() {
            format!("col{i}")
        } else {
            raw
        };
        if taken.contains(&name) {
            // Each name remembers its next suffix, so a header repeating one name stays
            // linear too.
            let next = next_suffix.entry(name.clone()).or_insert(1);
            let base = name;
            loop {
                name = format!("{base}_{next}");
                *next += 1;
                if !taken.contains(&name) {
                    break;
                }
            }
        }
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

/// Recognizes delimited text and infers its dialect, header and column types.
#[derive(Debug, Clone, Default)]
pub struct CsvClassifier {
    options: CsvOptions,
}

impl CsvClassifier {
    /// A classifier with these sampling limits.
    pub fn new(options: CsvOptions) -> Self {
        CsvClassifier { options }
    }
}

fn looks_binary(text: &[u8]) -> bool {
    text.contains(&0)
        || std::str::from_utf8(&text[..text.len().min(4096)])
            .is_err_and(|e| e.error_len().is_some())
}

#[async_trait]
impl Classifier for CsvClassifier {
    fn name(&self) -> &str {
        "csv"
    }

    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError> {
        let size = object.info().size;
        let read = size.min(self.options.max_bytes);
        let sample = object.read_range(0..read).await?;
        let text = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&sample);
        let complete = read == size;
        if text.iter().all(|b| b.is_ascii_whitespace()) || looks_binary(text) {
            return Ok(None);
        }
        let options = &self.options;
        let min_columns = if options.allow_single_column { 1 } else { 2 };
        let mut warnings = Vec::new();
        let mut text = Cow::Borrowed(text);
        let (dialect, share, parsed) = loop {
            let Some((dialect, _, share)) = sniff(&text, complete, options) else {
                return Ok(None);
            };
            let parsed = records(dialect, &text, complete, options.max_records);
            if let Cow::Borrowed(sample) = text
                && let Some(patched) = unstray(sample, &parsed, dialect)
            {
                warnings.push(
                    "a stray quote in the header was ignored (it would open a quoted field)"
                        .to_string(),
                );
                text = Cow::Owned(patched);
                continue;
            }
            break (dialect, share, parsed);
        };
        let Parsed {
            mut rows,
            spans,
            after_blank,
            consumed,
        } = parsed;
        let Some(Layout {
            start,
            end,
            columns,
        }) = locate(&rows, &after_blank, min_columns)
        else {
            return Ok(None);
        };
        if end < rows.len() {
            let at = lines_before(&text, spans[end].0) + 1;
            warnings.push(format!(
                "another table starts at line {at}, after a blank line; only the first is \
                 described, and query engines read the lines after it as its rows"
            ));
        }
        let skipped = lines_before(&text, spans[start].0);
        let parsed_records = rows.len();
        rows.truncate(end);
        let mut rows = rows.split_off(start);
        let first = rows.remove(0);
        let header = match options.header {
            HeaderPolicy::Detect => is_header(&first, &rows, columns),
            HeaderPolicy::Present => true,
            HeaderPolicy::Absent => false,
        };
        if skipped > 0 {
            let above = if header { "header" } else { "data" };
            warnings.push(format!(
                "{skipped} lines above the {above} (titles, comments or blank lines) are skipped"
            ));
        }
        if !header {
            rows.insert(0, first.clone());
        } else {
            // Files concatenated with their headers repeat them inside the data.
            let before = rows.len();
            rows.retain(|row| row != &first);
            if rows.len() < before {
                warnings.push(format!(
                    "the header repeats {} times in the data; those rows are skipped",
                    before - rows.len()
                ));
            }
            if first.len() > columns {
                warnings.push(format!(
                    "the header has {} fields and the data rows {columns}; the names past \
                     the data's fields ({}) are dropped",
                    first.len(),
                    first[columns..].join(", ")
                ));
            } else if first.len() < columns {
                warnings.push(format!(
                    "the header has {} fields and the data rows {columns}; the columns it does \
                     not name are named col{}..",
                    first.len(),
                    first.len()
                ));
            }
            if first.iter().any(|c| c.contains('"')) {
                warnings.push("stray quotes in the header are left out of its names".into());
            }
        }
        let ragged = rows.iter().filter(|row| row.len() != columns).count();
        if ragged > 0 {
            warnings.push(format!(
                "{ragged} of {} sampled rows do not have {columns} fields; missing fields read as null",
                rows.len()
            ));
        }
        match dialect.delimiter {
            b',' if space_after_delimiter(&rows) => warnings.push(
                "fields are separated by a comma and a space; values start with that space, \
                 which a LazySimpleSerDe table keeps"
                    .into(),
            ),
            b' ' => warnings.push(
                "fields are separated by spaces, which Glue's CSV classifier does not detect"
                    .into(),
            ),
            _ => {}
        }

        let candidates = column_candidates(&rows, columns, options.trim_values);
        let mut names = if !options.header_names.is_empty() {
            if options.header_names.len() != columns {
                warnings.push(format!(
                    "the classifier names {} columns but the data has {columns}",
                    options.header_names.len()
                ));
            }
            (0..columns)
                .map(|i| {
                    options
                        .header_names
                        .get(i)
                        .map_or_else(|| format!("col{i}"), |n| n.to_lowercase())
                })
                .collect()
        } else if header {
            let first: Vec<String> = first.iter().map(|c| unquoted(c)).collect();
            header_names(&first, columns)
        } else {
            (0..columns).map(|i| format!("col{i}")).collect()
        };
        let mut types: Vec<HiveType> = match &options.allowed_types {
            None => candidates.iter().map(Candidates::hive_type).collect(),
            Some(allowed) => candidates
                .iter()
                .map(|c| c.restricted_type(allowed))
                .collect(),
        };
        // A trailing delimiter leaves an empty last column everywhere: drop it.
        let last_empty = candidates.last().is_some_and(|c| c.values == 0)
            && (!header || first.get(columns - 1).is_none_or(|c| c.trim().is_empty()));
        if last_empty && columns > 2 {
            names.pop();
            types.pop();
        }
        // Words separated by spaces are prose more often than a table of strings.
        if dialect.delimiter == b' ' && types.iter().all(|t| *t == HiveType::String) {
            return Ok(None);
        }
        let fields: Vec<Field> = names
            .into_iter()
            .zip(types)
            .map(|(n, t)| Field::new(n, t))
            .collect();

        let delimiter = char::from(dialect.delimiter);
        // A field that needed quotes shows as raw text containing the quote; a header's
        // stray quote does not count.
        let quote = dialect.quote.filter(|&quote| {
            spans[start..end]
                .iter()
                .enumerate()
                .any(|(i, &(from, to))| {
                    let raw = text.get(from..to).unwrap_or_default();
                    raw.contains(&quote) && (i > 0 || !header || well_quoted(raw, dialect, quote))
                })
        });
        // Quoted fields need the OpenCSV SerDe (as Glue's crawler chooses); plain ones read
        // with the faster LazySimpleSerDe.
        let serde = if quote.is_some() {
            "org.apache.hadoop.hive.serde2.OpenCSVSerde"
        } else {
            "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
        };
        // The header may span lines (a quoted newline), or end the object without one.
        let header_end = if header {
            lines_before(&text, spans[start].1).max(skipped + 1)
        } else {
            skipped
        };
        let mut properties = FormatProperties {
            delimiter: Some(delimiter),
            quote: quote.map(char::from),
            header: Some(header),
            skip_lines: (header_end > 0).then_some(header_end),
            ..FormatProperties::text(serde)
        };
        match quote {
            Some(quote) => {
                let parameters = &mut properties.serde_parameters;
                parameters.insert("separatorChar".into(), delimiter.to_string());
                parameters.insert("quoteChar".into(), char::from(quote).to_string());
            }
            None => {
                properties
                    .serde_parameters
                    .insert("field.delim".into(), delimiter.to_string());
            }
        }
        let every_row_read = complete && parsed_records < self.options.max_records;
        let statistics = match object.statistics_mode() {
            // A schema past the width limit is refused: its figures would go unused.
            StatisticsMode::Off => None,
            _ if fields.len() > crate::limits::MAX_COLUMNS => None,
            mode => {
                let mut figures = TextFigures::new(&fields, mode);
                for row in &rows {
                    figures.add_row(row.iter().map(|cell| {
                        let value = if options.trim_values {
                            cell.trim()
                        } else {
                            cell.as_str()
                        };
                        (!is_null(value)).then_some(value)
                    }));
                }
                Some(figures.finish(!every_row_read))
            }
        };
        let sampled_records = rows.len() + usize::from(header);
        if every_row_read {
            properties.record_count = Some(rows.len() as u64);
        } else if !rows.is_empty() {
            let per_record = consumed.max(1) as f64 / sampled_records as f64;
            properties.record_count =
                Some(((size as f64 / per_record) - f64::from(u8::from(header))).max(0.0) as u64);
            properties.record_count_estimated = true;
        }
        Ok(Some(Classification {
            classification: "csv".into(),
            certainty: share.clamp(0.01, 1.0),
            schema: Schema::new(fields),
            properties,
            warnings,
            statistics,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::InMemoryObject;

    async fn classify(text: &str) -> Option<Classification> {
        CsvClassifier::default()
            .classify(&InMemoryObject::new("x.csv", text.as_bytes().to_vec()))
            .await
            .unwrap()
    }

    /// The columns of a classification, as `name:type`.
    fn described(found: &Classification) -> Vec<String> {
        found
            .schema
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.data_type))
            .collect()
    }

    async fn classified(text: &str) -> Classification {
        classify(text)
            .await
            .unwrap_or_else(|| panic!("not csv: {text:?}"))
    }

    async fn shape(text: &str) -> (char, bool, Vec<String>) {
        let found = classified(text).await;
        let columns = described(&found);
        (
            found.properties.delimiter.unwrap(),
            found.properties.header.unwrap(),
            columns,
        )
    }

    #[tokio::test]
    async fn types_and_header() {
        let (delimiter, header, columns) = shape(
            "id,name,price,active,day,at,code\n\
             1,apple,1.5,true,2024-01-05,2024-01-05 10:00:00,007\n\
             2,pear,2,FALSE,2024-02-29,2024-02-29 23:59:59.123,010\n\
             -3,\"fig, dried\",1e3,true,2024-12-31,2024-12-31 00:00:00,123\n",
        )
        .await;
        assert_eq!((delimiter, header), (',', true));
        assert_eq!(
            columns,
            [
                "id:bigint",
                "name:string",
                "price:double",
                "active:boolean",
                "day:date",
                "at:timestamp",
                "code:string"
            ]
        );
    }

    #[tokio::test]
    async fn dialects() {
        for (text, expected) in [
            ("a\tb\tc\n1\t2\t3\n4\t5\t6\n", '\t'),
            ("a|b\n1|2\n3|4\n", '|'),
            ("a;b;c\n1,5;2;x\n3,5;4;y\n", ';'),
            ("a\u{1}b\n1\u{1}2\n3\u{1}4\n", '\u{1}'),
        ] {
            assert_eq!(shape(text).await.0, expected, "{text:?}");
        }
    }

    #[tokio::test]
    async fn all_string_files() {
        // Names that never recur below them: a header, which Glue would miss.
        let (_, header, columns) = shape("first,last\nada,lovelace\ngrace,hopper\n").await;
        assert!(header);
        assert_eq!(columns, ["first:string", "last:string"]);
        // Rows of the same kind as the first: no header, columns col0...
        let (_, header, columns) = shape("ada,lovelace\ngrace,hopper\nada,byron\n").await;
        assert!(!header);
        assert_eq!(columns, ["col0:string", "col1:string"]);
    }

    #[tokio::test]
    async fn line_ends_bom_quotes_and_trailing_delimiters() {
        let crlf = shape("\u{feff}a,b\r\n1,x\r\n2,y\r\n").await;
        assert_eq!(crlf.2, ["a:bigint", "b:string"]);
        let cr = shape("a,b\r1,x\r2,y\r").await;
        assert_eq!(cr.2, ["a:bigint", "b:string"]);
        let multiline = shape("id,note\n1,\"line one\nline two\"\n2,\"x\"\n").await;
        assert_eq!(multiline.2, ["id:bigint", "note:string"]);
        let trailing = shape("a,b,c,\n1,2,3,\n4,5,6,\n").await;
        assert_eq!(trailing.2, ["a:bigint", "b:bigint", "c:bigint"]);
        let found = classify("id,name\n1,\"x\"\n2,\"y, z\"\n").await.unwrap();
        assert_eq!(found.properties.quote, Some('"'));
        assert_eq!(
            found.properties.serde_library.as_deref(),
            Some("org.apache.hadoop.hive.serde2.OpenCSVSerde")
        );
        let plain = classify("id,name\n1,x\n").await.unwrap();
        assert_eq!(plain.properties.quote, None);
        assert_eq!(plain.properties.serde_parameters["field.delim"], ",");
    }

    #[tokio::test]
    async fn ragged_rows_repeated_headers_and_nulls() {
        let found = classified("a,b,c\n1,2,3\n4,5\n6,7,8\na,b,c\n9,,\\N\n").await;
        assert_eq!(described(&found), ["a:bigint", "b:bigint", "c:bigint"]);
        assert_eq!(found.warnings.len(), 2, "{:?}", found.warnings);
        assert_eq!(found.properties.record_count, Some(4));
    }

    /// What the classifier says about a hard file: its columns, header decision, lines to
    /// skip and warnings.
    async fn hard(text: &str) -> (Vec<String>, bool, Option<u64>, Vec<String>) {
        let found = classified(text).await;
        let columns = described(&found);
        let p = found.properties;
        (columns, p.header.unwrap(), p.skip_lines, found.warnings)
    }

    #[tokio::test]
    async fn preamble_lines_are_skipped() {
        for (text, columns, header, skip, warning) in [
            (
                "Quarterly sales report\n\nid,name\n1,ada\n2,bob\n",
                &["id:bigint", "name:string"][..],
                true,
                Some(3),
                "2 lines above the header",
            ),
            (
                "# source: warehouse, nightly\n# more\nid;price\n1;2.5\n2;3.5\n",
                &["id:bigint", "price:double"],
                true,
                Some(3),
                "2 lines above the header",
            ),
            // A spreadsheet's title row: the title, then empty cells.
            (
                "Export of orders,,\n\nid,day,qty\n1,2024-01-01,3\n2,2024-01-02,4\n",
                &["id:bigint", "day:date", "qty:bigint"],
                true,
                Some(3),
                "2 lines above the header",
            ),
            (
                "Sales report 2024\n1,2.5\n2,3.5\n",
                &["col0:bigint", "col1:double"],
                false,
                Some(1),
                "1 lines above the data",
            ),
        ] {
            let found = hard(text).await;
            assert_eq!(found.0, columns, "{text:?}");
            assert_eq!((found.1, found.2), (header, skip), "{text:?}");
            assert!(found.3.iter().any(|w| w.starts_with(warning)), "{found:?}");
        }
    }

    #[tokio::test]
    async fn headers_with_a_name_too_many_or_too_few() {
        for (text, columns, warning) in [
            (
                "id,price,notes\n1,2.5\n2,3.5\n",
                &["id:bigint", "price:double"][..],
                "the header has 3 fields and the data rows 2; the names past the data's fields (notes)",
            ),
            (
                "id|price\n1|2.5|x\n2|3.5|y\n",
                &["id:bigint", "price:double", "col2:string"],
                "the header has 2 fields and the data rows 3; the columns it does not name are named col2",
            ),
        ] {
            let (found, header, skip, warnings) = hard(text).await;
            assert_eq!(found, columns);
            assert_eq!((header, skip), (true, Some(1)));
            assert!(
                warnings.iter().any(|w| w.starts_with(warning)),
                "{warnings:?}"
            );
        }
        // A one-cell title is not a header missing a name.
        let (found, header, _, _) = hard("Sales report\n1,2\n3,4\n").await;
        assert_eq!(found, ["col0:bigint", "col1:bigint"]);
        assert!(!header);
        // A short data row at the top stays data.
        let (found, header, skip, _) = hard("1,2\n3,4,5\n6,7,8\n").await;
        assert_eq!((found.len(), header, skip), (3, false, None), "{found:?}");
    }

    #[tokio::test]
    async fn stray_quotes_in_the_header() {
        // The quote would open a field that swallows the data: it is ignored, and the live
        // quotes of the data still choose the OpenCSV SerDe.
        let text = "id,\"name,note\n1,ada,\"a, b\"\n2,bob,\"c, d\"\n";
        let found = classified(text).await;
        assert_eq!(
            described(&found),
            ["id:bigint", "name:string", "note:string"]
        );
        assert_eq!(found.properties.quote, Some('"'));
        assert!(found.warnings[0].starts_with("a stray quote in the header was ignored"));
        // Inside a name, with no quoted data: left out of the name, plain SerDe.
        let found = classified("id,na\"me\n1,ada\n2,bob\n").await;
        assert_eq!(described(&found), ["id:bigint", "name:string"]);
        assert_eq!(found.properties.quote, None);
        // A quoted newline in the first data row is not a stray quote.
        let (columns, ..) = hard("1,\"line one\nline two\"\n2,x\n3,y\n").await;
        assert_eq!(columns, ["col0:bigint", "col1:string"]);
    }

    #[tokio::test]
    async fn a_second_table_ends_the_first() {
        for text in [
            "id,price\n1,2.5\n2,3.5\n\na,b,c,d\n1,2,3,4\n5,6,7,8\n9,1,2,3\n4,5,6,7\n",
            "id,price\n1,2.5\n2,3.5\n\nTotals\nx,y\n3,z\n",
        ] {
            let (columns, header, _, warnings) = hard(text).await;
            assert_eq!(columns, ["id:bigint", "price:double"]);
            assert!(header);
            assert!(
                warnings
                    .iter()
                    .any(|w| w.starts_with("another table starts at line 5")),
                "{warnings:?}"
            );
        }
        // Blank lines inside one table do not split it.
        let (columns, _, _, warnings) = hard("id,price\n1,2.5\n\n2,3.5\n\n").await;
        assert_eq!(columns, ["id:bigint", "price:double"]);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[tokio::test]
    async fn space_and_comma_space_delimiters() {
        let found = classify("id price day\n1 2.5 2024-01-01\n2 3.5 2024-01-02\n")
            .await
            .unwrap();
        assert_eq!(found.properties.delimiter, Some(' '));
        assert_eq!(found.schema.fields.len(), 3);
        assert!(found.warnings[0].contains("spaces"));
        // Words are prose, not a table of strings.
        assert!(classify("hello there\nsee you\nbye now\n").await.is_none());
        // A comma file whose values hold spaces stays a comma file.
        let tie = classify("at,n\n2024-01-01 10:00:00,1\n2024-01-02 11:00:00,2\n")
            .await
            .unwrap();
        assert_eq!(tie.properties.delimiter, Some(','));
        let (columns, header, _, warnings) =
            hard("id, name, price\n1, ada, 2.5\n2, bob, 3\n").await;
        assert_eq!(columns, ["id:bigint", "name:string", "price:double"]);
        assert!(header);
        assert!(warnings[0].starts_with("fields are separated by a comma and a space"));
    }

    #[tokio::test]
    async fn header_only_files_and_skip_lines() {
        for text in ["id,name,price\n", "id\tname\r\n", "id;name"] {
            let (columns, header, skip, _) = hard(text).await;
            assert!(header && skip == Some(1), "{text:?}: {columns:?}");
        }
        // A header that spans two lines (a quoted newline) skips both.
        let (_, header, skip, _) = hard("id,\"long\nname\"\n1,x\n2,y\n").await;
        assert_eq!((header, skip), (true, Some(2)));
        let (_, header, skip, _) = hard("1,x\n2,y\n").await;
        assert_eq!((header, skip), (false, None));
    }

    #[tokio::test]
    async fn not_csv() {
        for text in ["", "\n\n", "just one column\nof text\n", "{\"a\": 1}"] {
            assert!(classify(text).await.is_none(), "{text:?}");
        }
        let binary = CsvClassifier::default()
            .classify(&InMemoryObject::new("x", vec![0u8, 1, 2, b',', 3, b'\n']))
            .await
            .unwrap();
        assert!(binary.is_none());
    }

    #[test]
    fn value_types() {
        assert!(is_bigint("0") && is_bigint("-12") && !is_bigint("007") && !is_bigint("1.0"));
        assert!(!is_bigint("99999999999999999999"));
        assert!(is_double("1.5") && is_double("-0.5") && is_double("1e9") && is_double("2.5E-3"));
        assert!(!is_double("1,5") && !is_double("007.5") && !is_double("1.") && !is_double("abc"));
        assert!(is_date("2024-02-29") && !is_date("2024-13-01") && !is_date("01/02/2024"));
        assert!(is_timestamp("2024-01-05 10:00:00") && is_timestamp("2024-01-05 10:00:00.5"));
        assert!(!is_timestamp("2024-01-05T10:00:00") && !is_timestamp("2024-01-05 25:00:00"));
    }

    #[tokio::test]
    async fn allowed_types_restrict_inference() {
        let text = "small,big,ratio,day\n1,3000000000,1.5,2024-01-01\n2,4,2.5,2024-01-02\n";
        let classify = |allowed: Vec<HiveType>| {
            let classifier = CsvClassifier::new(CsvOptions {
                allowed_types: Some(allowed),
                ..CsvOptions::default()
            });
            async move {
                let found = classifier
                    .classify(&InMemoryObject::new("x.csv", text.as_bytes().to_vec()))
                    .await
                    .unwrap()
                    .unwrap();
                found
                    .schema
                    .fields
                    .iter()
                    .map(|f| f.data_type.to_string())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            classify(vec![
                HiveType::SmallInt,
                HiveType::Int,
                HiveType::BigInt,
                HiveType::Float
            ])
            .await,
            ["smallint", "bigint", "float", "string"]
        );
        assert_eq!(
            classify(vec![HiveType::Int, HiveType::Timestamp]).await,
            ["int", "string", "string", "timestamp"]
        );
        assert_eq!(
            classify(vec![]).await,
            ["string", "string", "string", "string"]
        );
    }
}
