//! Column statistics of the rows objects hold: exact figures from the footers of Parquet
//! and ORC objects, estimates from the sampled rows of text objects, and optional
//! distinct-value sketches. Figures of several objects merge into a partition's and a
//! table's.
//!
//! Only top-level columns of primitive types get figures; a figure a source does not
//! record is `None` (unknown), never guessed.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;

use datasketches::hll::{HllSketch, HllType, HllUnion};

use crate::schema::{Field, HiveType, Schema};

/// How much a classifier computes beyond the schema.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatisticsMode {
    /// No statistics.
    Off,
    /// Counts, bounds and lengths (from footers, or the rows a text sample holds).
    #[default]
    Figures,
    /// Figures, and a distinct-value sketch of the rows read.
    WithDistinctValues,
}

/// Bits of the sketch's register index: 2^11 registers of 4 bits, about 1 KiB, for a
/// relative error of about 2.3% (one standard deviation).
const SKETCH_LG_K: u8 = 11;

/// A mergeable estimate of the distinct values of a column (an Apache DataSketches HLL
/// sketch, whose bytes the Java and C++ libraries read too).
#[derive(Clone)]
pub struct DistinctValues(Box<HllSketch>);

impl DistinctValues {
    /// An empty sketch.
    pub fn new() -> DistinctValues {
        // The configuration is a constant within the library's range.
        DistinctValues(Box::new(
            HllSketch::new(SKETCH_LG_K, HllType::Hll4).unwrap_or_else(|_| unreachable!()),
        ))
    }

    /// Counts a value, given as bytes.
    pub fn add(&mut self, value: &[u8]) {
        self.0.update(value);
    }

    /// Whether no value was counted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The estimated number of distinct values.
    pub fn estimate(&self) -> u64 {
        self.0.estimate().round().max(0.0) as u64
    }

    /// Both sketches' values.
    pub fn merge(&self, other: &DistinctValues) -> DistinctValues {
        let mut union = HllUnion::new(SKETCH_LG_K).unwrap_or_else(|_| unreachable!());
        union.update(&self.0);
        union.update(&other.0);
        DistinctValues(Box::new(union.to_sketch(HllType::Hll4)))
    }

    /// The sketch's bytes, for storing.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.serialize()
    }

    /// A stored sketch; `None` when the bytes are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<DistinctValues> {
        HllSketch::deserialize(bytes)
            .ok()
            .map(|sketch| DistinctValues(Box::new(sketch)))
    }
}

impl Default for DistinctValues {
    fn default() -> Self {
        DistinctValues::new()
    }
}

impl fmt::Debug for DistinctValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DistinctValues(~{})", self.estimate())
    }
}

impl PartialEq for DistinctValues {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

/// A smallest or largest value.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A decimal: unscaled value and scale.
    Decimal(i128, i8),
    /// A date, in days since 1970-01-01.
    Date(i32),
    /// A timestamp, in microseconds since 1970-01-01 00:00 UTC.
    Timestamp(i64),
}

