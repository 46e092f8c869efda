//! The column statistics a crawl writes: the classifiers' figures of the rows read, typed
//! by the columns of the table or partition written, and scaled to the objects that were
//! counted but not read (marked as sampled).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use lakecat_catalog::crawlers::{ColumnStatisticsPolicy, CrawlerInput};
use lakecat_catalog::{
    Column, ColumnStatistics, CrawledStatistics, Partition, StatisticsData, StatisticsOrigin,
    StorageDescriptor, Table, TableAction, TableChange,
};
use lakecat_classifiers::HiveType;
use lakecat_classifiers::statistics::{Bound, ColumnFigures, RowStatistics};

use crate::group::{PartitionDraft, TableDraft};

/// What the figures are taken to describe.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Coverage {
    /// Rows of all the objects, read or not (estimated for text and for unread objects).
    pub(crate) estimated_rows: u64,
    /// When the figures were computed.
    pub(crate) analyzed_time: DateTime<Utc>,
}

/// What a change writes with the table a crawl found: the statistics of the table (when its
/// figures cover the whole table) and of each partition it writes. `None` when the crawler
/// computes none, or the change deletes the table.
pub(crate) fn crawled_statistics(
    draft: &TableDraft,
    change: &TableChange,
    stored_columns: Option<&[Column]>,
    crawler: &CrawlerInput,
    analyzed_time: DateTime<Utc>,
) -> Option<CrawledStatistics> {
    if crawler.configuration.column_statistics == ColumnStatisticsPolicy::Off {
        return None;
    }
    let table_columns = match &change.action {
        TableAction::Create(input) | TableAction::Update { input, .. } => {
            columns_of(&input.storage_descriptor)
        }
        TableAction::Keep { .. } => stored_columns.map(<[Column]>::to_vec).unwrap_or_default(),
        TableAction::Delete { .. } => return None,
    };
    let table = draft.figures.as_ref().map(|figures| {
        let coverage = Coverage {
            estimated_rows: draft.stats.estimated_records(),
            analyzed_time,
        };
        column_statistics(figures, &table_columns, coverage)
    });
    let drafts = partitions_by_values(draft);
    let partitions = change
        .put_partitions
        .iter()
        .filter_map(|input| {
            let partition = drafts.get(input.values.as_slice())?;
            let coverage = Coverage {
                estimated_rows: partition.stats.estimated_records(),
                analyzed_time,
            };
            let statistics = column_statistics(
                partition.figures.as_ref()?,
                &columns_of(&input.storage_descriptor),
                coverage,
            );
            Some((input.values.clone(), statistics))
        })
        .collect();
    Some(CrawledStatistics {
        table,
        partitions,
        replace_user_written: crawler.configuration.refresh_user_statistics,
    })
}

/// A change that writes only statistics, of a stored table that has none and of its stored
/// partitions the crawl read; `None` when the crawler computes none or has no figures.
pub(crate) fn backfill(
    draft: &TableDraft,
    stored: &Table,
    stored_partitions: &[Partition],
    crawler: &CrawlerInput,
    analyzed_time: DateTime<Utc>,
) -> Option<TableChange> {
    if crawler.configuration.column_statistics == ColumnStatisticsPolicy::Off {
        return None;
    }
    let figures = draft.figures.as_ref()?;
    let table = column_statistics(
        figures,
        &columns_of(&stored.storage_descriptor),
        Coverage {
            estimated_rows: draft.stats.estimated_records(),
            analyzed_time,
        },
    );
    let drafts = partitions_by_values(draft);
    let partitions = stored_partitions
        .iter()
        .filter_map(|stored| {
            let partition = drafts.get(stored.values.as_slice())?;
            let statistics = column_statistics(
                partition.figures.as_ref()?,
                &columns_of(&stored.storage_descriptor),
                Coverage {
                    estimated_rows: partition.stats.estimated_records(),
                    analyzed_time,
                },
            );
            Some((stored.values.clone(), statistics))
        })
        .collect();
    Some(TableChange {
        action: TableAction::Keep {
            name: stored.name.clone(),
        },
        put_partitions: Vec::new(),
        delete_partitions: Vec::new(),
        statistics: Some(CrawledStatistics {
            table: Some(table),
            partitions,
            replace_user_written: crawler.configuration.refresh_user_statistics,
        }),
    })
}

