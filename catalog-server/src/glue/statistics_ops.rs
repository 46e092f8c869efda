//! Glue's column statistics operations (`Get/Update/DeleteColumnStatisticsForTable` and
//! `...ForPartition`) over the catalog's statistics, in Glue's shapes: `StatisticsData`
//! with one member per kind, decimals as unscaled big-endian bytes, dates as timestamps.
//!
//! Figures lakecat does not know render as 0, the Hive metastore's "not computed", where
//! Glue requires a number; timestamp statistics, which Glue cannot express, are reported
//! among the `Errors` and served by the REST API.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{NaiveDate, NaiveTime};
use lakecat_catalog::statistics::parse_decimal;
use lakecat_catalog::{
    ColumnStatistics, Error as CatalogError, StatisticsData, StatisticsOrigin, StatisticsScope,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::GlueError;
use super::operations::Reply;
use super::required;
use super::shapes::{ErrorDetail, epoch, from_epoch};
use crate::state::AppState;

/// Glue's `ColumnStatistics`, as read from and written to the wire.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GlueColumnStatistics {
    column_name: String,
    column_type: String,
    analyzed_time: Option<f64>,
    statistics_data: Value,
}

/// `DecimalNumber`: the unscaled value as big-endian two's complement bytes.
fn decimal_number(text: &str) -> Option<Value> {
    let (unscaled, scale) = parse_decimal(text)?;
    let bytes = lakecat_catalog::statistics::unscaled_bytes(unscaled);
    Some(json!({"UnscaledValue": BASE64.encode(&bytes), "Scale": scale}))
}

/// A `DecimalNumber` as decimal text.
fn decimal_text(value: &Value) -> Result<String, GlueError> {
    let invalid = || GlueError::invalid("DecimalNumber needs UnscaledValue (base64) and Scale");
    let bytes = value["UnscaledValue"]
        .as_str()
        .and_then(|b| BASE64.decode(b).ok())
        .ok_or_else(invalid)?;
    let scale = value["Scale"].as_i64().ok_or_else(invalid)?;
    lakecat_catalog::statistics::decimal_from_unscaled(&bytes, scale).ok_or_else(invalid)
}

/// A date as Glue's timestamp: midnight UTC.
fn date_epoch(date: NaiveDate) -> f64 {
    epoch(date.and_time(NaiveTime::MIN).and_utc())
}

/// Glue's `StatisticsData` for the figures; `None` for timestamps, which Glue cannot express.
fn glue_data(data: &StatisticsData) -> Option<Value> {
    let distinct = |n: &Option<u64>| n.unwrap_or(0);
    let value = match data {
        StatisticsData::Boolean {
            number_of_trues,
            number_of_falses,
            number_of_nulls,
        } => json!({"Type": "BOOLEAN", "BooleanColumnStatisticsData": {
            "NumberOfTrues": number_of_trues,
            "NumberOfFalses": number_of_falses,
            "NumberOfNulls": number_of_nulls,
        }}),
        StatisticsData::Date {
            minimum_value,
            maximum_value,
            number_of_nulls,
            number_of_distinct_values,
        } => json!({"Type": "DATE", "DateColumnStatisticsData": {
            "MinimumValue": minimum_value.map(date_epoch),
            "MaximumValue": maximum_value.map(date_epoch),
            "NumberOfNulls": number_of_nulls,
            "NumberOfDistinctValues": distinct(number_of_distinct_values),
        }}),
        StatisticsData::Decimal {
            minimum_value,
            maximum_value,
            number_of_nulls,
            number_of_distinct_values,
        } => json!({"Type": "DECIMAL", "DecimalColumnStatisticsData": {
            "MinimumValue": minimum_value.as_deref().and_then(decimal_number),
            "MaximumValue": maximum_value.as_deref().and_then(decimal_number),
            "NumberOfNulls": number_of_nulls,
            "NumberOfDistinctValues": distinct(number_of_distinct_values),
        }}),
        StatisticsData::Double {
            minimum_value,
            maximum_value,
            number_of_nulls,
            number_of_distinct_values,
        } => json!({"Type": "DOUBLE", "DoubleColumnStatisticsData": {
            "MinimumValue": minimum_value,
            "MaximumValue": maximum_value,
            "NumberOfNulls": number_of_nulls,
            "NumberOfDistinctValues": distinct(number_of_distinct_values),
        }}),
        StatisticsData::Long {
            minimum_value,
            maximum_value,
            number_of_nulls,
            number_of_distinct_values,
        } => json!({"Type": "LONG", "LongColumnStatisticsData": {
            "MinimumValue": minimum_value,
            "MaximumValue": maximum_value,
            "NumberOfNulls": number_of_nulls,
            "NumberOfDistinctValues": distinct(number_of_distinct_values),
        }}),
        StatisticsData::String {
            maximum_length,
            average_length,
            number_of_nulls,
            number_of_distinct_values,
        } => json!({"Type": "STRING", "StringColumnStatisticsData": {
            "MaximumLength": maximum_length.unwrap_or(0),
            "AverageLength": average_length,
            "NumberOfNulls": number_of_nulls,
            "NumberOfDistinctValues": distinct(number_of_distinct_values),
        }}),
        StatisticsData::Binary {
            maximum_length,
            average_length,
            number_of_nulls,
        } => json!({"Type": "BINARY", "BinaryColumnStatisticsData": {
            "MaximumLength": maximum_length.unwrap_or(0),
            "AverageLength": average_length,
            "NumberOfNulls": number_of_nulls,
        }}),
        StatisticsData::Timestamp { .. } => return None,
    };
    Some(without_nulls(value))
}