impl Bound {
    /// Orders two bounds of the same kind; `None` across kinds (after schema changes).
    fn compare(&self, other: &Bound) -> Option<Ordering> {
        match (self, other) {
            (Bound::Int(a), Bound::Int(b)) => Some(a.cmp(b)),
            (Bound::Float(a), Bound::Float(b)) => a.partial_cmp(b),
            (Bound::Int(a), Bound::Float(b)) => (*a as f64).partial_cmp(b),
            (Bound::Float(a), Bound::Int(b)) => a.partial_cmp(&(*b as f64)),
            (Bound::Decimal(a, sa), Bound::Decimal(b, sb)) if sa == sb => Some(a.cmp(b)),
            (Bound::Date(a), Bound::Date(b)) => Some(a.cmp(b)),
            (Bound::Timestamp(a), Bound::Timestamp(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Lengths of a string or binary column's values that are not null, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lengths {
    /// Their sum.
    pub total: u64,
    /// Values counted.
    pub values: u64,
    /// The longest; `None` when the source records only the sum.
    pub max: Option<u64>,
}

/// Figures of one column over some rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnFigures {
    /// Null values; `None` when not recorded.
    pub nulls: Option<u64>,
    /// The smallest value; `None` when there are none, or when not `bounds_known`.
    pub min: Option<Bound>,
    /// The largest value.
    pub max: Option<Bound>,
    /// Whether `min` and `max` cover every value.
    pub bounds_known: bool,
    /// Lengths of string and binary values.
    pub lengths: Option<Lengths>,
    /// True values of a boolean column.
    pub trues: Option<u64>,
    /// False values of a boolean column.
    pub falses: Option<u64>,
    /// Distinct values, when sketched.
    pub distinct: Option<DistinctValues>,
}

impl ColumnFigures {
    /// Figures of a column that `rows` rows do not have (added to the schema later): engines
    /// read it as null there. It has a sketch (an empty one) when `like` has one.
    fn absent(rows: u64, like: &ColumnFigures) -> ColumnFigures {
        ColumnFigures {
            nulls: Some(rows),
            bounds_known: true,
            lengths: Some(Lengths {
                max: Some(0),
                ..Lengths::default()
            }),
            trues: Some(0),
            falses: Some(0),
            distinct: like.distinct.as_ref().map(|_| DistinctValues::new()),
            ..ColumnFigures::default()
        }
    }

    /// Widens the bounds to take in values from `min` to `max`.
    pub(crate) fn widen(&mut self, min: &Bound, max: &Bound) {
        if self
            .min
            .as_ref()
            .is_none_or(|held| min.compare(held) == Some(Ordering::Less))
        {
            self.min = Some(min.clone());
        }
        if self
            .max
            .as_ref()
            .is_none_or(|held| max.compare(held) == Some(Ordering::Greater))
        {
            self.max = Some(max.clone());
        }
    }

    /// Adds another set of rows' figures to these: counts add up, bounds widen, sketches
    /// merge; a figure unknown on either side becomes unknown.
    fn absorb(&mut self, other: &ColumnFigures) {
        let sum = |a: Option<u64>, b: Option<u64>| Some(a? + b?);
        self.nulls = sum(self.nulls, other.nulls);
        self.trues = sum(self.trues, other.trues);
        self.falses = sum(self.falses, other.falses);
        let comparable = |held: &Option<Bound>, more: &Option<Bound>| match (held, more) {
            (Some(x), Some(y)) => x.compare(y).is_some(),
            _ => true,
        };
        if self.bounds_known
            && other.bounds_known
            && comparable(&self.min, &other.min)
            && comparable(&self.max, &other.max)
        {
            if let Some(min) = &other.min
                && self
                    .min
                    .as_ref()
                    .is_none_or(|held| min.compare(held) == Some(Ordering::Less))
            {
                self.min = Some(min.clone());
            }
            if let Some(max) = &other.max
                && self
                    .max
                    .as_ref()
                    .is_none_or(|held| max.compare(held) == Some(Ordering::Greater))
            {
                self.max = Some(max.clone());
            }
        } else {
            self.bounds_known = false;
            self.min = None;
            self.max = None;
        }
        self.lengths = match (self.lengths, other.lengths) {
            (Some(a), Some(b)) => Some(Lengths {
                total: a.total + b.total,
                values: a.values + b.values,
                max: a.max.zip(b.max).map(|(x, y)| x.max(y)),
            }),
            _ => None,
        };
        self.distinct = match (self.distinct.take(), &other.distinct) {
            (Some(held), Some(more)) if more.is_empty() => Some(held),
            (Some(held), Some(more)) if held.is_empty() => Some(more.clone()),
            (Some(held), Some(more)) => Some(held.merge(more)),
            _ => None,
        };
    }
}

/// Figures by column name, in the order columns were added (an object's schema order). A
/// vector rather than a map: an object has a few columns, and a crawl builds one such set
/// per object read, so its size and allocations count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns(Vec<(String, ColumnFigures)>);

impl Columns {
    /// The figures of column `name`.
    pub fn get(&self, name: &str) -> Option<&ColumnFigures> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// The figures of column `name`, to change.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut ColumnFigures> {
        self.0.iter_mut().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// Whether column `name` has figures.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets the figures of column `name`.
    pub fn insert(&mut self, name: String, figures: ColumnFigures) {
        match self.get_mut(&name) {
            Some(held) => *held = figures,
            None => self.0.push((name, figures)),
        }
    }

    /// Takes the figures of column `name` out.
    pub fn remove(&mut self, name: &str) -> Option<ColumnFigures> {
        let at = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(at).1)
    }

    /// How many columns have figures.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no column has figures.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The column names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(n, _)| n)
    }

    /// The figures, in order.
    pub fn values(&self) -> impl Iterator<Item = &ColumnFigures> {
        self.0.iter().map(|(_, f)| f)
    }

    /// Names and figures, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &ColumnFigures)> {
        self.0.iter().map(|(n, f)| (n, f))
    }

