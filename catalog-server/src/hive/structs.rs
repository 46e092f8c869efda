//! The Hive Metastore structs the served calls exchange, field by field as in Hive's
//! `hive_metastore.thrift` (standalone-metastore, Hive 4; the ids are the same since Hive
//! 2.3, later fields were only added). Fields lakecat has nothing for (privileges, column
//! statistics, transaction ids, ...) are left out when writing and skipped when reading.
//!
//! `write` methods write a struct's fields without the final stop byte, which
//! [`Writer::struct_field`] and [`Writer::struct_list_field`] add; `read` functions read a
//! struct's fields up to and including its stop byte, skipping fields they do not know and
//! refusing known fields of the wrong type.

use std::collections::BTreeMap;

use super::protocol::{ProtocolError, Reader, Writer, expect_type, ttype};

/// Reads a struct's fields, handing each known one to `field`, which answers whether it
/// took the field (false: skip it).
fn read_fields<'a>(
    r: &mut Reader<'a>,
    mut field: impl FnMut(&mut Reader<'a>, i16, u8) -> Result<bool, ProtocolError>,
) -> Result<(), ProtocolError> {
    while let Some((kind, id)) = r.read_field()? {
        if !field(r, id, kind)? {
            r.skip(kind)?;
        }
    }
    Ok(())
}

/// Reads a field's value with `read` after checking its type.
fn typed<'a, T>(
    r: &mut Reader<'a>,
    kind: u8,
    expected: u8,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, ProtocolError>,
) -> Result<T, ProtocolError> {
    expect_type("field", expected, kind)?;
    read(r)
}

/// Hive's catalog name: Hive 3 added catalogs, and every Hive client that sends one sends
/// this unless configured otherwise.
pub(crate) const HIVE_CATALOG: &str = "hive";

/// `PrincipalType.USER`.
pub(crate) const PRINCIPAL_USER: i32 = 1;

/// `FieldSchema`: a column or a partition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSchema {
    /// 1: name.
    pub(crate) name: String,
    /// 2: Hive type string.
    pub(crate) type_name: String,
    /// 3: comment.
    pub(crate) comment: Option<String>,
}

impl FieldSchema {
    /// Reads the struct.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<FieldSchema, ProtocolError> {
        let mut out = FieldSchema {
            name: String::new(),
            type_name: String::new(),
            comment: None,
        };
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                2 => out.type_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                3 => out.comment = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }

    fn write(&self, w: &mut Writer) {
        w.string_field(1, &self.name);
        w.string_field(2, &self.type_name);
        w.optional_string_field(3, self.comment.as_deref());
    }
}

/// `SerDeInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SerDeInfo {
    /// 1: name.
    pub(crate) name: Option<String>,
    /// 2: the SerDe class.
    pub(crate) serialization_lib: Option<String>,
    /// 3: SerDe properties.
    pub(crate) parameters: BTreeMap<String, String>,
}

impl SerDeInfo {
    /// Reads the struct.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<SerDeInfo, ProtocolError> {
        let mut out = SerDeInfo::default();
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.name = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                2 => {
                    out.serialization_lib =
                        Some(typed(r, kind, ttype::STRING, Reader::read_string)?);
                }
                3 => out.parameters = typed(r, kind, ttype::MAP, Reader::read_string_map)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }

    fn write(&self, w: &mut Writer) {
        w.optional_string_field(1, self.name.as_deref());
        w.optional_string_field(2, self.serialization_lib.as_deref());
        w.string_map_field(3, &self.parameters);
    }
}

/// `Order`: a sort column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Order {
    /// 1: column name.
    pub(crate) col: String,
    /// 2: 1 ascending, 0 descending.
    pub(crate) order: i32,
}

