//! Grok: log lines matched by named patterns, `%{PATTERN:field:type}`, as Glue's grok
//! classifiers write them. Patterns compile to one anchored expression of the `regex` crate,
//! which runs in time linear in the input: no pattern, however written, can backtrack
//! catastrophically. The pattern library is Logstash's, rewritten without lookaround.

use std::collections::HashMap;

use async_trait::async_trait;
use regex::{Regex, RegexBuilder};

use crate::classifier::{Classification, Classifier, FormatProperties};
use crate::error::ClassifyError;
use crate::schema::{Field, HiveType, Schema};
use crate::source::ObjectSource;

/// Longest grok pattern, in characters (Glue's limit).
pub const MAX_PATTERN_CHARS: usize = 2048;
/// Longest custom pattern definitions, in characters (Glue's limit).
pub const MAX_CUSTOM_PATTERNS_CHARS: usize = 16_000;
/// Deepest nesting of pattern references (catches cycles).
const MAX_EXPANSION_DEPTH: usize = 24;
/// Bytes of log sampled.
const SAMPLE_BYTES: u64 = 1024 * 1024;
/// Lines matched at most.
const MAX_LINES: usize = 1000;

/// The built-in pattern library: `NAME definition`, one a line.
const LIBRARY: &str = r#"USERNAME [a-zA-Z0-9._-]+
USER %{USERNAME}
INT (?:[+-]?(?:[0-9]+))
BASE10NUM (?:[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+))
NUMBER (?:%{BASE10NUM})
POSINT \b(?:[1-9][0-9]*)\b
NONNEGINT \b(?:[0-9]+)\b
WORD \b\w+\b
NOTSPACE \S+
SPACE \s*
DATA .*?
GREEDYDATA .*
QUOTEDSTRING "(?:[^"\\]|\\.)*"
QS %{QUOTEDSTRING}
UUID [A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}
IPV4 (?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)
IPV6 (?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?
IP (?:%{IPV6}|%{IPV4})
HOSTNAME \b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*\.?
IPORHOST (?:%{IP}|%{HOSTNAME})
HOSTPORT %{IPORHOST}:%{POSINT}
PATH (?:/[^\s]*)+
URIPROTO [A-Za-z]+(?:\+[A-Za-z+]+)?
URIPATHPARAM \S+
MONTH \b(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|[Jj]un(?:e)?|[Jj]ul(?:y)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo]ct(?:ober)?|[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)\b
MONTHNUM (?:0?[1-9]|1[0-2])
MONTHDAY (?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])
DAY (?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)
YEAR (?:\d\d){1,2}
HOUR (?:2[0123]|[01]?[0-9])
MINUTE (?:[0-5][0-9])
SECOND (?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)
TIME %{HOUR}:%{MINUTE}(?::%{SECOND})?
DATE_US %{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}
DATE_EU %{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}
ISO8601_TIMEZONE (?:Z|[+-]%{HOUR}(?::?%{MINUTE}))
TIMESTAMP_ISO8601 %{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?
DATESTAMP %{DATE_US}[- ]%{TIME}
HTTPDATE %{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}
SYSLOGTIMESTAMP %{MONTH} +%{MONTHDAY} %{TIME}
PROG [\x21-\x5a\x5c\x5e-\x7e]+
SYSLOGPROG %{PROG:program}(?:\[%{POSINT:pid:int}\])?
SYSLOGHOST %{IPORHOST}
SYSLOGFACILITY <%{NONNEGINT:facility}.%{NONNEGINT:priority}>
SYSLOGBASE %{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:
SYSLOGLINE %{SYSLOGBASE} %{GREEDYDATA:message}
LOGLEVEL (?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo|INFO|[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)
COMMONAPACHELOG %{IPORHOST:clientip} %{USER:ident} %{USER:auth} \[%{HTTPDATE:timestamp}\] "(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" %{NUMBER:response:int} (?:%{NUMBER:bytes:long}|-)
COMBINEDAPACHELOG %{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}"#;

/// A grok pattern or its custom definitions break a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid grok pattern: {0}")]
pub struct GrokError(pub String);

/// A compiled grok pattern: the expression and the columns its captures give.
#[derive(Debug, Clone)]
pub struct GrokPattern {
    pattern: String,
    custom_patterns: String,
    regex: Regex,
    /// Capture group name to column.
    columns: Vec<(String, Field)>,
}

/// Parses `NAME definition` lines.
fn definitions(text: &str) -> Result<HashMap<String, String>, GrokError> {
    let mut patterns = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, definition) = line.split_once(char::is_whitespace).ok_or_else(|| {
            GrokError(format!(
                "custom pattern line {}: expected NAME and a definition",
                number + 1
            ))
        })?;
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(GrokError(format!(
                "custom pattern line {}: {name:?} is not a pattern name",
                number + 1
            )));
        }
        patterns.insert(name.to_string(), definition.trim().to_string());
    }
    Ok(patterns)
}