    /// Names and figures to change, in order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut ColumnFigures)> {
        self.0.iter_mut().map(|(n, f)| (&*n, f))
    }
}

impl std::ops::Index<&str> for Columns {
    type Output = ColumnFigures;

    fn index(&self, name: &str) -> &ColumnFigures {
        self.get(name)
            .unwrap_or_else(|| panic!("no figures of column {name}"))
    }
}

impl FromIterator<(String, ColumnFigures)> for Columns {
    fn from_iter<I: IntoIterator<Item = (String, ColumnFigures)>>(iter: I) -> Columns {
        let mut columns = Columns::default();
        for (name, figures) in iter {
            columns.insert(name, figures);
        }
        columns
    }
}

impl IntoIterator for Columns {
    type Item = (String, ColumnFigures);
    type IntoIter = std::vec::IntoIter<(String, ColumnFigures)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Statistics of the rows of one or more objects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowStatistics {
    /// Rows the figures cover.
    pub rows: u64,
    /// Whether the figures come from a sample of the rows (text formats), not all of them.
    pub sampled: bool,
    /// Figures of the top-level columns, by name.
    pub columns: Columns,
}

impl RowStatistics {
    /// Adds another set of rows' figures: counts add up, bounds widen, sketches merge. A
    /// column that one side lacks is null in that side's rows.
    pub fn merge(&mut self, other: &RowStatistics) {
        if self.rows == 0 && self.columns.is_empty() {
            // Nothing yet (the start of a partition's or a table's figures).
            let sampled = self.sampled;
            self.clone_from(other);
            self.sampled |= sampled;
            return;
        }
        self.rows += other.rows;
        self.sampled |= other.sampled;
        // The common case, objects of one schema: the same columns, paired in order.
        if self.columns.len() == other.columns.len() && self.columns.keys().eq(other.columns.keys())
        {
            for ((_, mine), theirs) in self.columns.iter_mut().zip(other.columns.values()) {
                mine.absorb(theirs);
            }
            return;
        }
        let own_rows = self.rows - other.rows;
        // Columns found by name through an index, so that merging wide schemas stays linear.
        let theirs_at: HashMap<&str, usize> = other
            .columns
            .keys()
            .enumerate()
            .map(|(i, name)| (name.as_str(), i))
            .collect();
        for (name, mine) in self.columns.0.iter_mut() {
            match theirs_at.get(name.as_str()) {
                Some(&i) => mine.absorb(&other.columns.0[i].1),
                None => {
                    let absent = ColumnFigures::absent(other.rows, mine);
                    mine.absorb(&absent);
                }
            }
        }
        let mine: HashSet<&str> = self.columns.keys().map(String::as_str).collect();
        let added: Vec<(String, ColumnFigures)> = other
            .columns
            .iter()
            .filter(|(name, _)| !mine.contains(name.as_str()))
            .map(|(name, theirs)| {
                let mut figures = ColumnFigures::absent(own_rows, theirs);
                figures.absorb(theirs);
                (name.clone(), figures)
            })
            .collect();
        self.columns.0.extend(added);
    }
}

/// Figures of one object's rows by position: one entry per top-level column of the object's
/// schema, `None` for a column without figures (arrays, maps, structs, unknown). Names come
/// from the schema when figures of objects are combined, so an object's figures cost no
/// allocation per column: a crawl makes one set per object read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectFigures {
    /// Rows the figures cover.
    pub rows: u64,
    /// Whether the figures come from a sample of the rows (text formats), not all of them.
    pub sampled: bool,
    /// Figures of the schema's top-level columns, in order.
    pub columns: Vec<Option<ColumnFigures>>,
}