/// `StorageDescriptor`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StorageDescriptor {
    /// 1: data columns.
    pub(crate) cols: Vec<FieldSchema>,
    /// 2: location.
    pub(crate) location: Option<String>,
    /// 3: input format class.
    pub(crate) input_format: Option<String>,
    /// 4: output format class.
    pub(crate) output_format: Option<String>,
    /// 5: compressed.
    pub(crate) compressed: bool,
    /// 6: number of buckets (-1 when not bucketed).
    pub(crate) num_buckets: i32,
    /// 7: SerDe.
    pub(crate) serde_info: SerDeInfo,
    /// 8: bucket columns.
    pub(crate) bucket_cols: Vec<String>,
    /// 9: sort columns.
    pub(crate) sort_cols: Vec<Order>,
    /// 10: parameters.
    pub(crate) parameters: BTreeMap<String, String>,
    /// 12: stored as subdirectories.
    pub(crate) stored_as_sub_directories: bool,
}

impl StorageDescriptor {
    /// Reads the struct. Skewed-value information, which lakecat does not keep, is skipped.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<StorageDescriptor, ProtocolError> {
        let mut out = StorageDescriptor {
            num_buckets: -1,
            ..StorageDescriptor::default()
        };
        read_fields(r, |r, id, kind| {
            match id {
                1 => {
                    out.cols = typed(r, kind, ttype::LIST, |r| {
                        r.read_struct_list(FieldSchema::read)
                    })?
                }
                2 => out.location = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                3 => out.input_format = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                4 => {
                    out.output_format = Some(typed(r, kind, ttype::STRING, Reader::read_string)?);
                }
                5 => out.compressed = typed(r, kind, ttype::BOOL, Reader::read_bool)?,
                6 => out.num_buckets = typed(r, kind, ttype::I32, Reader::read_i32)?,
                7 => out.serde_info = typed(r, kind, ttype::STRUCT, SerDeInfo::read)?,
                8 => out.bucket_cols = typed(r, kind, ttype::LIST, Reader::read_string_list)?,
                9 => {
                    out.sort_cols = typed(r, kind, ttype::LIST, |r| {
                        r.read_struct_list(|r| {
                            let mut order = Order {
                                col: String::new(),
                                order: 1,
                            };
                            read_fields(r, |r, id, kind| {
                                match id {
                                    1 => {
                                        order.col =
                                            typed(r, kind, ttype::STRING, Reader::read_string)?
                                    }
                                    2 => {
                                        order.order = typed(r, kind, ttype::I32, Reader::read_i32)?
                                    }
                                    _ => return Ok(false),
                                }
                                Ok(true)
                            })?;
                            Ok(order)
                        })
                    })?;
                }
                10 => out.parameters = typed(r, kind, ttype::MAP, Reader::read_string_map)?,
                12 => {
                    out.stored_as_sub_directories = typed(r, kind, ttype::BOOL, Reader::read_bool)?
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }

    fn write(&self, w: &mut Writer) {
        w.struct_list_field(1, &self.cols, |w, c| c.write(w));
        w.optional_string_field(2, self.location.as_deref());
        w.optional_string_field(3, self.input_format.as_deref());
        w.optional_string_field(4, self.output_format.as_deref());
        w.bool_field(5, self.compressed);
        w.i32_field(6, self.num_buckets);
        w.struct_field(7, |w| self.serde_info.write(w));
        w.string_list_field(8, &self.bucket_cols);
        w.struct_list_field(9, &self.sort_cols, |w, o| {
            w.string_field(1, &o.col);
            w.i32_field(2, o.order);
        });
        w.string_map_field(10, &self.parameters);
        // 11: SkewedInfo, always present and empty: Hive's own metastore always returns one,
        // and Hive's client-side `Table.getSkewedColNames` dereferences it without a check.
        w.struct_field(11, |w| {
            w.string_list_field(1, &[]);
            w.field(ttype::LIST, 2);
            w.list_header(ttype::LIST, 0);
            w.field(ttype::MAP, 3);
            w.map_header(ttype::LIST, ttype::STRING, 0);
        });
        w.bool_field(12, self.stored_as_sub_directories);
    }
}

/// `Database`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Database {
    /// 1: name.
    pub(crate) name: String,
    /// 2: description.
    pub(crate) description: Option<String>,
    /// 3: location.
    pub(crate) location_uri: Option<String>,
    /// 4: parameters.
    pub(crate) parameters: BTreeMap<String, String>,
    /// 6: owner.
    pub(crate) owner_name: Option<String>,
    /// 8: catalog.
    pub(crate) catalog_name: String,
    /// 9: creation time, seconds since the epoch.
    pub(crate) create_time: i32,
}

impl Database {
    /// Reads the struct. The owner is read but lakecat's databases do not keep one.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Database, ProtocolError> {
        let mut out = Database {
            name: String::new(),
            description: None,
            location_uri: None,
            parameters: BTreeMap::new(),
            owner_name: None,
            catalog_name: HIVE_CATALOG.to_string(),
            create_time: 0,
        };
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                2 => out.description = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                3 => out.location_uri = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                4 => out.parameters = typed(r, kind, ttype::MAP, Reader::read_string_map)?,
                6 => out.owner_name = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                8 => out.catalog_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                9 => out.create_time = typed(r, kind, ttype::I32, Reader::read_i32)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// Writes the struct's fields.
    pub(crate) fn write(&self, w: &mut Writer) {
        w.string_field(1, &self.name);
        w.optional_string_field(2, self.description.as_deref());
        w.optional_string_field(3, self.location_uri.as_deref());
        w.string_map_field(4, &self.parameters);
        if let Some(owner) = &self.owner_name {
            w.string_field(6, owner);
            w.i32_field(7, PRINCIPAL_USER);
        }
        w.string_field(8, &self.catalog_name);
        w.i32_field(9, self.create_time);
    }
}

/// `Table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    /// 1: name.
    pub(crate) table_name: String,
    /// 2: database.
    pub(crate) db_name: String,
    /// 3: owner.
    pub(crate) owner: Option<String>,
    /// 4: creation time, seconds since the epoch.
    pub(crate) create_time: i32,
    /// 5: last access time, seconds since the epoch (0: never recorded).
    pub(crate) last_access_time: i32,
    /// 6: retention, days.
    pub(crate) retention: i32,
    /// 7: storage.
    pub(crate) sd: StorageDescriptor,
    /// 8: partition keys.
    pub(crate) partition_keys: Vec<FieldSchema>,
    /// 9: parameters.
    pub(crate) parameters: BTreeMap<String, String>,
    /// 10: a view's original text.
    pub(crate) view_original_text: Option<String>,
    /// 11: a view's expanded text.
    pub(crate) view_expanded_text: Option<String>,
    /// 12: `MANAGED_TABLE`, `EXTERNAL_TABLE`, `VIRTUAL_VIEW` or `MATERIALIZED_VIEW`.
    pub(crate) table_type: String,
    /// 17: catalog.
    pub(crate) cat_name: String,
}

impl Table {
    /// Reads the struct.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Table, ProtocolError> {
        let mut out = Table {
            table_name: String::new(),
            db_name: String::new(),
            owner: None,
            create_time: 0,
            last_access_time: 0,
            retention: 0,
            sd: StorageDescriptor {
                num_buckets: -1,
                ..StorageDescriptor::default()
            },
            partition_keys: Vec::new(),
            parameters: BTreeMap::new(),
            view_original_text: None,
            view_expanded_text: None,
            table_type: String::new(),
            cat_name: HIVE_CATALOG.to_string(),
        };
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.table_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                2 => out.db_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                3 => out.owner = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                4 => out.create_time = typed(r, kind, ttype::I32, Reader::read_i32)?,
                5 => out.last_access_time = typed(r, kind, ttype::I32, Reader::read_i32)?,
                6 => out.retention = typed(r, kind, ttype::I32, Reader::read_i32)?,
                7 => out.sd = typed(r, kind, ttype::STRUCT, StorageDescriptor::read)?,
                8 => {
                    out.partition_keys = typed(r, kind, ttype::LIST, |r| {
                        r.read_struct_list(FieldSchema::read)
                    })?;
                }
                9 => out.parameters = typed(r, kind, ttype::MAP, Reader::read_string_map)?,
                10 => {
                    out.view_original_text =
                        Some(typed(r, kind, ttype::STRING, Reader::read_string)?);
                }
                11 => {
                    out.view_expanded_text =
                        Some(typed(r, kind, ttype::STRING, Reader::read_string)?);
                }
                12 => out.table_type = typed(r, kind, ttype::STRING, Reader::read_string)?,
                17 => out.cat_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// Writes the struct's fields.
    pub(crate) fn write(&self, w: &mut Writer) {
        w.string_field(1, &self.table_name);
        w.string_field(2, &self.db_name);
        w.optional_string_field(3, self.owner.as_deref());
        w.i32_field(4, self.create_time);
        w.i32_field(5, self.last_access_time);
        w.i32_field(6, self.retention);
        w.struct_field(7, |w| self.sd.write(w));
        w.struct_list_field(8, &self.partition_keys, |w, c| c.write(w));
        w.string_map_field(9, &self.parameters);
        w.optional_string_field(10, self.view_original_text.as_deref());
        w.optional_string_field(11, self.view_expanded_text.as_deref());
        w.string_field(12, &self.table_type);
        w.bool_field(14, false);
        w.string_field(17, &self.cat_name);
        if self.owner.is_some() {
            w.i32_field(18, PRINCIPAL_USER);
        }
    }
}

/// `Partition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Partition {
    /// 1: one value per partition key.
    pub(crate) values: Vec<String>,
    /// 2: database.
    pub(crate) db_name: String,
    /// 3: table.
    pub(crate) table_name: String,
    /// 4: creation time, seconds since the epoch.
    pub(crate) create_time: i32,
    /// 5: last access time (0: never recorded).
    pub(crate) last_access_time: i32,
    /// 6: storage.
    pub(crate) sd: StorageDescriptor,
    /// 7: parameters.
    pub(crate) parameters: BTreeMap<String, String>,
    /// 9: catalog.
    pub(crate) cat_name: String,
}