/// Leaves out members without a value, as AWS does.
fn without_nulls(mut value: Value) -> Value {
    if let Value::Object(members) = &mut value {
        members.retain(|_, member| !member.is_null());
        for member in members.values_mut() {
            *member = without_nulls(member.take());
        }
    }
    value
}

/// The figures of Glue's `StatisticsData`.
fn model_data(data: &Value) -> Result<StatisticsData, GlueError> {
    let kind = data["Type"]
        .as_str()
        .ok_or_else(|| GlueError::invalid("StatisticsData.Type is required"))?;
    let member_name = match kind {
        "BOOLEAN" => "BooleanColumnStatisticsData",
        "DATE" => "DateColumnStatisticsData",
        "DECIMAL" => "DecimalColumnStatisticsData",
        "DOUBLE" => "DoubleColumnStatisticsData",
        "LONG" => "LongColumnStatisticsData",
        "STRING" => "StringColumnStatisticsData",
        "BINARY" => "BinaryColumnStatisticsData",
        other => {
            return Err(GlueError::invalid(format!(
                "StatisticsData.Type {other:?} is not one of BOOLEAN, DATE, DECIMAL, DOUBLE, \
                 LONG, STRING, BINARY"
            )));
        }
    };
    let member = data
        .get(member_name)
        .filter(|m| m.is_object())
        .ok_or_else(|| GlueError::invalid(format!("StatisticsData.{member_name} is required")))?;
    let count = |field: &str| -> Result<u64, GlueError> {
        member[field].as_u64().ok_or_else(|| {
            GlueError::invalid(format!(
                "{member_name}.{field} is required and must be a whole number of at least 0"
            ))
        })
    };
    let optional = |field: &str| member.get(field).filter(|v| !v.is_null());
    let number_of_distinct_values = |()| count("NumberOfDistinctValues").map(Some);
    let average_length = || {
        member["AverageLength"]
            .as_f64()
            .ok_or_else(|| GlueError::invalid(format!("{member_name}.AverageLength is required")))
    };
    let whole = |field: &str| -> Result<Option<i64>, GlueError> {
        optional(field)
            .map(|v| {
                v.as_i64().ok_or_else(|| {
                    GlueError::invalid(format!("{member_name}.{field} must be a whole number"))
                })
            })
            .transpose()
    };
    let real = |field: &str| -> Result<Option<f64>, GlueError> {
        optional(field)
            .map(|v| {
                v.as_f64().ok_or_else(|| {
                    GlueError::invalid(format!("{member_name}.{field} must be a number"))
                })
            })
            .transpose()
    };
    let date = |field: &str| -> Result<Option<NaiveDate>, GlueError> {
        optional(field)
            .map(|v| {
                v.as_f64()
                    .and_then(from_epoch)
                    .map(|t| t.date_naive())
                    .ok_or_else(|| {
                        GlueError::invalid(format!("{member_name}.{field} must be a timestamp"))
                    })
            })
            .transpose()
    };
    let decimal = |field: &str| optional(field).map(decimal_text).transpose();
    Ok(match kind {
        "BOOLEAN" => StatisticsData::Boolean {
            number_of_trues: count("NumberOfTrues")?,
            number_of_falses: count("NumberOfFalses")?,
            number_of_nulls: count("NumberOfNulls")?,
        },
        "DATE" => StatisticsData::Date {
            minimum_value: date("MinimumValue")?,
            maximum_value: date("MaximumValue")?,
            number_of_nulls: count("NumberOfNulls")?,
            number_of_distinct_values: number_of_distinct_values(())?,
        },
        "DECIMAL" => StatisticsData::Decimal {
            minimum_value: decimal("MinimumValue")?,
            maximum_value: decimal("MaximumValue")?,
            number_of_nulls: count("NumberOfNulls")?,
            number_of_distinct_values: number_of_distinct_values(())?,
        },
        "DOUBLE" => StatisticsData::Double {
            minimum_value: real("MinimumValue")?,
            maximum_value: real("MaximumValue")?,
            number_of_nulls: count("NumberOfNulls")?,
            number_of_distinct_values: number_of_distinct_values(())?,
        },
        "LONG" => StatisticsData::Long {
            minimum_value: whole("MinimumValue")?,
            maximum_value: whole("MaximumValue")?,
            number_of_nulls: count("NumberOfNulls")?,
            number_of_distinct_values: number_of_distinct_values(())?,
        },
        "STRING" => StatisticsData::String {
            maximum_length: Some(count("MaximumLength")?),
            average_length: average_length()?,
            number_of_nulls: count("NumberOfNulls")?,
            number_of_distinct_values: number_of_distinct_values(())?,
        },
        _ => StatisticsData::Binary {
            maximum_length: Some(count("MaximumLength")?),
            average_length: average_length()?,
            number_of_nulls: count("NumberOfNulls")?,
        },
    })
}

