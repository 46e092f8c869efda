//! Partition filters: Glue's GetPartitions expressions, typed by the partition keys and
//! compiled to SQL that the database evaluates.
//!
//! The compiled SQL contains only fixed fragments, generated column names (`k0`, `n3`, ...)
//! and numbered placeholders: every value from the expression is a bind parameter.
//!
//! Each partition row stores, per key `i`, the raw value in `k{i}` (NULL for Hive's default
//! partition) and, when the value is a decimal number, its numeric value in `n{i}`. A key's
//! declared type picks the column: numeric types compare `n{i}`, everything else `k{i}`.

mod parse;

pub use parse::{CompareOp, Expr, KeyRef, Literal, ParseError, is_integer, is_number, parse};

use std::fmt::Write as _;

use crate::model::Column;

/// How values of a partition key compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Byte-wise string comparison (string, char, varchar, or no declared type).
    Text,
    /// Numeric comparison of whole numbers (tinyint, smallint, int, bigint, long).
    Integer,
    /// Numeric comparison (decimal, float, double).
    Decimal,
    /// `YYYY-MM-DD` dates, which compare correctly as strings.
    Date,
    /// Timestamps written `YYYY-MM-DD HH:MM:SS[.fff]`, which compare correctly as strings.
    Timestamp,
}

impl KeyKind {
    /// The kind of a declared Hive type, or why filters cannot compare it.
    pub fn of(type_name: Option<&str>) -> Result<KeyKind, String> {
        let Some(type_name) = type_name else {
            return Ok(KeyKind::Text);
        };
        let lower = type_name.trim().to_ascii_lowercase();
        let base = lower.split('(').next().unwrap_or_default().trim();
        match base {
            "" | "string" | "char" | "varchar" => Ok(KeyKind::Text),
            "tinyint" | "smallint" | "int" | "integer" | "bigint" | "long" => Ok(KeyKind::Integer),
            "decimal" | "numeric" | "float" | "double" => Ok(KeyKind::Decimal),
            "date" => Ok(KeyKind::Date),
            "timestamp" => Ok(KeyKind::Timestamp),
            _ => Err(format!(
                "filters cannot compare partition keys of type {type_name}; \
                 supported: string, char, varchar, date, timestamp, tinyint, smallint, int, \
                 bigint, long, decimal, float, double"
            )),
        }
    }

    fn is_numeric(self) -> bool {
        matches!(self, KeyKind::Integer | KeyKind::Decimal)
    }
}

/// Longest number, in characters, that filters compare numerically.
///
/// Enough for any `bigint` and for `decimal(38)` with its sign and point. The bound keeps a
/// partition's numeric slots small: with its first four values of up to 512 bytes each,
/// they must fit in one entry of the listing index, which PostgreSQL caps at 2,704 bytes.
pub const MAX_NUMBER_CHARS: usize = 40;

/// Largest exponent magnitude (`1e300`) that filters compare numerically: within what both
/// databases represent (SQLite's doubles end near `1e308`; PostgreSQL's NUMERIC refuses
/// exponents much beyond `1e131072` with an error).
pub const MAX_NUMBER_EXPONENT: u32 = 300;

/// Whether `text` is a number filters compare numerically: a decimal number (see
/// [`is_number`]) of at most [`MAX_NUMBER_CHARS`] characters whose exponent, if any, is at
/// most [`MAX_NUMBER_EXPONENT`] in magnitude.
pub fn is_comparable_number(text: &str) -> bool {
    if text.len() > MAX_NUMBER_CHARS || !is_number(text) {
        return false;
    }
    match text.find(['e', 'E']) {
        Some(at) => text[at + 1..]
            .trim_start_matches(['-', '+'])
            .parse::<u32>()
            .is_ok_and(|exponent| exponent <= MAX_NUMBER_EXPONENT),
        None => true,
    }
}

/// The numeric value to store for a partition value, if it is a number filters compare
/// numerically ([`is_comparable_number`]); any other value's numeric slot stays NULL, so
/// numeric comparisons never match it.
///
/// Stored whatever the key's declared type, so that changing a key's type needs no rewrite.
pub fn numeric_value(value: &str) -> Option<&str> {
    is_comparable_number(value).then_some(value)
}

/// A filter compiled to a SQL boolean expression over the partition row's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFilter {
    /// SQL text with placeholders `$first ..`.
    pub sql: String,
    /// Values for the placeholders, in order. Numeric values are bound as text and cast in SQL.
    pub binds: Vec<String>,
}

struct Compiler<'a> {
    keys: &'a [Column],
    sql: String,
    binds: Vec<String>,
    next_placeholder: usize,
}

fn type_error<T>(position: usize, reason: String) -> Result<T, ParseError> {
    Err(ParseError { position, reason })
}