/// The draft's partitions by their values (a table may have tens of thousands).
fn partitions_by_values(draft: &TableDraft) -> HashMap<&[String], &PartitionDraft> {
    draft
        .partitions
        .iter()
        .map(|partition| (partition.values.as_slice(), partition))
        .collect()
}

/// The columns of a storage descriptor (none without one).
fn columns_of(sd: &Option<StorageDescriptor>) -> Vec<Column> {
    sd.as_ref().map(|sd| sd.columns.clone()).unwrap_or_default()
}

/// The statistics of `columns` from `figures`: columns whose figures are unknown, or whose
/// type has no statistics (arrays, maps, structs), are left out.
pub(crate) fn column_statistics(
    figures: &RowStatistics,
    columns: &[Column],
    coverage: Coverage,
) -> Vec<ColumnStatistics> {
    let sampled = figures.sampled || figures.rows < coverage.estimated_rows;
    // Counts from the rows read, scaled to all of them.
    let scale = if figures.rows > 0 && coverage.estimated_rows > figures.rows {
        coverage.estimated_rows as f64 / figures.rows as f64
    } else {
        1.0
    };
    let scaled = |count: u64| (count as f64 * scale).round() as u64;
    columns
        .iter()
        .filter_map(|column| {
            let type_name = column.type_name.as_deref()?;
            let hive_type: HiveType = type_name.parse().ok()?;
            let column_figures = figures.columns.get(&column.name)?;
            let data = statistics_data(&hive_type, column_figures, &scaled)?;
            Some(ColumnStatistics {
                column_name: column.name.clone(),
                column_type: type_name.to_string(),
                analyzed_time: coverage.analyzed_time,
                data,
                origin: StatisticsOrigin::Crawler,
                sampled,
                sketch: column_figures.distinct.as_ref().map(|d| d.to_bytes()),
            })
        })
        .collect()
}

/// The figures as the statistics of a column of `hive_type`; `None` when a figure the kind
/// requires is unknown.
fn statistics_data(
    hive_type: &HiveType,
    figures: &ColumnFigures,
    scaled: &dyn Fn(u64) -> u64,
) -> Option<StatisticsData> {
    let number_of_nulls = scaled(figures.nulls?);
    let distinct = figures.distinct.as_ref().map(|d| d.estimate());
    Some(match hive_type {
        HiveType::Boolean => StatisticsData::Boolean {
            number_of_trues: scaled(figures.trues?),
            number_of_falses: scaled(figures.falses?),
            number_of_nulls,
        },
        HiveType::TinyInt | HiveType::SmallInt | HiveType::Int | HiveType::BigInt => {
            let (minimum_value, maximum_value) = bounds(figures, |b| match b {
                Bound::Int(v) => Some(*v),
                _ => None,
            });
            StatisticsData::Long {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values: distinct,
            }
        }
        HiveType::Float | HiveType::Double => {
            let (minimum_value, maximum_value) = bounds(figures, |b| match b {
                Bound::Float(v) => Some(*v),
                Bound::Int(v) => Some(*v as f64),
                _ => None,
            });
            StatisticsData::Double {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values: distinct,
            }
        }
        HiveType::Decimal { .. } => {
            let (minimum_value, maximum_value) = bounds(figures, |b| match b {
                Bound::Decimal(unscaled, scale) => Some(decimal_text(*unscaled, *scale)),
                _ => None,
            });
            StatisticsData::Decimal {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values: distinct,
            }
        }
        HiveType::Date => {
            let (minimum_value, maximum_value) = bounds(figures, |b| match b {
                Bound::Date(days) => NaiveDate::from_epoch_days(*days),
                _ => None,
            });
            StatisticsData::Date {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values: distinct,
            }
        }
        HiveType::Timestamp => {
            let (minimum_value, maximum_value) = bounds(figures, |b| match b {
                Bound::Timestamp(micros) => DateTime::from_timestamp_micros(*micros),
                _ => None,
            });
            StatisticsData::Timestamp {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values: distinct,
            }
        }
        HiveType::String => {
            let lengths = figures.lengths?;
            StatisticsData::String {
                maximum_length: lengths.max,
                average_length: average(lengths.total, lengths.values),
                number_of_nulls,
                number_of_distinct_values: distinct,
            }
        }
        HiveType::Binary => {
            let lengths = figures.lengths?;
            StatisticsData::Binary {
                maximum_length: lengths.max,
                average_length: average(lengths.total, lengths.values),
                number_of_nulls,
            }
        }
        HiveType::Array(_) | HiveType::Map(..) | HiveType::Struct(_) => return None,
    })
}