impl Partition {
    /// Reads the struct.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Partition, ProtocolError> {
        let mut out = Partition {
            values: Vec::new(),
            db_name: String::new(),
            table_name: String::new(),
            create_time: 0,
            last_access_time: 0,
            sd: StorageDescriptor {
                num_buckets: -1,
                ..StorageDescriptor::default()
            },
            parameters: BTreeMap::new(),
            cat_name: HIVE_CATALOG.to_string(),
        };
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.values = typed(r, kind, ttype::LIST, Reader::read_string_list)?,
                2 => out.db_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                3 => out.table_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                4 => out.create_time = typed(r, kind, ttype::I32, Reader::read_i32)?,
                5 => out.last_access_time = typed(r, kind, ttype::I32, Reader::read_i32)?,
                6 => out.sd = typed(r, kind, ttype::STRUCT, StorageDescriptor::read)?,
                7 => out.parameters = typed(r, kind, ttype::MAP, Reader::read_string_map)?,
                9 => out.cat_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// Writes the struct's fields.
    pub(crate) fn write(&self, w: &mut Writer) {
        w.string_list_field(1, &self.values);
        w.string_field(2, &self.db_name);
        w.string_field(3, &self.table_name);
        w.i32_field(4, self.create_time);
        w.i32_field(5, self.last_access_time);
        w.struct_field(6, |w| self.sd.write(w));
        w.string_map_field(7, &self.parameters);
        w.string_field(9, &self.cat_name);
    }
}