impl GlueColumnStatistics {
    /// The wire shape of stored statistics; `None` when Glue cannot express them.
    fn from_model(statistics: &ColumnStatistics) -> Option<GlueColumnStatistics> {
        Some(GlueColumnStatistics {
            column_name: statistics.column_name.clone(),
            column_type: statistics.column_type.clone(),
            analyzed_time: Some(epoch(statistics.analyzed_time)),
            statistics_data: glue_data(&statistics.data)?,
        })
    }

    fn into_model(self) -> Result<ColumnStatistics, GlueError> {
        required("ColumnStatistics.ColumnName", &self.column_name)?;
        required("ColumnStatistics.ColumnType", &self.column_type)?;
        let analyzed_time = self
            .analyzed_time
            .and_then(from_epoch)
            .ok_or_else(|| GlueError::invalid("ColumnStatistics.AnalyzedTime is required"))?;
        Ok(ColumnStatistics {
            column_name: self.column_name,
            column_type: self.column_type,
            analyzed_time,
            data: model_data(&self.statistics_data)?,
            origin: StatisticsOrigin::User,
            sampled: false,
            sketch: None,
        })
    }
}

/// A request naming a table, or one of its partitions.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct StatisticsRequest {
    database_name: String,
    table_name: String,
    partition_values: Option<Vec<String>>,
    column_names: Option<Vec<String>>,
    column_name: String,
    column_statistics_list: Option<Vec<GlueColumnStatistics>>,
}

impl StatisticsRequest {
    fn names(&self) -> Result<(&str, &str), GlueError> {
        Ok((
            required("DatabaseName", &self.database_name)?,
            required("TableName", &self.table_name)?,
        ))
    }
}

/// The scope of a `...ForTable` or a `...ForPartition` operation.
#[derive(Debug, Clone, Copy)]
enum Target {
    Table,
    Partition,
}

fn scope<'a>(target: Target, req: &'a StatisticsRequest) -> Result<StatisticsScope<'a>, GlueError> {
    match target {
        Target::Table => Ok(StatisticsScope::Table),
        Target::Partition => match &req.partition_values {
            Some(values) => Ok(StatisticsScope::Partition(values)),
            None => Err(GlueError::invalid("PartitionValues is required")),
        },
    }
}

