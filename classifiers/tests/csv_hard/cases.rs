//! Hard delimited-text cases with ground truth, shared by the `csv_hard` test and the
//! `csv_hard` bench: stray quotes and one name too many or too few in the header, preamble
//! lines, a second table, space and `, ` delimiters, header-only and empty files.
//!
//! The truth is what a careful user would say: the number of columns of the data rows,
//! whether there is a header, and its names (lower case, stray quotes removed; a missing
//! name is `col{i}`, an extra one is dropped).

/// What a file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Truth {
    pub(crate) columns: usize,
    pub(crate) header: bool,
    /// The header's names (empty without a header).
    pub(crate) names: Vec<String>,
}

/// One generated file.
#[derive(Debug, Clone)]
pub(crate) struct HardCase {
    pub(crate) name: String,
    pub(crate) family: &'static str,
    pub(crate) bytes: Vec<u8>,
    /// `None`: no table (an empty file).
    pub(crate) truth: Option<Truth>,
}

/// The families, in report order.
pub(crate) const FAMILIES: [&str; 9] = [
    "stray_quote",
    "header_extra",
    "header_short",
    "preamble",
    "second_table",
    "space",
    "comma_space",
    "header_only",
    "empty",
];

/// A name as compared: trimmed, lower case, without quote characters, with DuckDB's
/// `column{i}` for a missing name read as lakecat's `col{i}`.
pub(crate) fn normalize_name(name: &str) -> String {
    let name: String = name
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '"' | '\''))
        .collect();
    match name.strip_prefix("column") {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => format!("col{n}"),
        _ => name,
    }
}

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next(items.len() as u64) as usize]
    }
}

/// A column: its header name and a value for row `i`.
#[derive(Clone, Copy)]
struct Column {
    name: &'static str,
    value: fn(&mut Lcg, u64) -> String,
}

const WORDS: [&str; 8] = [
    "ada", "grace", "alan", "edsger", "barbara", "donald", "frances", "ken",
];

fn columns() -> Vec<Column> {
    vec![
        Column {
            name: "id",
            value: |_, i| (1_000 + i).to_string(),
        },
        Column {
            name: "price",
            value: |r, _| format!("{}.{:02}", r.next(1000), r.next(100)),
        },
        Column {
            name: "day",
            value: |r, _| format!("2024-{:02}-{:02}", r.next(12) + 1, r.next(28) + 1),
        },
        Column {
            name: "name",
            value: |r, _| r.pick(&WORDS).to_string(),
        },
        Column {
            name: "active",
            value: |r, _| ["true", "false"][r.next(2) as usize].to_string(),
        },
        Column {
            name: "qty",
            value: |r, _| r.next(500).to_string(),
        },
        Column {
            name: "city",
            value: |r, _| {
                r.pick(&["oslo", "lima", "pune", "kyiv", "baku"])
                    .to_string()
            },
        },
        Column {
            name: "amount",
            value: |r, _| format!("-{}.{}", r.next(90) + 1, r.next(10)),
        },
    ]
}

/// A table: columns picked from the pool, rendered with a delimiter.
struct Table {
    names: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(rng: &mut Lcg, width: usize, rows: (usize, u64), all_string: bool) -> Table {
        let rows = rows.0 + rng.next(rows.1) as usize;
        let pool = columns();
        let mut picked: Vec<Column> = Vec::new();
        // Distinct columns, starting at a random one; all-string tables use the text ones.
        let text = [3, 6];
        let start = rng.next(pool.len() as u64) as usize;
        for k in 0..width {
            let column = if all_string {
                pool[text[k % 2]]
            } else {
                pool[(start + k) % pool.len()]
            };
            picked.push(column);
        }
        let mut names: Vec<String> = Vec::new();
        for column in &picked {
            let mut name = column.name.to_string();
            let mut n = 2;
            while names.contains(&name) {
                name = format!("{}_{n}", column.name);
                n += 1;
            }
            names.push(name);
        }
        let rows = (0..rows as u64)
            .map(|i| picked.iter().map(|c| (c.value)(rng, i)).collect())
            .collect();
        Table { names, rows }
    }

    fn render(&self, delimiter: &str, header: bool) -> String {
        let mut out = String::new();
        if header {
            out.push_str(&self.names.join(delimiter));
            out.push('\n');
        }
        for row in &self.rows {
            out.push_str(&row.join(delimiter));
            out.push('\n');
        }
        out
    }