impl ObjectFigures {
    /// The figures by column name, named by `schema` (the object's).
    pub fn named(&self, schema: &Schema) -> RowStatistics {
        self.clone().into_named(schema)
    }

    /// The figures by column name, named by `schema` (the object's).
    pub fn into_named(self, schema: &Schema) -> RowStatistics {
        RowStatistics {
            rows: self.rows,
            sampled: self.sampled,
            columns: schema
                .fields
                .iter()
                .zip(self.columns)
                .filter_map(|(field, figures)| Some((field.name.clone(), figures?)))
                .collect(),
        }
    }
}

impl RowStatistics {
    /// Adds one object's figures; `schema` is the object's, and names its columns. Figures
    /// made from objects of the same schema pair up in order, without looking names up.
    pub fn absorb_object(&mut self, object: &ObjectFigures, schema: &Schema) {
        let present = object.columns.iter().flatten().count();
        let same_columns = self.columns.len() == present
            && self.rows > 0
            && schema
                .fields
                .iter()
                .zip(&object.columns)
                .filter(|(_, figures)| figures.is_some())
                .map(|(field, _)| &field.name)
                .eq(self.columns.keys());
        if !same_columns {
            self.merge(&object.named(schema));
            return;
        }
        self.rows += object.rows;
        self.sampled |= object.sampled;
        for ((_, mine), theirs) in self.columns.iter_mut().zip(object.columns.iter().flatten()) {
            mine.absorb(theirs);
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Days since 1970-01-01 of `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i64 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(5..7)?.parse().ok()?;
    let day: u32 = text.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    i32::try_from(days_from_civil(year, month, day)).ok()
}

/// Microseconds since 1970-01-01 00:00 of `YYYY-MM-DD[ T]HH:MM:SS[.fraction]`, read as UTC
/// (Hive's `timestamp` has no zone).
fn parse_timestamp(text: &str) -> Option<i64> {
    let days = i64::from(parse_date(text.get(0..10)?)?);
    let time = text.get(11..)?;
    if !matches!(text.as_bytes().get(10), Some(b' ' | b'T')) {
        return None;
    }
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut parts = clock.split(':');
    let mut next = || -> Option<i64> { parts.next()?.parse().ok() };
    let (hours, minutes, seconds) = (next()?, next()?, next()?);
    let digits: String = fraction.chars().take(6).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros = if digits.is_empty() {
        0
    } else {
        digits.parse::<i64>().ok()? * 10i64.pow(6 - digits.len() as u32)
    };
    Some(((days * 24 + hours) * 60 + minutes) * 60_000_000 + seconds * 1_000_000 + micros)
}

/// Collects figures of text values (CSV fields, JSON scalars) for columns of known types.
#[derive(Debug)]
pub struct TextFigures {
    /// Each column's type (`None` for arrays, maps and structs, which have no figures) and
    /// figures.
    columns: Vec<(Option<HiveType>, ColumnFigures)>,
    rows: u64,
    sketch: bool,
}

impl TextFigures {
    /// A collector for `fields`.
    pub fn new(fields: &[Field], mode: StatisticsMode) -> TextFigures {
        let sketch = mode == StatisticsMode::WithDistinctValues;
        let columns = fields
            .iter()
            .map(|field| {
                let text = matches!(field.data_type, HiveType::String | HiveType::Binary);
                let boolean = field.data_type == HiveType::Boolean;
                let figures = ColumnFigures {
                    nulls: Some(0),
                    bounds_known: true,
                    lengths: text.then(|| Lengths {
                        max: Some(0),
                        ..Lengths::default()
                    }),
                    trues: boolean.then_some(0),
                    falses: boolean.then_some(0),
                    distinct: sketch.then(DistinctValues::new),
                    ..ColumnFigures::default()
                };
                let primitive = field.data_type.is_primitive();
                (primitive.then(|| field.data_type.clone()), figures)
            })
            .collect();
        TextFigures {
            columns,
            rows: 0,
            sketch,
        }
    }

    /// Adds a row: one value per column in order, `None` for a null (a missing field too).
    pub fn add_row<'a>(&mut self, values: impl IntoIterator<Item = Option<&'a str>>) {
        self.rows += 1;
        let mut values = values.into_iter();
        for (data_type, figures) in &mut self.columns {
            match (values.next().flatten(), data_type) {
                (_, None) => {}
                (None, Some(_)) => figures.nulls = figures.nulls.map(|n| n + 1),
                (Some(value), Some(data_type)) => observe(data_type, figures, value, self.sketch),
            }
        }
    }

    /// The figures of the rows added.
    pub fn finish(self, sampled: bool) -> ObjectFigures {
        ObjectFigures {
            rows: self.rows,
            sampled,
            columns: self
                .columns
                .into_iter()
                .map(|(data_type, figures)| data_type.map(|_| figures))
                .collect(),
        }
    }
}

/// Adds one value that is not null to a column's figures.
fn observe(data_type: &HiveType, figures: &mut ColumnFigures, value: &str, sketch: bool) {
    if sketch && let Some(distinct) = &mut figures.distinct {
        distinct.add(value.as_bytes());
    }
    let bound = match data_type {
        HiveType::TinyInt | HiveType::SmallInt | HiveType::Int | HiveType::BigInt => {
            value.parse().ok().map(Bound::Int)
        }
        HiveType::Float | HiveType::Double => value.parse().ok().map(Bound::Float),
        HiveType::Date => parse_date(value).map(Bound::Date),
        HiveType::Timestamp => parse_timestamp(value).map(Bound::Timestamp),
        HiveType::Boolean => {
            if value.eq_ignore_ascii_case("true") {
                figures.trues = figures.trues.map(|n| n + 1);
            } else if value.eq_ignore_ascii_case("false") {
                figures.falses = figures.falses.map(|n| n + 1);
            } else {
                // A value engines read as null.
                figures.nulls = figures.nulls.map(|n| n + 1);
            }
            return;
        }
        HiveType::String | HiveType::Binary => {
            if let Some(lengths) = &mut figures.lengths {
                let length = value.len() as u64;
                lengths.total += length;
                lengths.values += 1;
                lengths.max = Some(lengths.max.unwrap_or(0).max(length));
            }
            return;
        }
        HiveType::Decimal { .. } | HiveType::Array(_) | HiveType::Map(..) | HiveType::Struct(_) => {
            return;
        }
    };
    let Some(bound) = bound else {
        // A value that does not parse as the column's type reads as null in engines.
        figures.nulls = figures.nulls.map(|n| n + 1);
        return;
    };
    figures.widen(&bound, &bound);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, data_type: HiveType) -> Field {
        Field::new(name, data_type)
    }

    fn figures_of(
        fields: &[Field],
        rows: &[&[Option<&str>]],
        mode: StatisticsMode,
    ) -> RowStatistics {
        let mut collector = TextFigures::new(fields, mode);
        for row in rows {
            collector.add_row(row.iter().copied());
        }
        collector
            .finish(true)
            .into_named(&Schema::new(fields.to_vec()))
    }

    #[test]
    fn text_values_give_typed_figures() {
        let fields = [
            field("id", HiveType::BigInt),
            field("price", HiveType::Double),
            field("name", HiveType::String),
            field("ok", HiveType::Boolean),
            field("day", HiveType::Date),
            field("at", HiveType::Timestamp),
        ];
        let rows: [&[Option<&str>]; 4] = [
            &[
                Some("5"),
                Some("1.5"),
                Some("apple"),
                Some("true"),
                Some("2024-01-05"),
                Some("2024-01-05 10:00:00"),
            ],
            &[
                Some("-3"),
                Some("20"),
                Some("fig"),
                Some("FALSE"),
                Some("2023-12-31"),
                Some("1970-01-01T00:00:01.5"),
            ],
            &[
                None,
                Some("x"),
                None,
                Some("True"),
                Some("2024-02-29"),
                None,
            ],
            // A short row: the missing fields are null.
            &[Some("7")],
        ];
        let stats = figures_of(&fields, &rows, StatisticsMode::Figures);
        assert_eq!(stats.rows, 4);
        assert!(stats.sampled);
        let id = &stats.columns["id"];
        assert_eq!(
            (id.nulls, &id.min, &id.max),
            (Some(1), &Some(Bound::Int(-3)), &Some(Bound::Int(7)))
        );
        assert!(id.bounds_known);
        assert!(id.distinct.is_none(), "no sketch unless asked");
        let price = &stats.columns["price"];
        assert_eq!(price.nulls, Some(2), "`x` does not read as a double");
        assert_eq!(price.max, Some(Bound::Float(20.0)));
        let name = &stats.columns["name"];
        assert_eq!(
            name.lengths,
            Some(Lengths {
                total: 8,
                values: 2,
                max: Some(5)
            })
        );
        assert_eq!(name.nulls, Some(2));
        let ok = &stats.columns["ok"];
        assert_eq!((ok.trues, ok.falses, ok.nulls), (Some(2), Some(1), Some(1)));
        let day = &stats.columns["day"];
        assert_eq!(day.min, Some(Bound::Date(19_722)), "2023-12-31");
        assert_eq!(day.max, Some(Bound::Date(19_782)), "2024-02-29");
        let at = &stats.columns["at"];
        assert_eq!(at.min, Some(Bound::Timestamp(1_500_000)));
        assert_eq!(at.max, Some(Bound::Timestamp(1_704_448_800_000_000)));
    }

    #[test]
    fn dates_and_timestamps_parse_exactly() {
        let dates = [
            ("1970-01-01", Some(0)),
            ("1969-12-31", Some(-1)),
            ("2000-03-01", Some(11_017)),
            ("1900-02-28", Some(-25_509)),
            ("2024-13-01", None),
            ("2024-1-01", None),
        ];
        for (text, expected) in dates {
            assert_eq!(parse_date(text), expected, "{text}");
        }
        let timestamps = [
            ("1970-01-01 00:00:00", Some(0)),
            ("1970-01-01T00:01:00.25", Some(60_250_000)),
            ("1970-01-02 00:00:00.123456789", Some(86_400_123_456)),
            ("1970-01-01", None),
            ("1970-01-01X00:00:00", None),
            ("1970-01-01 00:00", None),
        ];
        for (text, expected) in timestamps {
            assert_eq!(parse_timestamp(text), expected, "{text}");
        }
    }

    #[test]
    fn merging_adds_counts_widens_bounds_and_nulls_missing_columns() {
        let fields = [
            field("id", HiveType::BigInt),
            field("name", HiveType::String),
        ];
        let mut first = figures_of(
            &fields,
            &[&[Some("1"), Some("ab")], &[Some("4"), None]],
            StatisticsMode::WithDistinctValues,
        );
        let second = figures_of(
            &fields[..1],
            &[&[Some("9")], &[Some("1")], &[None]],
            StatisticsMode::WithDistinctValues,
        );
        first.merge(&second);
        assert_eq!(first.rows, 5);
        let id = &first.columns["id"];
        assert_eq!(
            (id.nulls, &id.min, &id.max),
            (Some(1), &Some(Bound::Int(1)), &Some(Bound::Int(9)))
        );
        assert_eq!(id.distinct.as_ref().map(DistinctValues::estimate), Some(3));
        let name = &first.columns["name"];
        assert_eq!(
            name.nulls,
            Some(4),
            "the second objects lack the column: 3 nulls more"
        );
        assert_eq!(name.lengths.map(|l| (l.total, l.values)), Some((2, 1)));

        // Bounds of kinds that do not compare (a column retyped) become unknown.
        let mut strings = RowStatistics::default();
        strings.columns.insert(
            "id".into(),
            ColumnFigures {
                nulls: Some(0),
                min: Some(Bound::Date(1)),
                max: Some(Bound::Date(2)),
                bounds_known: true,
                ..ColumnFigures::default()
            },
        );
        first.merge(&strings);
        let id = &first.columns["id"];
        assert!(!id.bounds_known && id.min.is_none() && id.max.is_none());
        // An unknown count stays unknown.
        let mut unknown = RowStatistics::default();
        unknown
            .columns
            .insert("name".into(), ColumnFigures::default());
        first.merge(&unknown);
        assert_eq!(first.columns["name"].nulls, None);
    }

    #[test]
    fn objects_figures_pair_by_position_or_by_name() {
        let fields = [
            field("id", HiveType::BigInt),
            field("tags", HiveType::Array(Box::new(HiveType::String))),
            field("name", HiveType::String),
        ];
        let schema = Schema::new(fields.to_vec());
        let object = |rows: &[&[Option<&str>]]| {
            let mut collector = TextFigures::new(&fields, StatisticsMode::Figures);
            for row in rows {
                collector.add_row(row.iter().copied());
            }
            collector.finish(false)
        };
        let first = object(&[&[Some("1"), None, Some("ab")]]);
        assert!(first.columns[1].is_none(), "arrays have no figures");
        let mut shape = first.into_named(&schema);
        assert_eq!(shape.columns.keys().collect::<Vec<_>>(), ["id", "name"]);
        shape.absorb_object(&object(&[&[Some("7"), None, None]]), &schema);
        assert_eq!(shape.rows, 2);
        assert_eq!(shape.columns["id"].max, Some(Bound::Int(7)));
        assert_eq!(shape.columns["name"].nulls, Some(1));

        // An object of another schema pairs by name.
        let other_fields = [field("name", HiveType::String)];
        let mut collector = TextFigures::new(&other_fields, StatisticsMode::Figures);
        collector.add_row([Some("xyz")]);
        shape.absorb_object(
            &collector.finish(false),
            &Schema::new(other_fields.to_vec()),
        );
        assert_eq!(shape.rows, 3);
        assert_eq!(
            shape.columns["id"].nulls,
            Some(1),
            "the object lacks id: null there"
        );
        assert_eq!(shape.columns["name"].lengths.and_then(|l| l.max), Some(3));
    }

    #[test]
    fn sketches_estimate_within_their_error_and_survive_storage() {
        let mut sketch = DistinctValues::new();
        for i in 0..100_000u32 {
            sketch.add(&(i % 20_000).to_le_bytes());
        }
        let estimate = sketch.estimate() as f64;
        assert!((estimate - 20_000.0).abs() / 20_000.0 < 0.07, "{estimate}");
        let stored = DistinctValues::from_bytes(&sketch.to_bytes()).unwrap();
        assert_eq!(stored.estimate(), sketch.estimate());
        assert!(
            stored.to_bytes().len() < 1200,
            "{}",
            stored.to_bytes().len()
        );
        assert!(DistinctValues::from_bytes(b"not a sketch").is_none());
    }
}