fn detail(code: &'static str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        error_code: code,
        error_message: message.into(),
    }
}

async fn get(state: &AppState, req: StatisticsRequest, target: Target) -> Reply {
    let (database, table) = req.names()?;
    let columns = req
        .column_names
        .as_deref()
        .ok_or_else(|| GlueError::invalid("ColumnNames is required"))?;
    let found = state
        .catalog
        .get_column_statistics(database, table, scope(target, &req)?, columns)
        .await?;
    let mut list = Vec::new();
    let mut errors = Vec::new();
    for column in columns {
        let statistics = found.iter().find(|s| &s.column_name == column);
        match statistics.map(|s| (s, GlueColumnStatistics::from_model(s))) {
            Some((_, Some(glue))) => list.push(glue),
            Some((stored, None)) => errors.push(json!({
                "ColumnName": column,
                "Error": detail(
                    "InvalidInputException",
                    format!(
                        "column {column} has statistics of type {} (a timestamp), which Glue \
                         cannot express; read them through lakecat's REST API",
                        stored.column_type
                    ),
                ),
            })),
            None => errors.push(json!({
                "ColumnName": column,
                "Error": detail(
                    "EntityNotFoundException",
                    format!("column {column} of {database}.{table} has no statistics"),
                ),
            })),
        }
    }
    Ok(json!({"ColumnStatisticsList": list, "Errors": errors}))
}

async fn update(state: &AppState, mut req: StatisticsRequest, target: Target) -> Reply {
    let (database, table) = req.names()?;
    let (database, table) = (database.to_string(), table.to_string());
    let entries = req
        .column_statistics_list
        .take()
        .ok_or_else(|| GlueError::invalid("ColumnStatisticsList is required"))?;
    let mut statistics = Vec::with_capacity(entries.len());
    for entry in entries {
        statistics.push(entry.into_model()?);
    }
    let failures = state
        .catalog
        .update_column_statistics(&database, &table, scope(target, &req)?, statistics)
        .await?;
    let errors: Vec<Value> = failures
        .iter()
        .map(|failure| {
            json!({
                "ColumnStatistics": GlueColumnStatistics::from_model(&failure.statistics),
                "Error": error_detail(&failure.error),
            })
        })
        .collect();
    Ok(json!({"Errors": errors}))
}

fn error_detail(error: &CatalogError) -> ErrorDetail {
    detail(GlueError::kind_of(error).0, error.to_string())
}

async fn delete(state: &AppState, req: StatisticsRequest, target: Target) -> Reply {
    let (database, table) = req.names()?;
    let column = required("ColumnName", &req.column_name)?;
    state
        .catalog
        .delete_column_statistics(database, table, scope(target, &req)?, column)
        .await?;
    Ok(json!({}))
}

pub(super) async fn get_for_table(state: &AppState, req: StatisticsRequest) -> Reply {
    get(state, req, Target::Table).await
}

pub(super) async fn get_for_partition(state: &AppState, req: StatisticsRequest) -> Reply {
    get(state, req, Target::Partition).await
}

pub(super) async fn update_for_table(state: &AppState, req: StatisticsRequest) -> Reply {
    update(state, req, Target::Table).await
}

pub(super) async fn update_for_partition(state: &AppState, req: StatisticsRequest) -> Reply {
    update(state, req, Target::Partition).await
}

pub(super) async fn delete_for_table(state: &AppState, req: StatisticsRequest) -> Reply {
    delete(state, req, Target::Table).await
}