fn hive_type(name: &str) -> Result<HiveType, GrokError> {
    Ok(match name {
        "byte" => HiveType::TinyInt,
        "boolean" => HiveType::Boolean,
        "double" => HiveType::Double,
        "short" => HiveType::SmallInt,
        "int" => HiveType::Int,
        "long" => HiveType::BigInt,
        "float" => HiveType::Float,
        "string" => HiveType::String,
        other => {
            return Err(GrokError(format!(
                "type {other} is not one of byte, boolean, double, short, int, long, float, string"
            )));
        }
    })
}

struct Expander<'a> {
    library: &'a HashMap<String, String>,
    columns: Vec<(String, Field)>,
}

impl Expander<'_> {
    fn expand(&mut self, pattern: &str, depth: usize) -> Result<String, GrokError> {
        if depth > MAX_EXPANSION_DEPTH {
            return Err(GrokError(format!(
                "patterns nest deeper than {MAX_EXPANSION_DEPTH} levels; is a pattern defined in terms of itself?"
            )));
        }
        let mut out = String::with_capacity(pattern.len());
        let mut rest = pattern;
        while let Some(start) = rest.find("%{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| GrokError(format!("%{{ without a closing }} in {pattern:?}")))?;
            let reference = &after[..end];
            let mut parts = reference.splitn(3, ':');
            let name = parts.next().unwrap_or_default();
            let field = parts.next();
            let type_name = parts.next();
            let definition = self
                .library
                .get(name)
                .ok_or_else(|| GrokError(format!("unknown pattern {name}")))?
                .clone();
            let inner = self.expand(&definition, depth + 1)?;
            match field {
                Some(field) if !field.is_empty() => {
                    let data_type = hive_type(type_name.unwrap_or("string"))?;
                    let group = format!("g{}", self.columns.len());
                    self.columns
                        .push((group.clone(), Field::new(field, data_type)));
                    out.push_str(&format!("(?P<{group}>{inner})"));
                }
                _ => {
                    out.push_str("(?:");
                    out.push_str(&inner);
                    out.push(')');
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

impl GrokPattern {
    /// Compiles `pattern` with the built-in library and `custom_patterns` (one
    /// `NAME definition` a line; custom names override built-ins).
    pub fn new(pattern: &str, custom_patterns: &str) -> Result<GrokPattern, GrokError> {
        let chars = pattern.chars().count();
        if !(1..=MAX_PATTERN_CHARS).contains(&chars) {
            return Err(GrokError(format!(
                "the pattern must be 1 to {MAX_PATTERN_CHARS} characters (got {chars})"
            )));
        }
        let custom_chars = custom_patterns.chars().count();
        if custom_chars > MAX_CUSTOM_PATTERNS_CHARS {
            return Err(GrokError(format!(
                "custom patterns must be at most {MAX_CUSTOM_PATTERNS_CHARS} characters (got {custom_chars})"
            )));
        }
        let mut library = definitions(LIBRARY)?;
        library.extend(definitions(custom_patterns)?);
        let mut expander = Expander {
            library: &library,
            columns: Vec::new(),
        };
        let expression = expander.expand(pattern, 0)?;
        let regex = RegexBuilder::new(&format!("^(?:{expression})$"))
            .size_limit(16 * 1024 * 1024)
            .build()
            .map_err(|e| GrokError(e.to_string()))?;
        // A field captured twice (a pattern used in two places) keeps its first column.
        let mut columns: Vec<(String, Field)> = Vec::new();
        for (group, field) in expander.columns {
            if !columns
                .iter()
                .any(|(_, f)| f.name.eq_ignore_ascii_case(&field.name))
            {
                columns.push((group, field));
            }
        }
        Ok(GrokPattern {
            pattern: pattern.to_string(),
            custom_patterns: custom_patterns.to_string(),
            regex,
            columns,
        })
    }

    /// The columns the pattern's captures give.
    pub fn schema(&self) -> Schema {
        Schema::new(self.columns.iter().map(|(_, f)| f.clone()).collect())
    }

    /// The captured values of a matching line, by column; `None` when it does not match.
    pub fn captures<'l>(&self, line: &'l str) -> Option<Vec<(&str, Option<&'l str>)>> {
        let captures = self.regex.captures(line)?;
        Some(
            self.columns
                .iter()
                .map(|(group, field)| {
                    (
                        field.name.as_str(),
                        captures.name(group).map(|m| m.as_str()),
                    )
                })
                .collect(),
        )
    }

    fn matches(&self, line: &str) -> bool {
        self.regex.is_match(line)
    }
}

/// A grok classifier: a classification name and a pattern.
#[derive(Debug, Clone)]
pub struct GrokClassifier {
    name: String,
    classification: String,
    pattern: GrokPattern,
}

impl GrokClassifier {
    /// A classifier called `name` giving `classification` to objects whose lines match.
    pub fn new(
        name: impl Into<String>,
        classification: impl Into<String>,
        pattern: GrokPattern,
    ) -> Self {
        GrokClassifier {
            name: name.into(),
            classification: classification.into(),
            pattern,
        }
    }

    /// The built-in log classifiers: Apache combined and common logs, and syslog lines,
    /// with Glue's classification strings (Glue calls syslog-format logs `linux_kernel`; it
    /// has no `syslog` classification, and tools switch on these strings).
    pub fn builtins() -> Vec<GrokClassifier> {
        [
            ("combined_apache", "%{COMBINEDAPACHELOG}"),
            ("apache", "%{COMMONAPACHELOG}"),
            ("linux_kernel", "%{SYSLOGLINE}"),
        ]
        .into_iter()
        .filter_map(|(name, pattern)| {
            GrokPattern::new(pattern, "")
                .ok()
                .map(|p| GrokClassifier::new(name, name, p))
        })
        .collect()
    }
}

#[async_trait]
impl Classifier for GrokClassifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError> {
        let size = object.info().size;
        let read = size.min(SAMPLE_BYTES);
        let sample = object.read_range(0..read).await?;
        let text = match std::str::from_utf8(&sample) {
            Ok(text) => text,
            // A sample cut inside a character at its end is text; anything else is not.
            Err(error) if error.error_len().is_none() => {
                std::str::from_utf8(&sample[..error.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return Ok(None),
        };
        let mut lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(MAX_LINES + 1)
            .collect();
        if read < size && lines.len() > 1 && !text.ends_with('\n') {
            lines.pop();
        }
        lines.truncate(MAX_LINES);
        if lines.is_empty() {
            return Ok(None);
        }
        let matched = lines
            .iter()
            .filter(|line| self.pattern.matches(line))
            .count();
        if matched == 0 {
            return Ok(None);
        }
        let mut warnings = Vec::new();
        if matched < lines.len() {
            warnings.push(format!(
                "{} of {} sampled lines do not match the pattern",
                lines.len() - matched,
                lines.len()
            ));
        }
        let mut properties = FormatProperties::text("com.amazonaws.glue.serde.GrokSerDe");
        properties
            .serde_parameters
            .insert("input.format".into(), self.pattern.pattern.clone());
        if !self.pattern.custom_patterns.is_empty() {
            properties.serde_parameters.insert(
                "input.grokCustomPatterns".into(),
                self.pattern.custom_patterns.clone(),
            );
        }
        Ok(Some(Classification {
            classification: self.classification.clone(),
            certainty: matched as f64 / lines.len() as f64,
            schema: self.pattern.schema(),
            properties,
            warnings,
            statistics: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::InMemoryObject;

    const COMBINED: &str = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#;
    const COMMON: &str =
        r#"192.168.1.20 - - [28/Jul/2006:10:27:10 -0300] "GET /cgi-bin/try/ HTTP/1.0" 200 3395"#;
    const SYSLOG: &str = "Mar  7 04:02:16 avas sshd[6412]: Accepted publickey for root from 10.0.0.1 port 51412 ssh2";

    fn columns(schema: &Schema) -> Vec<String> {
        schema
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.data_type))
            .collect()
    }

    #[test]
    fn apache_and_syslog_lines() {
        let combined = GrokPattern::new("%{COMBINEDAPACHELOG}", "").unwrap();
        assert_eq!(
            columns(&combined.schema()),
            [
                "clientip:string",
                "ident:string",
                "auth:string",
                "timestamp:string",
                "verb:string",
                "request:string",
                "httpversion:string",
                "rawrequest:string",
                "response:int",
                "bytes:bigint",
                "referrer:string",
                "agent:string"
            ]
        );
        let values = combined.captures(COMBINED).unwrap();
        assert_eq!(values[0], ("clientip", Some("127.0.0.1")));
        assert_eq!(values[3], ("timestamp", Some("10/Oct/2000:13:55:36 -0700")));
        assert_eq!(values[9], ("bytes", Some("2326")));
        assert!(
            combined.captures(COMMON).is_none(),
            "the combined format needs referrer and agent"
        );

        let common = GrokPattern::new("%{COMMONAPACHELOG}", "").unwrap();
        assert!(common.captures(COMMON).is_some());
        let syslog = GrokPattern::new("%{SYSLOGLINE}", "").unwrap();
        let values = syslog.captures(SYSLOG).unwrap();
        let get = |name: &str| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| *v)
        };
        assert_eq!(
            (get("program"), get("pid"), get("logsource")),
            (Some("sshd"), Some("6412"), Some("avas"))
        );
    }

    #[test]
    fn custom_patterns_and_types() {
        let pattern = GrokPattern::new(
            "%{TIMESTAMP_ISO8601:at} %{LOGLEVEL:level} \\[%{TXN:txn}\\] took %{NUMBER:ms:double}ms ok=%{BOOL:ok:boolean}",
            "TXN [A-Z]{3}-[0-9]+\nBOOL (?:true|false)\n",
        )
        .unwrap();
        assert_eq!(
            columns(&pattern.schema()),
            [
                "at:string",
                "level:string",
                "txn:string",
                "ms:double",
                "ok:boolean"
            ]
        );
        assert!(
            pattern
                .captures("2024-06-01T10:00:00Z INFO [ABC-42] took 1.5ms ok=true")
                .is_some()
        );
    }

    #[test]
    fn bad_patterns_are_refused_with_reasons() {
        let error = |pattern: &str, custom: &str| {
            GrokPattern::new(pattern, custom).unwrap_err().to_string()
        };
        assert_eq!(
            error("%{NOPE:x}", ""),
            "invalid grok pattern: unknown pattern NOPE"
        );
        assert_eq!(
            error("%{WORD:x", ""),
            "invalid grok pattern: %{ without a closing } in \"%{WORD:x\""
        );
        assert!(error("%{WORD:x:uuid}", "").contains("type uuid is not one of"));
        assert!(error("%{LOOP}", "LOOP %{LOOP}").contains("nest deeper"));
        assert!(error("", "").contains("1 to 2048 characters"));
        assert!(error(&"a".repeat(2049), "").contains("1 to 2048 characters"));
        assert!(error("%{X}", &format!("X {}", "a".repeat(16_000))).contains("at most 16000"));
        assert!(error("(a", "").starts_with("invalid grok pattern: regex parse error"));
        assert!(error("%{X}", "bad-name! x").contains("is not a pattern name"));
        // Backtracking traps are fine: the regex crate is linear.
        assert!(GrokPattern::new("(a+)+b", "").is_ok());
    }

    #[tokio::test]
    async fn classifies_log_objects() {
        let log = format!("{COMBINED}\n{COMBINED}\n{COMBINED}\n");
        let classifiers = GrokClassifier::builtins();
        let object = InMemoryObject::new("access.log", log.into_bytes());
        let combined = classifiers[0].classify(&object).await.unwrap().unwrap();
        assert_eq!(
            (combined.classification.as_str(), combined.certainty),
            ("combined_apache", 1.0)
        );
        assert_eq!(
            combined.properties.serde_parameters["input.format"],
            "%{COMBINEDAPACHELOG}"
        );
        // The common pattern is anchored, so it does not match combined lines.
        assert!(classifiers[1].classify(&object).await.unwrap().is_none());

        let mixed = InMemoryObject::new(
            "x.log",
            format!("{SYSLOG}\nnot a syslog line\n").into_bytes(),
        );
        let found = classifiers[2].classify(&mixed).await.unwrap().unwrap();
        assert_eq!(found.certainty, 0.5);
        assert_eq!(
            found.warnings,
            ["1 of 2 sampled lines do not match the pattern"]
        );
    }
}
