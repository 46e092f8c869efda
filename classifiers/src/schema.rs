//! Hive types and schemas: what classifiers infer and the catalog stores as type strings.

use std::fmt;
use std::str::FromStr;

/// A Hive data type, as Glue and Athena write it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HiveType {
    /// `boolean`
    Boolean,
    /// `tinyint` (8-bit)
    TinyInt,
    /// `smallint` (16-bit)
    SmallInt,
    /// `int` (32-bit)
    Int,
    /// `bigint` (64-bit)
    BigInt,
    /// `float` (32-bit)
    Float,
    /// `double` (64-bit)
    Double,
    /// `decimal(precision,scale)`
    Decimal {
        /// Total digits.
        precision: u8,
        /// Digits after the point.
        scale: i8,
    },
    /// `string`
    String,
    /// `binary`
    Binary,
    /// `date`
    Date,
    /// `timestamp`
    Timestamp,
    /// `array<element>`
    Array(Box<HiveType>),
    /// `map<key,value>`
    Map(Box<HiveType>, Box<HiveType>),
    /// `struct<name:type,...>`, fields in order.
    Struct(Vec<Field>),
}

/// A named, typed column or struct field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// Name as found in the data.
    pub name: String,
    /// Its type.
    pub data_type: HiveType,
}

impl Field {
    /// A field.
    pub fn new(name: impl Into<String>, data_type: HiveType) -> Field {
        Field {
            name: name.into(),
            data_type,
        }
    }
}

/// The columns of one object or table, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Schema {
    /// The columns.
    pub fields: Vec<Field>,
}

impl Schema {
    /// A schema of `fields`.
    pub fn new(fields: Vec<Field>) -> Schema {
        Schema { fields }
    }

    /// The field called `name` (case-insensitive, as Hive compares names).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// Whether a struct field name must be quoted in a type string.
fn needs_quoting(name: &str) -> bool {
    name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

impl HiveType {
    /// Whether the type holds one value, not an array, a map or a struct.
    pub fn is_primitive(&self) -> bool {
        !matches!(
            self,
            HiveType::Array(_) | HiveType::Map(..) | HiveType::Struct(_)
        )
    }
}

impl fmt::Display for HiveType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HiveType::Boolean => f.write_str("boolean"),
            HiveType::TinyInt => f.write_str("tinyint"),
            HiveType::SmallInt => f.write_str("smallint"),
            HiveType::Int => f.write_str("int"),
            HiveType::BigInt => f.write_str("bigint"),
            HiveType::Float => f.write_str("float"),
            HiveType::Double => f.write_str("double"),
            HiveType::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            HiveType::String => f.write_str("string"),
            HiveType::Binary => f.write_str("binary"),
            HiveType::Date => f.write_str("date"),
            HiveType::Timestamp => f.write_str("timestamp"),
            HiveType::Array(element) => write!(f, "array<{element}>"),
            HiveType::Map(key, value) => write!(f, "map<{key},{value}>"),
            HiveType::Struct(fields) => {
                f.write_str("struct<")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    if needs_quoting(&field.name) {
                        write!(f, "`{}`:{}", field.name.replace('`', "``"), field.data_type)?;
                    } else {
                        write!(f, "{}:{}", field.name, field.data_type)?;
                    }
                }
                f.write_str(">")
            }
        }
    }
}

/// Why a type string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Hive type {text:?} at byte {position}: {reason}")]
pub struct TypeParseError {
    /// The whole type string.
    pub text: String,
    /// Where parsing stopped.
    pub position: usize,
    /// Why.
    pub reason: String,
}

struct TypeParser<'a> {
    text: &'a str,
    at: usize,
}