pub(super) async fn delete_for_partition(state: &AppState, req: StatisticsRequest) -> Reply {
    delete(state, req, Target::Partition).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn decimals_cross_the_wire_as_unscaled_bytes() {
        let cases = [
            ("0", "AA==", 0),
            ("1.27", "fw==", 2),
            ("1.28", "AIA=", 2),
            ("-1.28", "gA==", 2),
            ("-0.01", "/w==", 2),
            ("123456.789", "B1vNFQ==", 3),
        ];
        for (text, bytes, scale) in cases {
            let number = decimal_number(text).unwrap();
            assert_eq!(number["UnscaledValue"], bytes, "{text}");
            assert_eq!(number["Scale"], scale, "{text}");
            assert_eq!(decimal_text(&number).unwrap(), text, "{text}");
        }
        for bad in [
            json!({"UnscaledValue": "", "Scale": 1}),
            json!({"UnscaledValue": "AA==", "Scale": -1}),
            json!({"UnscaledValue": "not base64!", "Scale": 1}),
            json!({"UnscaledValue": BASE64.encode([1u8; 17]), "Scale": 1}),
        ] {
            assert!(decimal_text(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_kind_round_trips_through_glue_shapes() {
        let kinds = [
            json!({"Type": "BOOLEAN", "BooleanColumnStatisticsData": {"NumberOfTrues": 3, "NumberOfFalses": 4, "NumberOfNulls": 1}}),
            json!({"Type": "DATE", "DateColumnStatisticsData": {"MinimumValue": 1704067200.0, "MaximumValue": 1706659200.0, "NumberOfNulls": 0, "NumberOfDistinctValues": 31}}),
            json!({"Type": "DECIMAL", "DecimalColumnStatisticsData": {"MinimumValue": {"UnscaledValue": "/w==", "Scale": 2}, "NumberOfNulls": 2, "NumberOfDistinctValues": 9}}),
            json!({"Type": "DOUBLE", "DoubleColumnStatisticsData": {"MinimumValue": -1.5, "MaximumValue": 2.25, "NumberOfNulls": 0, "NumberOfDistinctValues": 0}}),
            json!({"Type": "LONG", "LongColumnStatisticsData": {"MaximumValue": 99, "NumberOfNulls": 5, "NumberOfDistinctValues": 40}}),
            json!({"Type": "STRING", "StringColumnStatisticsData": {"MaximumLength": 12, "AverageLength": 4.5, "NumberOfNulls": 0, "NumberOfDistinctValues": 7}}),
            json!({"Type": "BINARY", "BinaryColumnStatisticsData": {"MaximumLength": 100, "AverageLength": 50.0, "NumberOfNulls": 1}}),
        ];
        for glue in kinds {
            let model = model_data(&glue).unwrap();
            assert_eq!(glue_data(&model), Some(glue.clone()), "{glue}");
        }
    }

    #[test]
    fn malformed_statistics_data_is_refused_with_the_member_named() {
        let cases = [
            (json!({}), "Type is required"),
            (json!({"Type": "TIMESTAMP"}), "not one of"),
            (
                json!({"Type": "LONG"}),
                "LongColumnStatisticsData is required",
            ),
            (
                json!({"Type": "LONG", "LongColumnStatisticsData": {"NumberOfNulls": -1, "NumberOfDistinctValues": 1}}),
                "NumberOfNulls",
            ),
            (
                json!({"Type": "LONG", "LongColumnStatisticsData": {"MinimumValue": 1.5, "NumberOfNulls": 0, "NumberOfDistinctValues": 1}}),
                "MinimumValue must be a whole number",
            ),
            (
                json!({"Type": "STRING", "StringColumnStatisticsData": {"MaximumLength": 1, "NumberOfNulls": 0, "NumberOfDistinctValues": 1}}),
                "AverageLength",
            ),
        ];
        for (data, expected) in cases {
            let error = model_data(&data).unwrap_err();
            let error = format!("{error:?}");
            assert!(error.contains(expected), "{data}: {error}");
        }
    }

    #[test]
    fn unknown_figures_render_as_zero_and_timestamps_not_at_all() {
        let string = StatisticsData::String {
            maximum_length: None,
            average_length: 3.5,
            number_of_nulls: 1,
            number_of_distinct_values: None,
        };
        assert_eq!(
            glue_data(&string),
            Some(json!({"Type": "STRING", "StringColumnStatisticsData": {
                "MaximumLength": 0, "AverageLength": 3.5, "NumberOfNulls": 1,
                "NumberOfDistinctValues": 0}}))
        );
        let timestamp = StatisticsData::Timestamp {
            minimum_value: DateTime::<Utc>::from_timestamp(0, 0),
            maximum_value: None,
            number_of_nulls: 0,
            number_of_distinct_values: None,
        };
        assert_eq!(glue_data(&timestamp), None);
    }
}