    fn truth(&self, header: bool) -> Truth {
        Truth {
            columns: self.names.len(),
            header,
            names: if header {
                self.names.clone()
            } else {
                Vec::new()
            },
        }
    }
}

const DELIMITERS: [&str; 4] = [",", "\t", "|", ";"];

struct Builder {
    cases: Vec<HardCase>,
}

impl Builder {
    fn push(&mut self, family: &'static str, text: String, truth: Option<Truth>) {
        let n = self.cases.iter().filter(|c| c.family == family).count();
        self.cases.push(HardCase {
            name: format!("{family}_{n:02}.csv"),
            family,
            bytes: text.into_bytes(),
            truth,
        });
    }
}

/// Every case, in a fixed order (the same bytes on every run).
pub(crate) fn hard_cases() -> Vec<HardCase> {
    let mut b = Builder { cases: Vec::new() };
    let mut rng = Lcg(20_261_201);
    let rng = &mut rng;

    // A stray quote in one header cell: at the start, inside or at the end of a name.
    for n in 0..12 {
        let delimiter = DELIMITERS[n % 4];
        let width = 2 + n % 5;
        let mut table = Table::new(rng, width, (3, 30), n == 7);
        if n % 2 == 1 {
            // Quoted values with the delimiter inside: the quote is live in this file.
            table.names.push("note".into());
            for row in &mut table.rows {
                let word = rng.pick(&WORDS);
                row.push(format!("\"{word}{delimiter} {word}\""));
            }
        }
        let width = table.names.len();
        let at = rng.next(width as u64) as usize;
        let mut names = table.names.clone();
        names[at] = match n % 3 {
            0 => format!("\"{}", names[at]),
            1 => {
                let (head, tail) = names[at].split_at(1);
                format!("{head}\"{tail}")
            }
            _ => format!("{}\"", names[at]),
        };
        let mut text = names.join(delimiter);
        text.push('\n');
        text.push_str(&table.render(delimiter, false));
        b.push("stray_quote", text, Some(table.truth(true)));
    }

    // One name too many: the data rows have one field fewer than the header.
    for n in 0..12 {
        let delimiter = DELIMITERS[n % 4];
        let width = 2 + n % 6;
        let table = Table::new(rng, width, (2, 40), false);
        let mut names = table.names.clone();
        names.push(["extra", "notes", "total"][n % 3].to_string());
        let mut text = names.join(delimiter);
        text.push('\n');
        text.push_str(&table.render(delimiter, false));
        b.push("header_extra", text, Some(table.truth(true)));
    }

    // One name too few: the last column has no name (a row index column's, say).
    for n in 0..12 {
        let delimiter = DELIMITERS[n % 4];
        let width = 3 + n % 5;
        let table = Table::new(rng, width, (2, 40), false);
        let names = &table.names[..width - 1];
        let mut text = names.join(delimiter);
        text.push('\n');
        text.push_str(&table.render(delimiter, false));
        let mut truth = table.truth(true);
        truth.names[width - 1] = format!("col{}", width - 1);
        b.push("header_short", text, Some(truth));
    }

    // Titles, `#` comments and blank lines before the header (or the data).
    let titles = [
        "Quarterly sales report",
        "Export of table orders: 2024-06-30",
        "Generated by reportgen 4.2",
    ];
    let comments = [
        "# source: warehouse, nightly",
        "# columns are described in the wiki",
        "#exported 2024-06-30",
    ];
    for n in 0..12 {
        let delimiter = DELIMITERS[n % 4];
        let width = 2 + n % 5;
        let header = n % 6 != 5;
        let table = Table::new(rng, width, (3, 30), n == 4);
        let mut text = String::new();
        match n % 4 {
            0 => text.push_str(&format!("{}\n\n", rng.pick(&titles))),
            1 => text.push_str(&format!(
                "{}\n{}\n",
                rng.pick(&comments),
                rng.pick(&comments)
            )),
            2 => {
                // A spreadsheet's title row: the title, then empty cells.
                let title = rng.pick(&titles);
                text.push_str(&format!("{title}{}\n", delimiter.repeat(width - 1)));
                text.push('\n');
            }
            _ => text.push_str(&format!(
                "{}\n{}\n\n",
                rng.pick(&titles),
                rng.pick(&comments)
            )),
        }
        text.push_str(&table.render(delimiter, header));
        b.push("preamble", text, Some(table.truth(header)));
    }

    // A second table after a blank line, with other columns.
    for n in 0..12 {
        let delimiter = DELIMITERS[n % 4];
        let width = 2 + n % 4;
        let header = n % 4 != 3;
        let first = Table::new(rng, width, (5, 25), false);
        let second = Table::new(rng, width + 1 + n % 2, (5, 40), false);
        let mut text = first.render(delimiter, header);
        text.push('\n');
        if n % 3 == 0 {
            text.push_str("Totals\n");
        }
        text.push_str(&second.render(delimiter, true));
        b.push("second_table", text, Some(first.truth(header)));
    }

    // A space between fields.
    for n in 0..12 {
        let width = 2 + n % 6;
        let header = n % 4 != 0;
        let table = Table::new(rng, width, (3, 40), false);
        b.push(
            "space",
            table.render(" ", header),
            Some(table.truth(header)),
        );
    }

    // A comma and a space between fields.
    for n in 0..12 {
        let width = 2 + n % 6;
        let header = n % 4 != 0;
        let table = Table::new(rng, width, (3, 40), n == 6);
        b.push(
            "comma_space",
            table.render(", ", header),
            Some(table.truth(header)),
        );
    }

    // A header and nothing else.
    for n in 0..12 {
        let delimiter = DELIMITERS[n % 4];
        let width = 2 + n % 6;
        let table = Table::new(rng, width, (0, 1), false);
        let mut text = table.names.join(delimiter);
        match n % 3 {
            0 => text.push('\n'),
            1 => text.push_str("\r\n"),
            _ => {}
        }
        b.push("header_only", text, Some(table.truth(true)));
    }

    // Nothing at all.
    for text in ["", "\n", "\r\n", "\n\n\n", "\u{feff}", "   \n"] {
        b.push("empty", text.to_string(), None);
    }
    b.cases
}