impl TypeParser<'_> {
    fn error<T>(&self, reason: impl Into<String>) -> Result<T, TypeParseError> {
        Err(TypeParseError {
            text: self.text.to_string(),
            position: self.at,
            reason: reason.into(),
        })
    }

    fn skip_spaces(&mut self) {
        while self.text[self.at..].starts_with(' ') {
            self.at += 1;
        }
    }

    fn expect(&mut self, token: char) -> Result<(), TypeParseError> {
        self.skip_spaces();
        if self.text[self.at..].starts_with(token) {
            self.at += token.len_utf8();
            Ok(())
        } else {
            self.error(format!("expected '{token}'"))
        }
    }

    fn word(&mut self) -> &str {
        self.skip_spaces();
        let start = self.at;
        while let Some(c) = self.text[self.at..].chars().next() {
            if c.is_alphanumeric() || c == '_' {
                self.at += c.len_utf8();
            } else {
                break;
            }
        }
        &self.text[start..self.at]
    }

    fn number(&mut self) -> Result<i64, TypeParseError> {
        self.skip_spaces();
        let start = self.at;
        if self.text[self.at..].starts_with('-') {
            self.at += 1;
        }
        while self.text[self.at..].starts_with(|c: char| c.is_ascii_digit()) {
            self.at += 1;
        }
        match self.text[start..self.at].parse() {
            Ok(n) => Ok(n),
            Err(_) => self.error("expected a number"),
        }
    }

    fn field_name(&mut self) -> Result<String, TypeParseError> {
        self.skip_spaces();
        if !self.text[self.at..].starts_with('`') {
            let name = self.word().to_string();
            return if name.is_empty() {
                self.error("expected a field name")
            } else {
                Ok(name)
            };
        }
        self.at += 1;
        let mut name = String::new();
        loop {
            let rest = &self.text[self.at..];
            if let Some(after) = rest.strip_prefix("``") {
                name.push('`');
                self.at = self.text.len() - after.len();
            } else if rest.starts_with('`') {
                self.at += 1;
                return Ok(name);
            } else if let Some(c) = rest.chars().next() {
                name.push(c);
                self.at += c.len_utf8();
            } else {
                return self.error("quoted field name is not closed");
            }
        }
    }

    fn parse(&mut self) -> Result<HiveType, TypeParseError> {
        let start = self.at;
        let word = self.word().to_ascii_lowercase();
        let parsed = match word.as_str() {
            "boolean" => HiveType::Boolean,
            "tinyint" => HiveType::TinyInt,
            "smallint" => HiveType::SmallInt,
            "int" | "integer" => HiveType::Int,
            "bigint" | "long" => HiveType::BigInt,
            "float" | "real" => HiveType::Float,
            "double" => HiveType::Double,
            "string" => HiveType::String,
            "binary" => HiveType::Binary,
            "date" => HiveType::Date,
            "timestamp" => HiveType::Timestamp,
            "char" | "varchar" => {
                // Lengths are kept by Hive but do not change how lakecat compares types.
                self.expect('(')?;
                self.number()?;
                self.expect(')')?;
                HiveType::String
            }
            "decimal" | "numeric" => {
                self.skip_spaces();
                if self.text[self.at..].starts_with('(') {
                    self.expect('(')?;
                    let precision = self.number()?;
                    self.expect(',')?;
                    let scale = self.number()?;
                    self.expect(')')?;
                    match (u8::try_from(precision), i8::try_from(scale)) {
                        (Ok(precision), Ok(scale)) if (1..=38).contains(&precision) => {
                            HiveType::Decimal { precision, scale }
                        }
                        _ => return self.error("decimal precision must be 1 to 38"),
                    }
                } else {
                    HiveType::Decimal {
                        precision: 10,
                        scale: 0,
                    }
                }
            }
            "array" => {
                self.expect('<')?;
                let element = self.parse()?;
                self.expect('>')?;
                HiveType::Array(Box::new(element))
            }
            "map" => {
                self.expect('<')?;
                let key = self.parse()?;
                self.expect(',')?;
                let value = self.parse()?;
                self.expect('>')?;
                HiveType::Map(Box::new(key), Box::new(value))
            }
            "struct" => {
                self.expect('<')?;
                let mut fields = Vec::new();
                self.skip_spaces();
                if !self.text[self.at..].starts_with('>') {
                    loop {
                        let name = self.field_name()?;
                        self.expect(':')?;
                        fields.push(Field::new(name, self.parse()?));
                        self.skip_spaces();
                        if self.text[self.at..].starts_with(',') {
                            self.at += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.expect('>')?;
                HiveType::Struct(fields)
            }
            "" => return self.error("expected a type name"),
            _ => {
                self.at = start;
                return self.error(format!("unknown type {word}"));
            }
        };
        Ok(parsed)
    }
}

impl FromStr for HiveType {
    type Err = TypeParseError;

    fn from_str(text: &str) -> Result<HiveType, TypeParseError> {
        let mut parser = TypeParser { text, at: 0 };
        let parsed = parser.parse()?;
        parser.skip_spaces();
        if parser.at != text.len() {
            return parser.error("unexpected text after the type");
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_strings_round_trip() {
        for text in [
            "boolean",
            "decimal(10,2)",
            "array<struct<a:int,b:array<string>>>",
            "map<string,map<int,boolean>>",
            "struct<`a b`:int,`x``y`:string,ok_1:timestamp>",
            "struct<>",
        ] {
            let parsed: HiveType = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn synonyms_and_errors() {
        assert_eq!("LONG".parse::<HiveType>().unwrap(), HiveType::BigInt);
        assert_eq!("varchar(20)".parse::<HiveType>().unwrap(), HiveType::String);
        assert_eq!(
            "decimal".parse::<HiveType>().unwrap().to_string(),
            "decimal(10,0)"
        );
        let err = "array<int".parse::<HiveType>().unwrap_err();
        assert_eq!(err.reason, "expected '>'");
        let err = "uuid".parse::<HiveType>().unwrap_err();
        assert_eq!(err.reason, "unknown type uuid");
        assert!("decimal(50,2)".parse::<HiveType>().is_err());
        assert!("int extra".parse::<HiveType>().is_err());
    }
}