/// `TableMeta`, an entry of `get_table_meta`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableMeta {
    /// 1: database.
    pub(crate) db_name: String,
    /// 2: table.
    pub(crate) table_name: String,
    /// 3: table type.
    pub(crate) table_type: String,
    /// 4: the table's comment.
    pub(crate) comments: Option<String>,
    /// 5: catalog.
    pub(crate) cat_name: String,
}

impl TableMeta {
    /// Writes the struct's fields.
    pub(crate) fn write(&self, w: &mut Writer) {
        w.string_field(1, &self.db_name);
        w.string_field(2, &self.table_name);
        w.string_field(3, &self.table_type);
        w.optional_string_field(4, self.comments.as_deref());
        w.string_field(5, &self.cat_name);
    }
}

/// `GetTableRequest` (`get_table_req`), the fields lakecat uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GetTableRequest {
    /// 1: database.
    pub(crate) db_name: String,
    /// 2: table.
    pub(crate) tbl_name: String,
    /// 4: catalog.
    pub(crate) cat_name: Option<String>,
}

impl GetTableRequest {
    /// Reads the struct (its field header already read).
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<GetTableRequest, ProtocolError> {
        let mut out = GetTableRequest::default();
        while let Some((kind, id)) = r.read_field()? {
            match (id, kind) {
                (1, ttype::STRING) => out.db_name = r.read_string()?,
                (2, ttype::STRING) => out.tbl_name = r.read_string()?,
                (4, ttype::STRING) => out.cat_name = Some(r.read_string()?),
                _ => r.skip(kind)?,
            }
        }
        Ok(out)
    }
}