impl Compiler<'_> {
    fn resolve(&self, key: &KeyRef) -> Result<(usize, KeyKind), ParseError> {
        let Some(index) = self
            .keys
            .iter()
            .position(|k| k.name.eq_ignore_ascii_case(&key.name))
        else {
            let names: Vec<&str> = self.keys.iter().map(|k| k.name.as_str()).collect();
            let known = if names.is_empty() {
                "the table has no partition keys".to_string()
            } else {
                format!("partition keys are {}", names.join(", "))
            };
            return type_error(
                key.position,
                format!("unknown partition key {}; {known}", key.name),
            );
        };
        let kind = KeyKind::of(self.keys[index].type_name.as_deref())
            .or_else(|reason| type_error(key.position, reason))?;
        Ok((index, kind))
    }

    /// Pushes a placeholder for `literal`, checked against the key's kind.
    fn value(&mut self, kind: KeyKind, key: &KeyRef, literal: &Literal) -> Result<(), ParseError> {
        let text = literal.text.as_str();
        let fits = match kind {
            KeyKind::Text => true,
            KeyKind::Integer => is_integer(text) && is_comparable_number(text),
            KeyKind::Decimal => is_comparable_number(text),
            KeyKind::Date => is_date(text),
            KeyKind::Timestamp => is_timestamp(text),
        };
        if !fits {
            let out_of_range = format!(
                "a number of at most {MAX_NUMBER_CHARS} characters, with an exponent of at \
                 most {MAX_NUMBER_EXPONENT}"
            );
            let wanted = match kind {
                KeyKind::Integer if is_integer(text) => out_of_range.as_str(),
                KeyKind::Decimal if is_number(text) => out_of_range.as_str(),
                KeyKind::Integer => "an integer",
                KeyKind::Decimal => "a number",
                KeyKind::Date => "a date written YYYY-MM-DD",
                _ => "a timestamp written YYYY-MM-DD HH:MM:SS[.fff]",
            };
            return type_error(
                literal.position,
                format!("partition key {} needs {wanted}, not '{text}'", key.name),
            );
        }
        let n = self.next_placeholder;
        self.next_placeholder += 1;
        self.binds.push(literal.text.clone());
        if kind.is_numeric() {
            let _ = write!(self.sql, "CAST(${n} AS NUMERIC)");
        } else {
            let _ = write!(self.sql, "${n}");
        }
        Ok(())
    }

    fn column(&mut self, index: usize, kind: KeyKind) {
        let prefix = if kind.is_numeric() { 'n' } else { 'k' };
        let _ = write!(self.sql, "{prefix}{index}");
    }

    fn expr(&mut self, expr: &Expr) -> Result<(), ParseError> {
        match expr {
            Expr::And(left, right) | Expr::Or(left, right) => {
                let joiner = if matches!(expr, Expr::And(..)) {
                    " AND "
                } else {
                    " OR "
                };
                self.sql.push('(');
                self.expr(left)?;
                self.sql.push_str(joiner);
                self.expr(right)?;
                self.sql.push(')');
            }
            Expr::Not(inner) => {
                self.sql.push_str("(NOT ");
                self.expr(inner)?;
                self.sql.push(')');
            }
            Expr::Compare { key, op, value } => {
                let (index, kind) = self.resolve(key)?;
                self.column(index, kind);
                let _ = write!(self.sql, " {} ", op.sql());
                self.value(kind, key, value)?;
            }
            Expr::In {
                key,
                values,
                negated,
            } => {
                let (index, kind) = self.resolve(key)?;
                self.column(index, kind);
                self.sql
                    .push_str(if *negated { " NOT IN (" } else { " IN (" });
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.value(kind, key, value)?;
                }
                self.sql.push(')');
            }
            Expr::Between {
                key,
                low,
                high,
                negated,
            } => {
                let (index, kind) = self.resolve(key)?;
                self.column(index, kind);
                self.sql.push_str(if *negated {
                    " NOT BETWEEN "
                } else {
                    " BETWEEN "
                });
                self.value(kind, key, low)?;
                self.sql.push_str(" AND ");
                self.value(kind, key, high)?;
            }
            Expr::Like {
                key,
                pattern,
                negated,
            } => {
                // LIKE matches the value as written, whatever the key's type.
                let (index, _) = self.resolve(key)?;
                self.column(index, KeyKind::Text);
                self.sql
                    .push_str(if *negated { " NOT LIKE " } else { " LIKE " });
                self.value(KeyKind::Text, key, pattern)?;
            }
            Expr::IsNull { key, negated } => {
                let (index, _) = self.resolve(key)?;
                self.column(index, KeyKind::Text);
                self.sql
                    .push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
        }
        Ok(())
    }
}

