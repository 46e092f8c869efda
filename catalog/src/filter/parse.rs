//! Parser for Glue's GetPartitions expression grammar.
//!
//! ```text
//! expr      := and_expr ( OR and_expr )*
//! and_expr  := unary ( AND unary )*
//! unary     := NOT unary | '(' expr ')' | predicate
//! predicate := operand ( cmp operand
//!                      | [NOT] IN '(' literal ( ',' literal )* ')'
//!                      | [NOT] BETWEEN literal AND literal
//!                      | [NOT] LIKE string
//!                      | IS [NOT] NULL )
//! operand   := identifier | literal
//! cmp       := '=' | '<>' | '!=' | '<' | '>' | '<=' | '>='
//! ```
//!
//! Keywords are case-insensitive; strings are single-quoted with `''` as an escaped quote;
//! identifiers may be quoted with backticks or double quotes.

use std::fmt;

/// A parse error: where in the expression (1-based character position) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based character position of the problem.
    pub position: usize,
    /// What is wrong there.
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at position {}: {}", self.position, self.reason)
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `<>` or `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
}

impl CompareOp {
    /// The operator with its operands swapped: `1 < k` is `k > 1`.
    fn flipped(self) -> Self {
        match self {
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::LtEq => CompareOp::GtEq,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::GtEq => CompareOp::LtEq,
            other => other,
        }
    }

    /// SQL text of the operator.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::NotEq => "<>",
            CompareOp::Lt => "<",
            CompareOp::LtEq => "<=",
            CompareOp::Gt => ">",
            CompareOp::GtEq => ">=",
        }
    }
}

/// A literal value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// The value, unquoted.
    pub text: String,
    /// Whether it was a quoted string (as opposed to a bare number).
    pub quoted: bool,
    /// 1-based character position.
    pub position: usize,
}

/// A reference to a partition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    /// The name as written.
    pub name: String,
    /// 1-based character position.
    pub position: usize,
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// Both hold.
    And(Box<Expr>, Box<Expr>),
    /// Either holds.
    Or(Box<Expr>, Box<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// `key op literal`.
    Compare {
        /// The key.
        key: KeyRef,
        /// The operator, with the key on the left.
        op: CompareOp,
        /// The value.
        value: Literal,
    },
    /// `key [NOT] IN (literals)`.
    In {
        /// The key.
        key: KeyRef,
        /// The values.
        values: Vec<Literal>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `key [NOT] BETWEEN low AND high`.
    Between {
        /// The key.
        key: KeyRef,
        /// Lower bound, inclusive.
        low: Literal,
        /// Upper bound, inclusive.
        high: Literal,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `key [NOT] LIKE 'pattern'`.
    Like {
        /// The key.
        key: KeyRef,
        /// The pattern, with `%` and `_` wildcards.
        pattern: Literal,
        /// `NOT LIKE`.
        negated: bool,
    },
    /// `key IS [NOT] NULL`.
    IsNull {
        /// The key.
        key: KeyRef,
        /// `IS NOT NULL`.
        negated: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(String),
    Keyword(Keyword),
    Op(CompareOp),
    LParen,
    RParen,
    Comma,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyword {
    And,
    Or,
    Not,
    In,
    Between,
    Like,
    Is,
    Null,
}

impl Keyword {
    fn from_word(word: &str) -> Option<Self> {
        Some(match word.to_ascii_uppercase().as_str() {
            "AND" => Keyword::And,
            "OR" => Keyword::Or,
            "NOT" => Keyword::Not,
            "IN" => Keyword::In,
            "BETWEEN" => Keyword::Between,
            "LIKE" => Keyword::Like,
            "IS" => Keyword::Is,
            "NULL" => Keyword::Null,
            _ => return None,
        })
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Ident(name) => format!("name {name}"),
        Token::Str(text) => format!("string '{text}'"),
        Token::Num(text) => format!("number {text}"),
        Token::Keyword(keyword) => format!("keyword {}", format!("{keyword:?}").to_uppercase()),
        Token::Op(op) => format!("operator {}", op.sql()),
        Token::LParen => "'('".into(),
        Token::RParen => "')'".into(),
        Token::Comma => "','".into(),
        Token::End => "the end of the expression".into(),
    }
}

fn tokenize(input: &str) -> Result<Vec<(Token, usize)>, ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let error = |position: usize, reason: String| ParseError {
        position: position + 1,
        reason,
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                tokens.push((Token::LParen, start));
                i += 1;
            }
            ')' => {
                tokens.push((Token::RParen, start));
                i += 1;
            }
            ',' => {
                tokens.push((Token::Comma, start));
                i += 1;
            }
            '=' => {
                tokens.push((Token::Op(CompareOp::Eq), start));
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                tokens.push((Token::Op(CompareOp::NotEq), start));
                i += 2;
            }
            '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, width) = match (c, next) {
                    ('<', Some('=')) => (CompareOp::LtEq, 2),
                    ('<', Some('>')) => (CompareOp::NotEq, 2),
                    ('<', _) => (CompareOp::Lt, 1),
                    (_, Some('=')) => (CompareOp::GtEq, 2),
                    _ => (CompareOp::Gt, 1),
                };
                tokens.push((Token::Op(op), start));
                i += width;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(error(start, "string is not closed with '".into()));
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                tokens.push((Token::Str(text), start));
            }
            '`' | '"' => {
                let close = c;
                let end = chars[i + 1..]
                    .iter()
                    .position(|&d| d == close)
                    .ok_or_else(|| {
                        error(start, format!("quoted name is not closed with {close}"))
                    })?;
                let name: String = chars[i + 1..i + 1 + end].iter().collect();
                tokens.push((Token::Ident(name), start));
                i += end + 2;
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+' || c == '.')
                    && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '.'
                        || ((chars[i] == '-' || chars[i] == '+')
                            && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                if !is_number(&text) {
                    return Err(error(start, format!("{text} is not a number")));
                }
                tokens.push((Token::Num(text), start));
            }
            c if c.is_alphabetic() || c == '_' => {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let token = match Keyword::from_word(&word) {
                    Some(keyword) => Token::Keyword(keyword),
                    None => Token::Ident(word),
                };
                tokens.push((token, start));
            }
            other => {
                return Err(error(start, format!("unexpected character {other:?}")));
            }
        }
    }
    tokens.push((Token::End, chars.len()));
    Ok(tokens)
}