/// `GetTablesRequest` (`get_table_objects_by_name_req`), the fields lakecat uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GetTablesRequest {
    /// 1: database.
    pub(crate) db_name: String,
    /// 2: table names; absent means every table.
    pub(crate) tbl_names: Option<Vec<String>>,
    /// 4: catalog.
    pub(crate) cat_name: Option<String>,
    /// 8: a table name pattern (Hive 4).
    pub(crate) tables_pattern: Option<String>,
}

impl GetTablesRequest {
    /// Reads the struct (its field header already read).
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<GetTablesRequest, ProtocolError> {
        let mut out = GetTablesRequest::default();
        while let Some((kind, id)) = r.read_field()? {
            match (id, kind) {
                (1, ttype::STRING) => out.db_name = r.read_string()?,
                (2, ttype::LIST) => out.tbl_names = Some(r.read_string_list()?),
                (4, ttype::STRING) => out.cat_name = Some(r.read_string()?),
                (8, ttype::STRING) => out.tables_pattern = Some(r.read_string()?),
                _ => r.skip(kind)?,
            }
        }
        Ok(out)
    }
}

/// `ResourceUri` of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceUri {
    /// 1: `ResourceType`: 1 JAR, 2 FILE, 3 ARCHIVE.
    pub(crate) resource_type: i32,
    /// 2: where it is.
    pub(crate) uri: String,
}

/// `Function`, a user-defined function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Function {
    /// 1: name.
    pub(crate) function_name: String,
    /// 2: database.
    pub(crate) db_name: String,
    /// 3: implementing class.
    pub(crate) class_name: Option<String>,
    /// 4: owner.
    pub(crate) owner_name: Option<String>,
    /// 5: `PrincipalType` of the owner.
    pub(crate) owner_type: Option<i32>,
    /// 6: creation time, seconds since the epoch.
    pub(crate) create_time: i32,
    /// 8: resources.
    pub(crate) resource_uris: Vec<ResourceUri>,
    /// 9: catalog.
    pub(crate) cat_name: String,
}

impl Function {
    /// Writes the struct's fields.
    pub(crate) fn write(&self, w: &mut Writer) {
        w.string_field(1, &self.function_name);
        w.string_field(2, &self.db_name);
        w.optional_string_field(3, self.class_name.as_deref());
        w.optional_string_field(4, self.owner_name.as_deref());
        if let Some(owner_type) = self.owner_type {
            w.i32_field(5, owner_type);
        }
        w.i32_field(6, self.create_time);
        // 7: FunctionType, which has one value: JAVA.
        w.i32_field(7, 1);
        w.struct_list_field(8, &self.resource_uris, |w, r| {
            w.i32_field(1, r.resource_type);
            w.string_field(2, &r.uri);
        });
        w.string_field(9, &self.cat_name);
    }
}

/// `ColumnStatistics` as clients write it (`update_table_column_statistics` and friends):
/// where the figures belong (`ColumnStatisticsDesc`) and each column's.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ColumnStatistics {
    /// Desc 1: table-level (true) or a partition's.
    pub(crate) table_level: bool,
    /// Desc 2: database.
    pub(crate) db_name: String,
    /// Desc 3: table.
    pub(crate) table_name: String,
    /// Desc 4: the partition's name (`key=value/...`).
    pub(crate) part_name: Option<String>,
    /// Desc 5: when computed, in seconds since the epoch.
    pub(crate) last_analyzed: Option<i64>,
    /// Desc 6: catalog.
    pub(crate) cat_name: Option<String>,
    /// 2: each column's figures.
    pub(crate) columns: Vec<ColumnStatisticsObj>,
}