fn is_date(text: &str) -> bool {
    text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

fn is_timestamp(text: &str) -> bool {
    is_date(text)
        || ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .any(|format| chrono::NaiveDateTime::parse_from_str(text, format).is_ok())
}

/// Parses `expression` and compiles it against a table's partition keys.
///
/// Placeholders are numbered from `first_placeholder`, so the fragment can follow other
/// parameters of the same statement.
pub fn compile(
    expression: &str,
    keys: &[Column],
    first_placeholder: usize,
) -> Result<SqlFilter, ParseError> {
    let expr = parse(expression)?;
    let mut compiler = Compiler {
        keys,
        sql: String::new(),
        binds: Vec::new(),
        next_placeholder: first_placeholder,
    };
    compiler.expr(&expr)?;
    Ok(SqlFilter {
        sql: compiler.sql,
        binds: compiler.binds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<Column> {
        [
            ("year", "string"),
            ("hour", "int"),
            ("dt", "date"),
            ("flag", "boolean"),
            ("price", "decimal(10,2)"),
        ]
        .into_iter()
        .map(|(name, ty)| Column {
            name: name.into(),
            type_name: Some(ty.into()),
            ..Default::default()
        })
        .collect()
    }

    #[test]
    fn compiles_to_placeholders_only() {
        let filter = compile(
            "year = '2024''; DROP TABLE partitions; --' AND hour BETWEEN 1 AND '5' OR dt IS NULL",
            &keys(),
            3,
        )
        .unwrap();
        assert_eq!(
            filter.sql,
            "((k0 = $3 AND n1 BETWEEN CAST($4 AS NUMERIC) AND CAST($5 AS NUMERIC)) OR k2 IS NULL)"
        );
        assert_eq!(
            filter.binds,
            vec!["2024'; DROP TABLE partitions; --", "1", "5"]
        );
    }

    #[test]
    fn numeric_keys_coerce_literals_and_strings_keep_text() {
        let filter = compile("year IN (2015, 2016) AND NOT hour <> '07'", &keys(), 1).unwrap();
        assert_eq!(
            filter.sql,
            "(k0 IN ($1, $2) AND (NOT n1 <> CAST($3 AS NUMERIC)))"
        );
        assert_eq!(filter.binds, vec!["2015", "2016", "07"]);
        let like = compile("hour LIKE '1%'", &keys(), 1).unwrap();
        assert_eq!(like.sql, "k1 LIKE $1");
    }

    #[test]
    fn type_errors_have_positions() {
        let cases = [
            (
                "hour = 'ten'",
                8,
                "partition key hour needs an integer, not 'ten'",
            ),
            (
                "dt > '2024-13-01'",
                6,
                "partition key dt needs a date written YYYY-MM-DD, not '2024-13-01'",
            ),
            (
                "month = '01'",
                1,
                "unknown partition key month; partition keys are year, hour, dt, flag, price",
            ),
            (
                "hour = 1.5",
                8,
                "partition key hour needs an integer, not '1.5'",
            ),
            (
                "hour = 12345678901234567890123456789012345678901",
                8,
                "partition key hour needs a number of at most 40 characters, with an exponent \
                 of at most 300, not '12345678901234567890123456789012345678901'",
            ),
            (
                "price < 1e200000",
                9,
                "partition key price needs a number of at most 40 characters, with an exponent \
                 of at most 300, not '1e200000'",
            ),
        ];
        for (text, position, reason) in cases {
            let err = compile(text, &keys(), 1).expect_err(text);
            assert_eq!((err.position, err.reason.as_str()), (position, reason));
        }
        let err = compile("flag = 'true'", &keys(), 1).unwrap_err();
        assert!(
            err.reason
                .starts_with("filters cannot compare partition keys of type boolean")
        );
    }

    #[test]
    fn numbers_compared_numerically_are_bounded() {
        let longest = "9".repeat(MAX_NUMBER_CHARS);
        let too_long = "9".repeat(MAX_NUMBER_CHARS + 1);
        let cases = [
            ("7", true),
            ("-12.5e3", true),
            ("+0.5", true),
            ("1e300", true),
            ("1E-300", true),
            ("2.5e+300", true),
            (longest.as_str(), true),
            ("1e301", false),
            ("1e-301", false),
            ("1e200000", false),
            ("1e99999999999", false),
            (too_long.as_str(), false),
            ("abc", false),
            ("", false),
            ("1e", false),
        ];
        for (text, comparable) in cases {
            assert_eq!(is_comparable_number(text), comparable, "{text}");
            assert_eq!(numeric_value(text).is_some(), comparable, "{text}");
        }
        let decimal = compile("price BETWEEN -1.5e300 AND 2", &keys(), 1).unwrap();
        assert_eq!(
            decimal.sql,
            "n4 BETWEEN CAST($1 AS NUMERIC) AND CAST($2 AS NUMERIC)"
        );
    }

    #[test]
    fn key_names_match_case_insensitively() {
        let filter = compile("YEAR = '1'", &keys(), 1).unwrap();
        assert_eq!(filter.sql, "k0 = $1");
    }

    #[test]
    fn key_kinds() {
        assert_eq!(KeyKind::of(None), Ok(KeyKind::Text));
        assert_eq!(KeyKind::of(Some("varchar(10)")), Ok(KeyKind::Text));
        assert_eq!(KeyKind::of(Some("BIGINT")), Ok(KeyKind::Integer));
        assert_eq!(KeyKind::of(Some("decimal(10,2)")), Ok(KeyKind::Decimal));
        assert!(KeyKind::of(Some("array<int>")).is_err());
    }
}