/// Whether `text` is a decimal number: optional sign, digits with an optional fraction, and an
/// optional exponent. Nothing else (no `NaN`, no `Infinity`, no hex).
pub fn is_number(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(whole)
        && fraction.is_none_or(digits)
        && !(whole.is_empty() && fraction.is_none_or(str::is_empty));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Whether `text` is an integer: optional sign and digits only.
pub fn is_integer(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit())
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
}

enum Operand {
    Key(KeyRef),
    Value(Literal),
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.next].0
    }

    fn position(&self) -> usize {
        self.tokens[self.next].1 + 1
    }

    fn advance(&mut self) -> (Token, usize) {
        let (token, at) = self.tokens[self.next].clone();
        if token != Token::End {
            self.next += 1;
        }
        (token, at + 1)
    }

    fn error<T>(&self, reason: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            position: self.position(),
            reason: reason.into(),
        })
    }

    fn unexpected<T>(&self, wanted: &str) -> Result<T, ParseError> {
        self.error(format!(
            "expected {wanted}, found {}",
            describe(self.peek())
        ))
    }

    fn eat_keyword(&mut self, keyword: Keyword) -> bool {
        if *self.peek() == Token::Keyword(keyword) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and_expr()?;
        while self.eat_keyword(Keyword::Or) {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while self.eat_keyword(Keyword::And) {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat_keyword(Keyword::Not) {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if *self.peek() == Token::LParen {
            self.advance();
            let inner = self.expr()?;
            if *self.peek() != Token::RParen {
                return self.unexpected("')'");
            }
            self.advance();
            return Ok(inner);
        }
        self.predicate()
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        let (token, position) = match self.peek() {
            Token::Ident(_) | Token::Str(_) | Token::Num(_) => self.advance(),
            _ => return self.unexpected("a partition key or a value"),
        };
        Ok(match token {
            Token::Ident(name) => Operand::Key(KeyRef { name, position }),
            Token::Str(text) => Operand::Value(Literal {
                text,
                quoted: true,
                position,
            }),
            Token::Num(text) => Operand::Value(Literal {
                text,
                quoted: false,
                position,
            }),
            _ => unreachable!("peeked an operand"),
        })
    }

    fn literal(&mut self) -> Result<Literal, ParseError> {
        match self.operand()? {
            Operand::Value(literal) => Ok(literal),
            Operand::Key(key) => Err(ParseError {
                position: key.position,
                reason: format!("expected a value, found name {}", key.name),
            }),
        }
    }

    fn predicate(&mut self) -> Result<Expr, ParseError> {
        let start = self.position();
        let left = self.operand()?;
        if let Token::Op(op) = *self.peek() {
            self.advance();
            let right = self.operand()?;
            return match (left, right) {
                (Operand::Key(key), Operand::Value(value)) => Ok(Expr::Compare { key, op, value }),
                (Operand::Value(value), Operand::Key(key)) => Ok(Expr::Compare {
                    key,
                    op: op.flipped(),
                    value,
                }),
                (Operand::Key(_), Operand::Key(_)) => Err(ParseError {
                    position: start,
                    reason: "compare a partition key with a value, not with another key".into(),
                }),
                (Operand::Value(_), Operand::Value(_)) => Err(ParseError {
                    position: start,
                    reason: "a comparison needs a partition key on one side".into(),
                }),
            };
        }
        let key = match left {
            Operand::Key(key) => key,
            Operand::Value(_) => return self.unexpected("a comparison operator"),
        };
        if self.eat_keyword(Keyword::Is) {
            let negated = self.eat_keyword(Keyword::Not);
            if !self.eat_keyword(Keyword::Null) {
                return self.unexpected("NULL");
            }
            return Ok(Expr::IsNull { key, negated });
        }
        let negated = self.eat_keyword(Keyword::Not);
        if self.eat_keyword(Keyword::In) {
            if *self.peek() != Token::LParen {
                return self.unexpected("'(' after IN");
            }
            self.advance();
            let mut values = vec![self.literal()?];
            while *self.peek() == Token::Comma {
                self.advance();
                values.push(self.literal()?);
            }
            if *self.peek() != Token::RParen {
                return self.unexpected("',' or ')'");
            }
            self.advance();
            return Ok(Expr::In {
                key,
                values,
                negated,
            });
        }
        if self.eat_keyword(Keyword::Between) {
            let low = self.literal()?;
            if !self.eat_keyword(Keyword::And) {
                return self.unexpected("AND in BETWEEN ... AND ...");
            }
            let high = self.literal()?;
            return Ok(Expr::Between {
                key,
                low,
                high,
                negated,
            });
        }
        if self.eat_keyword(Keyword::Like) {
            let pattern = self.literal()?;
            if !pattern.quoted {
                return Err(ParseError {
                    position: pattern.position,
                    reason: "LIKE needs a quoted string pattern".into(),
                });
            }
            return Ok(Expr::Like {
                key,
                pattern,
                negated,
            });
        }
        if negated {
            self.unexpected("IN, BETWEEN or LIKE after NOT")
        } else {
            self.unexpected("an operator, IN, BETWEEN, LIKE or IS")
        }
    }
}

/// Parses a filter expression.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    let tokens = tokenize(input)?;
    let mut parser = Parser { tokens, next: 0 };
    if *parser.peek() == Token::End {
        return parser.error("the expression is empty");
    }
    let expr = parser.expr()?;
    if *parser.peek() != Token::End {
        return parser.unexpected("AND, OR or the end of the expression");
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(expr: &Expr) -> &str {
        match expr {
            Expr::Compare { key, .. }
            | Expr::In { key, .. }
            | Expr::Between { key, .. }
            | Expr::Like { key, .. }
            | Expr::IsNull { key, .. } => &key.name,
            _ => panic!("not a predicate: {expr:?}"),
        }
    }

    #[test]
    fn parses_glue_documentation_examples() {
        for text in [
            "year>'2016' AND year<'2018'",
            "year LIKE '%7'",
            "year IN (2015,2016)",
            "year BETWEEN 2015 AND 2017",
            "year = '2017' AND (month = '01' OR month = '02')",
            "NOT year = '2016'",
            "dt IS NOT NULL",
            "hour IS NULL",
            "year NOT IN ('2015') AND region NOT LIKE 'eu-%'",
            "`weird key` = 'x'",
            "\"quoted\" <> 'x'",
            "n >= -3.5e2",
        ] {
            parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn precedence_and_binds_tighter_than_or() {
        let expr = parse("a = '1' OR b = '2' AND c = '3'").unwrap();
        match expr {
            Expr::Or(left, right) => {
                assert_eq!(key(&left), "a");
                assert!(matches!(*right, Expr::And(_, _)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn literal_on_the_left_flips_the_operator() {
        let expr = parse("'2016' < year").unwrap();
        assert_eq!(
            expr,
            Expr::Compare {
                key: KeyRef {
                    name: "year".into(),
                    position: 10
                },
                op: CompareOp::Gt,
                value: Literal {
                    text: "2016".into(),
                    quoted: true,
                    position: 1
                },
            }
        );
    }

    #[test]
    fn string_escapes() {
        let expr = parse("name = 'it''s'").unwrap();
        match expr {
            Expr::Compare { value, .. } => assert_eq!(value.text, "it's"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_position_and_reason() {
        let cases = [
            ("", 1, "the expression is empty"),
            (
                "year =",
                7,
                "expected a partition key or a value, found the end of the expression",
            ),
            ("year = '2016", 8, "string is not closed with '"),
            (
                "year = 2016 month = 1",
                13,
                "expected AND, OR or the end of the expression, found name month",
            ),
            (
                "(year = 1",
                10,
                "expected ')', found the end of the expression",
            ),
            ("year ~ 1", 6, "unexpected character '~'"),
            (
                "year = month",
                1,
                "compare a partition key with a value, not with another key",
            ),
            ("1 = 2", 1, "a comparison needs a partition key on one side"),
            ("year IN 1", 9, "expected '(' after IN, found number 1"),
            (
                "year BETWEEN 1 OR 2",
                16,
                "expected AND in BETWEEN ... AND ..., found keyword OR",
            ),
            ("year LIKE 7", 11, "LIKE needs a quoted string pattern"),
            ("year IS 1", 9, "expected NULL, found number 1"),
            (
                "year NOT = 1",
                10,
                "expected IN, BETWEEN or LIKE after NOT, found operator =",
            ),
            ("year = 12ab", 8, "12ab is not a number"),
        ];
        for (text, position, reason) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!(
                (err.position, err.reason.as_str()),
                (position, reason),
                "{text}"
            );
        }
    }

    #[test]
    fn numbers() {
        for good in [
            "0", "007", "-1", "+2", "1.5", ".5", "5.", "1e9", "1E-3", "-2.5e+4",
        ] {
            assert!(is_number(good), "{good}");
        }
        for bad in [
            "", "-", ".", "e5", "1e", "NaN", "inf", "0x10", "1.2.3", "1e5.5",
        ] {
            assert!(!is_number(bad), "{bad}");
        }
        assert!(is_integer("-42") && is_integer("007"));
        assert!(!is_integer("1.0") && !is_integer("-") && !is_integer(""));
    }
}