/// `ColumnStatisticsObj`: one column's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ColumnStatisticsObj {
    /// 1: column.
    pub(crate) name: String,
    /// 2: its Hive type.
    pub(crate) type_name: String,
    /// 3: the `ColumnStatisticsData` union's member; `None` when it is one lakecat does not
    /// know.
    pub(crate) data: Option<StatisticsFigures>,
}

/// A `ColumnStatisticsData` member. Values absent from the message are `None`; Hive's
/// distinct-value counts of 0 mean "not computed".
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StatisticsFigures {
    /// 1: `BooleanColumnStatsData` (trues, falses, nulls).
    Boolean(i64, i64, i64),
    /// 2: `LongColumnStatsData`.
    Long(Bounded<i64>),
    /// 3: `DoubleColumnStatsData`.
    Double(Bounded<f64>),
    /// 4: `StringColumnStatsData`.
    String(Lengths),
    /// 5: `BinaryColumnStatsData` (its distinct count is always absent).
    Binary(Lengths),
    /// 6: `DecimalColumnStatsData`: bounds as (unscaled big-endian bytes, scale).
    Decimal(Bounded<(Vec<u8>, i16)>),
    /// 7: `DateColumnStatsData`: bounds in days since the epoch.
    Date(Bounded<i64>),
    /// 8: `TimestampColumnStatsData` (Hive 4): bounds in seconds since the epoch.
    Timestamp(Bounded<i64>),
}

/// Figures of a column with bounds: low (1), high (2), nulls (3), distinct values (4).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Bounded<T> {
    pub(crate) low: Option<T>,
    pub(crate) high: Option<T>,
    pub(crate) nulls: i64,
    pub(crate) distinct: i64,
}

/// Figures of a string or binary column: longest (1), average length (2), nulls (3),
/// distinct values (4).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Lengths {
    pub(crate) max_length: i64,
    pub(crate) average_length: f64,
    pub(crate) nulls: i64,
    pub(crate) distinct: i64,
}