/// The bounds of the figures, as values of one kind; a bound of another kind is left out.
fn bounds<T>(figures: &ColumnFigures, of: impl Fn(&Bound) -> Option<T>) -> (Option<T>, Option<T>) {
    (
        figures.min.as_ref().and_then(&of),
        figures.max.as_ref().and_then(&of),
    )
}

fn average(total: u64, values: u64) -> f64 {
    if values == 0 {
        0.0
    } else {
        total as f64 / values as f64
    }
}

/// A decimal's text: `unscaled` × 10^-`scale`.
fn decimal_text(unscaled: i128, scale: i8) -> String {
    if scale <= 0 {
        let zeros = "0".repeat(usize::from(scale.unsigned_abs()));
        return if unscaled == 0 {
            "0".into()
        } else {
            format!("{unscaled}{zeros}")
        };
    }
    let scale = usize::from(scale.unsigned_abs());
    let digits = unscaled.unsigned_abs().to_string();
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if unscaled < 0 { "-" } else { "" };
    format!("{sign}{whole}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakecat_classifiers::statistics::{DistinctValues, Lengths};

    fn column(name: &str, type_name: &str) -> Column {
        Column {
            name: name.into(),
            type_name: Some(type_name.into()),
            ..Column::default()
        }
    }

    fn figures(rows: u64, sampled: bool, columns: Vec<(&str, ColumnFigures)>) -> RowStatistics {
        RowStatistics {
            rows,
            sampled,
            columns: columns
                .into_iter()
                .map(|(name, figures)| (name.to_string(), figures))
                .collect(),
        }
    }

    fn bounded(nulls: u64, min: Bound, max: Bound) -> ColumnFigures {
        ColumnFigures {
            nulls: Some(nulls),
            min: Some(min),
            max: Some(max),
            bounds_known: true,
            ..ColumnFigures::default()
        }
    }

    fn coverage(estimated_rows: u64) -> Coverage {
        Coverage {
            estimated_rows,
            analyzed_time: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn figures_become_the_statistics_of_each_column_type() {
        let mut sketch = DistinctValues::new();
        for value in ["a", "b", "b"] {
            sketch.add(value.as_bytes());
        }
        let read = figures(
            10,
            false,
            vec![
                ("id", bounded(1, Bound::Int(-5), Bound::Int(99))),
                ("price", bounded(0, Bound::Int(1), Bound::Float(2.5))),
                (
                    "amount",
                    bounded(2, Bound::Decimal(-5, 2), Bound::Decimal(12345, 2)),
                ),
                ("day", bounded(0, Bound::Date(0), Bound::Date(19_000))),
                (
                    "at",
                    bounded(0, Bound::Timestamp(-1), Bound::Timestamp(1_500_000)),
                ),
                (
                    "name",
                    ColumnFigures {
                        nulls: Some(3),
                        lengths: Some(Lengths {
                            total: 14,
                            values: 7,
                            max: Some(4),
                        }),
                        distinct: Some(sketch),
                        ..ColumnFigures::default()
                    },
                ),
                (
                    "ok",
                    ColumnFigures {
                        nulls: Some(0),
                        trues: Some(6),
                        falses: Some(4),
                        ..ColumnFigures::default()
                    },
                ),
                ("unknown_nulls", ColumnFigures::default()),
                ("tags", bounded(0, Bound::Int(1), Bound::Int(2))),
            ],
        );
        let columns = [
            column("id", "bigint"),
            column("price", "double"),
            column("amount", "decimal(10,2)"),
            column("day", "date"),
            column("at", "timestamp"),
            column("name", "string"),
            column("ok", "boolean"),
            column("unknown_nulls", "bigint"),
            column("tags", "array<int>"),
            column("not_read", "int"),
        ];
        let statistics = column_statistics(&read, &columns, coverage(10));
        let by_name = |name: &str| {
            statistics
                .iter()
                .find(|s| s.column_name == name)
                .map(|s| s.data.clone())
        };
        assert_eq!(
            statistics.len(),
            7,
            "unknown nulls, arrays and unread columns have none"
        );
        assert!(statistics.iter().all(|s| !s.sampled));
        assert_eq!(
            by_name("id"),
            Some(StatisticsData::Long {
                minimum_value: Some(-5),
                maximum_value: Some(99),
                number_of_nulls: 1,
                number_of_distinct_values: None,
            })
        );
        assert_eq!(
            by_name("price"),
            Some(StatisticsData::Double {
                minimum_value: Some(1.0),
                maximum_value: Some(2.5),
                number_of_nulls: 0,
                number_of_distinct_values: None,
            })
        );
        assert_eq!(
            by_name("amount"),
            Some(StatisticsData::Decimal {
                minimum_value: Some("-0.05".into()),
                maximum_value: Some("123.45".into()),
                number_of_nulls: 2,
                number_of_distinct_values: None,
            })
        );
        assert!(matches!(
            by_name("day"),
            Some(StatisticsData::Date { maximum_value: Some(d), .. }) if d.to_string() == "2022-01-08"
        ));
        assert!(matches!(
            by_name("at"),
            Some(StatisticsData::Timestamp { minimum_value: Some(t), .. })
                if t.timestamp_micros() == -1
        ));
        assert_eq!(
            by_name("name"),
            Some(StatisticsData::String {
                maximum_length: Some(4),
                average_length: 2.0,
                number_of_nulls: 3,
                number_of_distinct_values: Some(2),
            })
        );
        let name = statistics.iter().find(|s| s.column_name == "name");
        assert!(
            name.is_some_and(|s| s.sketch.is_some()),
            "the sketch is kept"
        );
        assert_eq!(
            by_name("ok"),
            Some(StatisticsData::Boolean {
                number_of_trues: 6,
                number_of_falses: 4,
                number_of_nulls: 0,
            })
        );
    }

    #[test]
    fn figures_of_some_objects_scale_to_all_and_are_marked_sampled() {
        let read = figures(
            100,
            false,
            vec![(
                "ok",
                ColumnFigures {
                    nulls: Some(10),
                    trues: Some(30),
                    falses: Some(60),
                    ..ColumnFigures::default()
                },
            )],
        );
        let statistics = column_statistics(&read, &[column("ok", "boolean")], coverage(1000));
        assert_eq!(statistics.len(), 1);
        assert!(statistics[0].sampled);
        assert_eq!(
            statistics[0].data,
            StatisticsData::Boolean {
                number_of_trues: 300,
                number_of_falses: 600,
                number_of_nulls: 100,
            }
        );
    }

    #[test]
    fn decimals_read_as_written() {
        let cases = [
            (12345, 2, "123.45"),
            (-5, 2, "-0.05"),
            (5, 0, "5"),
            (0, 3, "0.000"),
            (7, -2, "700"),
            (0, -2, "0"),
            (i128::MIN + 1, 0, "-170141183460469231731687303715884105727"),
        ];
        for (unscaled, scale, expected) in cases {
            assert_eq!(
                decimal_text(unscaled, scale),
                expected,
                "{unscaled} {scale}"
            );
        }
    }
}