/// What a sniffer found: `None` when it found no table (or failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) columns: usize,
    pub(crate) header: bool,
    pub(crate) names: Vec<String>,
}

/// Whether `found` has the right column count, header decision and names (`None` for the
/// names of a file without a header, which are not compared).
pub(crate) fn judge(truth: Option<&Truth>, found: Option<&Found>) -> (bool, bool, Option<bool>) {
    match (truth, found) {
        (None, found) => (
            found.is_none_or(|f| f.columns == 0),
            found.is_none_or(|f| !f.header),
            None,
        ),
        (Some(truth), None) => (false, false, truth.header.then_some(false)),
        (Some(truth), Some(found)) => {
            let names = truth.header.then(|| {
                found.header
                    && found.names.len() == truth.names.len()
                    && found
                        .names
                        .iter()
                        .zip(&truth.names)
                        .all(|(f, t)| normalize_name(f) == normalize_name(t))
            });
            (
                found.columns == truth.columns,
                found.header == truth.header,
                names,
            )
        }
    }
}

/// Right answers per measure, out of `files` (names out of `named`, the files with a header).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub(crate) files: usize,
    pub(crate) named: usize,
    pub(crate) columns: usize,
    pub(crate) header: usize,
    pub(crate) names: usize,
}

impl Tally {
    pub(crate) fn add(&mut self, (columns, header, names): (bool, bool, Option<bool>)) {
        self.files += 1;
        self.columns += usize::from(columns);
        self.header += usize::from(header);
        if let Some(names) = names {
            self.named += 1;
            self.names += usize::from(names);
        }
    }
}

/// lakecat's CSV classifier, as the crawler runs it, on one file.
pub(crate) async fn lakecat(case: &HardCase) -> (Option<Found>, Vec<String>) {
    use lakecat_classifiers::formats::csv::CsvClassifier;
    use lakecat_classifiers::{Classifier, InMemoryObject};
    let object = InMemoryObject::new(case.name.clone(), case.bytes.clone());
    match CsvClassifier::default().classify(&object).await {
        Ok(Some(found)) => (
            Some(Found {
                columns: found.schema.fields.len(),
                header: found.properties.header == Some(true),
                names: found.schema.fields.iter().map(|f| f.name.clone()).collect(),
            }),
            found.warnings,
        ),
        Ok(None) | Err(_) => (None, Vec::new()),
    }
}