impl ColumnStatistics {
    /// Reads the struct.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<ColumnStatistics, ProtocolError> {
        let mut out = ColumnStatistics::default();
        read_fields(r, |r, id, kind| {
            match id {
                1 => typed(r, kind, ttype::STRUCT, |r| {
                    read_fields(r, |r, id, kind| {
                        match id {
                            1 => out.table_level = typed(r, kind, ttype::BOOL, Reader::read_bool)?,
                            2 => out.db_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                            3 => {
                                out.table_name = typed(r, kind, ttype::STRING, Reader::read_string)?
                            }
                            4 => {
                                out.part_name =
                                    Some(typed(r, kind, ttype::STRING, Reader::read_string)?)
                            }
                            5 => {
                                out.last_analyzed =
                                    Some(typed(r, kind, ttype::I64, Reader::read_i64)?)
                            }
                            6 => {
                                out.cat_name =
                                    Some(typed(r, kind, ttype::STRING, Reader::read_string)?)
                            }
                            _ => return Ok(false),
                        }
                        Ok(true)
                    })
                })?,
                2 => {
                    out.columns = typed(r, kind, ttype::LIST, |r| {
                        r.read_struct_list(ColumnStatisticsObj::read)
                    })?
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }
}

impl ColumnStatisticsObj {
    /// Reads the struct.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<ColumnStatisticsObj, ProtocolError> {
        let mut out = ColumnStatisticsObj::default();
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                2 => out.type_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                3 => out.data = typed(r, kind, ttype::STRUCT, StatisticsFigures::read)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }
}

impl StatisticsFigures {
    /// Reads the union: its one member, or `None` for a member lakecat does not know.
    fn read(r: &mut Reader<'_>) -> Result<Option<StatisticsFigures>, ProtocolError> {
        let mut out = None;
        read_fields(r, |r, id, kind| {
            let member = match id {
                1 => typed(r, kind, ttype::STRUCT, |r| {
                    let mut counts = [0_i64; 3];
                    read_fields(r, |r, id, kind| match id {
                        1..=3 => {
                            counts[id as usize - 1] = typed(r, kind, ttype::I64, Reader::read_i64)?;
                            Ok(true)
                        }
                        _ => Ok(false),
                    })?;
                    Ok(StatisticsFigures::Boolean(counts[0], counts[1], counts[2]))
                })?,
                2 => StatisticsFigures::Long(read_bounded(r, kind, ttype::I64, Reader::read_i64)?),
                3 => StatisticsFigures::Double(read_bounded(
                    r,
                    kind,
                    ttype::DOUBLE,
                    Reader::read_double,
                )?),
                4 => StatisticsFigures::String(read_lengths(r, kind)?),
                5 => StatisticsFigures::Binary(read_lengths(r, kind)?),
                6 => StatisticsFigures::Decimal(read_bounded(r, kind, ttype::STRUCT, |r| {
                    let (mut unscaled, mut scale) = (Vec::new(), 0);
                    read_fields(r, |r, id, kind| {
                        match id {
                            1 => {
                                unscaled =
                                    typed(r, kind, ttype::STRING, Reader::read_binary)?.to_vec()
                            }
                            3 => scale = typed(r, kind, ttype::I16, Reader::read_i16)?,
                            _ => return Ok(false),
                        }
                        Ok(true)
                    })?;
                    Ok((unscaled, scale))
                })?),
                // Date (days) and Timestamp (seconds) bounds are structs of one i64.
                7 | 8 => {
                    let bounded = read_bounded(r, kind, ttype::STRUCT, |r| {
                        let mut value = 0;
                        read_fields(r, |r, id, kind| {
                            if id != 1 {
                                return Ok(false);
                            }
                            value = typed(r, kind, ttype::I64, Reader::read_i64)?;
                            Ok(true)
                        })?;
                        Ok(value)
                    })?;
                    if id == 7 {
                        StatisticsFigures::Date(bounded)
                    } else {
                        StatisticsFigures::Timestamp(bounded)
                    }
                }
                _ => return Ok(false),
            };
            out = Some(member);
            Ok(true)
        })?;
        Ok(out)
    }
}

/// Reads a `SetPartitionsStatsRequest` (`set_aggr_stats_for`, Hive 3's
/// `update_*_column_statistics_req`): its statistics (1); merging (2) is not done, each
/// column's figures replace what it had.
pub(crate) fn read_set_statistics_request(
    r: &mut Reader<'_>,
) -> Result<Vec<ColumnStatistics>, ProtocolError> {
    let mut out = Vec::new();
    read_fields(r, |r, id, kind| {
        if id != 1 {
            return Ok(false);
        }
        out = typed(r, kind, ttype::LIST, |r| {
            r.read_struct_list(ColumnStatistics::read)
        })?;
        Ok(true)
    })?;
    Ok(out)
}

/// Reads a struct of figures with bounds whose values are of `value_kind`, read by `value`.
fn read_bounded<'a, T>(
    r: &mut Reader<'a>,
    kind: u8,
    value_kind: u8,
    mut value: impl FnMut(&mut Reader<'a>) -> Result<T, ProtocolError>,
) -> Result<Bounded<T>, ProtocolError> {
    typed(r, kind, ttype::STRUCT, |r| {
        let mut out = Bounded {
            low: None,
            high: None,
            nulls: 0,
            distinct: 0,
        };
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.low = Some(typed(r, kind, value_kind, &mut value)?),
                2 => out.high = Some(typed(r, kind, value_kind, &mut value)?),
                3 => out.nulls = typed(r, kind, ttype::I64, Reader::read_i64)?,
                4 => out.distinct = typed(r, kind, ttype::I64, Reader::read_i64)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    })
}

/// Reads a struct of a string or binary column's figures.
fn read_lengths(r: &mut Reader<'_>, kind: u8) -> Result<Lengths, ProtocolError> {
    typed(r, kind, ttype::STRUCT, |r| {
        let mut out = Lengths::default();
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.max_length = typed(r, kind, ttype::I64, Reader::read_i64)?,
                2 => out.average_length = typed(r, kind, ttype::DOUBLE, Reader::read_double)?,
                3 => out.nulls = typed(r, kind, ttype::I64, Reader::read_i64)?,
                4 => out.distinct = typed(r, kind, ttype::I64, Reader::read_i64)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    })
}

/// `AddPartitionsRequest` (`add_partitions_req`), the fields lakecat uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AddPartitionsRequest {
    /// 1: database.
    pub(crate) db_name: String,
    /// 2: table.
    pub(crate) tbl_name: String,
    /// 3: the partitions.
    pub(crate) parts: Vec<Partition>,
    /// 4: skip partitions that exist instead of failing.
    pub(crate) if_not_exists: bool,
    /// 5: answer the partitions added (Hive's default: yes).
    pub(crate) need_result: bool,
    /// 6: catalog.
    pub(crate) cat_name: Option<String>,
}

impl AddPartitionsRequest {
    /// Reads the struct.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<AddPartitionsRequest, ProtocolError> {
        let mut out = AddPartitionsRequest {
            need_result: true,
            ..AddPartitionsRequest::default()
        };
        read_fields(r, |r, id, kind| {
            match id {
                1 => out.db_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                2 => out.tbl_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                3 => {
                    out.parts = typed(r, kind, ttype::LIST, |r| {
                        r.read_struct_list(Partition::read)
                    })?
                }
                4 => out.if_not_exists = typed(r, kind, ttype::BOOL, Reader::read_bool)?,
                5 => out.need_result = typed(r, kind, ttype::BOOL, Reader::read_bool)?,
                6 => out.cat_name = Some(typed(r, kind, ttype::STRING, Reader::read_string)?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(out)
    }
}

/// A `LockComponent` of a `LockRequest`, the fields lakecat uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LockComponent {
    /// 1: `LockType`: 1 SHARED_READ, 2 SHARED_WRITE, 3 EXCLUSIVE, 4 EXCL_WRITE.
    pub(crate) lock_type: i32,
    /// 3: database.
    pub(crate) db_name: String,
    /// 4: table, absent for a database lock.
    pub(crate) table_name: Option<String>,
}

/// Reads a `LockRequest` (`lock`): its components (1); the transaction id, user and host are
/// not used.
pub(crate) fn read_lock_request(r: &mut Reader<'_>) -> Result<Vec<LockComponent>, ProtocolError> {
    let mut components = Vec::new();
    read_fields(r, |r, id, kind| {
        if id != 1 {
            return Ok(false);
        }
        components = typed(r, kind, ttype::LIST, |r| {
            r.read_struct_list(|r| {
                let mut out = LockComponent::default();
                read_fields(r, |r, id, kind| {
                    match id {
                        1 => out.lock_type = typed(r, kind, ttype::I32, Reader::read_i32)?,
                        3 => out.db_name = typed(r, kind, ttype::STRING, Reader::read_string)?,
                        4 => {
                            out.table_name =
                                Some(typed(r, kind, ttype::STRING, Reader::read_string)?)
                        }
                        _ => return Ok(false),
                    }
                    Ok(true)
                })?;
                Ok(out)
            })
        })?;
        Ok(true)
    })?;
    Ok(components)
}

/// Reads the lock id (field 1) of a `CheckLockRequest`, `UnlockRequest` or
/// `HeartbeatRequest`; 0 when absent.
pub(crate) fn read_lock_id(r: &mut Reader<'_>) -> Result<i64, ProtocolError> {
    let mut lock_id = 0;
    read_fields(r, |r, id, kind| {
        if id != 1 {
            return Ok(false);
        }
        lock_id = typed(r, kind, ttype::I64, Reader::read_i64)?;
        Ok(true)
    })?;
    Ok(lock_id)
}

/// Reads an `EnvironmentContext`'s properties (1).
pub(crate) fn read_environment_context(
    r: &mut Reader<'_>,
) -> Result<BTreeMap<String, String>, ProtocolError> {
    let mut properties = BTreeMap::new();
    read_fields(r, |r, id, kind| {
        if id != 1 {
            return Ok(false);
        }
        properties = typed(r, kind, ttype::MAP, Reader::read_string_map)?;
        Ok(true)
    })?;
    Ok(properties)
}
