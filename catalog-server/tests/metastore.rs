//! The Hive Metastore Thrift endpoint of the real `lakecat` binary: data created through
//! REST, read back with Thrift's binary protocol over a real socket, unframed (Hive's and
//! Spark's default) and framed. The client here is written from Apache Thrift's binary
//! protocol specification, apart from the server's codec, and decodes replies generically,
//! so the assertions read field ids as Hive's IDL numbers them. Two tests run real clients:
//! `tests/python/metastore_thrift.py` with `.venv-hive` (Apache Thrift's Python library and
//! PyIceberg's HiveCatalog) and `tests/python/metastore_spark.py` with `.venv-spark` (Spark
//! and its Hive 2.3 client); `scripts/test` makes both environments (`scripts/python-env`).
//! The last compares lakecat's answers with those of the Hive Metastore in the pyspark wheel
//! (`tests/python/metastore_compare.py`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::{Server, free_port, http, output_text};

/// A decoded Thrift value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
    Struct(BTreeMap<i16, Value>),
    List(Vec<Value>),
    Map(Vec<(Value, Value)>),
}

impl Value {
    fn field(&self, id: i16) -> &Value {
        match self {
            Value::Struct(fields) => fields
                .get(&id)
                .unwrap_or_else(|| panic!("no field {id} in {self:?}")),
            other => panic!("not a struct: {other:?}"),
        }
    }

    fn has(&self, id: i16) -> bool {
        matches!(self, Value::Struct(fields) if fields.contains_key(&id))
    }

    fn str(&self) -> &str {
        match self {
            Value::Str(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }

    fn int(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            other => panic!("not an integer: {other:?}"),
        }
    }

    fn list(&self) -> &[Value] {
        match self {
            Value::List(items) => items,
            other => panic!("not a list: {other:?}"),
        }
    }

    fn strings(&self) -> Vec<String> {
        self.list().iter().map(|v| v.str().to_string()).collect()
    }
}

/// Argument encoding, from the binary protocol's specification.
#[derive(Default)]
struct Args(Vec<u8>);

impl Args {
    fn header(&mut self, kind: u8, id: i16) -> &mut Self {
        self.0.push(kind);
        self.0.extend_from_slice(&id.to_be_bytes());
        self
    }
    fn raw_string(&mut self, s: &str) {
        self.0.extend_from_slice(&(s.len() as i32).to_be_bytes());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn string(mut self, id: i16, s: &str) -> Self {
        self.header(11, id).raw_string(s);
        self
    }
    fn i16(mut self, id: i16, v: i16) -> Self {
        self.header(6, id).0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn strings(mut self, id: i16, values: &[&str]) -> Self {
        self.header(15, id).0.push(11);
        self.0
            .extend_from_slice(&(values.len() as i32).to_be_bytes());
        for v in values {
            self.raw_string(v);
        }
        self
    }
    fn bool(mut self, id: i16, v: bool) -> Self {
        self.header(2, id).0.push(u8::from(v));
        self
    }
    fn map(mut self, id: i16, entries: &[(&str, &str)]) -> Self {
        self.header(13, id).0.extend_from_slice(&[11, 11]);
        self.0
            .extend_from_slice(&(entries.len() as i32).to_be_bytes());
        for (k, v) in entries {
            self.raw_string(k);
            self.raw_string(v);
        }
        self
    }
    fn structs(mut self, id: i16, items: Vec<Args>) -> Self {
        self.header(15, id).0.push(12);
        self.0
            .extend_from_slice(&(items.len() as i32).to_be_bytes());
        for item in items {
            self.0.extend_from_slice(&item.0);
            self.0.push(0);
        }
        self
    }
    fn structure(mut self, id: i16, inner: Args) -> Self {
        self.header(12, id).0.extend_from_slice(&inner.0);
        self.0.push(0);
        self
    }
}

/// What the server answered.
#[derive(Debug)]
enum Reply {
    /// The result struct.
    Result(Value),
    /// A TApplicationException: (type, message).
    Application(i64, String),
}

impl Reply {
    fn ok(self) -> Value {
        match self {
            Reply::Result(value) => value,
            other @ Reply::Application(..) => panic!("expected a result, got {other:?}"),
        }
    }
    /// The success value (field 0).
    fn success(self) -> Value {
        self.ok().field(0).clone()
    }
}

struct Client {
    stream: TcpStream,
    framed: bool,
    seqid: i32,
}

impl Client {
    fn connect(port: u16, framed: bool) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Client {
            stream,
            framed,
            seqid: 0,
        }
    }

    fn send(&mut self, method: &str, kind: u8, args: Args) {
        self.seqid += 1;
        let mut message = Vec::new();
        message.extend_from_slice(&(0x8001_0000_u32 | u32::from(kind)).to_be_bytes());
        message.extend_from_slice(&(method.len() as i32).to_be_bytes());
        message.extend_from_slice(method.as_bytes());
        message.extend_from_slice(&self.seqid.to_be_bytes());
        message.extend_from_slice(&args.0);
        message.push(0);
        if self.framed {
            let mut framed = (message.len() as u32).to_be_bytes().to_vec();
            framed.extend_from_slice(&message);
            message = framed;
        }
        // Written in two pieces, as a buffered client flushing mid-message would.
        let (a, b) = message.split_at(message.len() / 2);
        self.stream.write_all(a).unwrap();
        self.stream.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        self.stream.write_all(b).unwrap();
    }

    fn call(&mut self, method: &str, args: Args) -> Reply {
        self.send(method, 1, args);
        if self.framed {
            let length = self.i32() as usize;
            let mut frame = vec![0; length];
            self.stream.read_exact(&mut frame).unwrap();
            let mut reader = Decoder {
                bytes: &frame,
                at: 0,
            };
            let reply = reader.reply(method, self.seqid);
            assert_eq!(reader.at, frame.len(), "the frame holds exactly the reply");
            reply
        } else {
            // Unframed: read until the reply decodes.
            let mut bytes = Vec::new();
            let mut chunk = [0; 4096];
            loop {
                let n = self.stream.read(&mut chunk).unwrap();
                assert!(n > 0, "the server closed the connection during {method}");
                bytes.extend_from_slice(&chunk[..n]);
                let mut reader = Decoder {
                    bytes: &bytes,
                    at: 0,
                };
                if let Some(reply) = reader.try_reply(method, self.seqid) {
                    assert_eq!(reader.at, bytes.len(), "nothing after the reply");
                    return reply;
                }
            }
        }
    }

    fn i32(&mut self) -> i32 {
        let mut bytes = [0; 4];
        self.stream.read_exact(&mut bytes).unwrap();
        i32::from_be_bytes(bytes)
    }
}

struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Decoder<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let out = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        Some(out)
    }
    fn i8(&mut self) -> Option<i8> {
        Some(self.take(1)?[0] as i8)
    }
    fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn string(&mut self) -> Option<String> {
        let n = self.i32()? as usize;
        Some(String::from_utf8(self.take(n)?.to_vec()).unwrap())
    }
    fn value(&mut self, kind: u8) -> Option<Value> {
        Some(match kind {
            2 => Value::Bool(self.i8()? != 0),
            3 => Value::Int(self.i8()?.into()),
            4 => Value::Double(f64::from_be_bytes(self.take(8)?.try_into().unwrap())),
            6 => Value::Int(self.i16()?.into()),
            8 => Value::Int(self.i32()?.into()),
            10 => Value::Int(self.i64()?),
            11 => Value::Str(self.string()?),
            12 => {
                let mut fields = BTreeMap::new();
                loop {
                    let kind = self.i8()? as u8;
                    if kind == 0 {
                        break;
                    }
                    let id = self.i16()?;
                    let value = self.value(kind)?;
                    assert!(fields.insert(id, value).is_none(), "field {id} twice");
                }
                Value::Struct(fields)
            }
            13 => {
                let (k, v) = (self.i8()? as u8, self.i8()? as u8);
                let n = self.i32()?;
                let mut entries = Vec::new();
                for _ in 0..n {
                    entries.push((self.value(k)?, self.value(v)?));
                }
                Value::Map(entries)
            }
            14 | 15 => {
                let k = self.i8()? as u8;
                let n = self.i32()?;
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(self.value(k)?);
                }
                Value::List(items)
            }
            other => panic!("unknown type {other}"),
        })
    }
    fn try_reply(&mut self, method: &str, seqid: i32) -> Option<Reply> {
        let version = self.i32()? as u32;
        assert_eq!(version & 0xffff_0000, 0x8001_0000, "strict binary protocol");
        let name = self.string()?;
        assert_eq!(name, method);
        assert_eq!(self.i32()?, seqid);
        let body = self.value(12)?;
        Some(match version & 0xff {
            2 => Reply::Result(body),
            3 => Reply::Application(body.field(2).int(), body.field(1).str().to_string()),
            other => panic!("message type {other}"),
        })
    }
    fn reply(&mut self, method: &str, seqid: i32) -> Reply {
        self.try_reply(method, seqid).expect("a whole reply")
    }
}

fn post(port: u16, path: &str, body: &str) {
    let (status, answer) = http(port, "POST", path, Some(body)).unwrap();
    assert!(
        (200..300).contains(&status),
        "POST {path}: {status} {answer}"
    );
}

/// A server with the metastore endpoint and a database of a partitioned table, a view and
/// a function, created through REST.
fn server_with_sales(dir: &std::path::Path) -> (Server, u16) {
    let thrift = free_port();
    let server = Server::start(
        &["--metastore-listen", &format!("127.0.0.1:{thrift}")],
        &[],
        dir,
    );
    let port = server.port;
    post(
        port,
        "/v1/databases",
        r#"{"name": "sales", "description": "the sales team's", "location_uri": "s3://lake/sales/", "parameters": {"team": "sales"}}"#,
    );
    post(
        port,
        "/v1/databases/sales/tables",
        r#"{"name": "orders", "owner": "etl", "table_type": "EXTERNAL_TABLE",
            "parameters": {"classification": "parquet"},
            "partition_keys": [{"name": "year", "type": "string"}, {"name": "hour", "type": "int"}],
            "storage_descriptor": {"columns": [{"name": "id", "type": "bigint", "comment": "key"}],
              "location": "s3://lake/orders/",
              "input_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
              "serde_info": {"serialization_library": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}"#,
    );
    post(
        port,
        "/v1/databases/sales/tables",
        r#"{"name": "recent", "table_type": "VIRTUAL_VIEW", "description": "last day",
            "view_original_text": "select * from orders", "view_expanded_text": "select `orders`.`id` from `sales`.`orders`",
            "storage_descriptor": {"columns": [{"name": "id", "type": "bigint"}]}}"#,
    );
    post(
        port,
        "/v1/databases/sales/tables/orders/partitions:batchCreate",
        r#"{"partitions": [
            {"values": ["2024", "9"], "storage_descriptor": {"location": "s3://lake/orders/year=2024/hour=9/"}},
            {"values": ["2024", "10"]},
            {"values": ["a/b", "1"]}]}"#,
    );
    for path in [
        "/v1/databases/sales/tables/orders/statistics",
        "/v1/databases/sales/tables/orders/partition-statistics/2024/9",
    ] {
        let (status, body) = http(
            port,
            "PUT",
            path,
            Some(
                r#"{"statistics": [{"column_name": "id", "column_type": "bigint",
                    "analyzed_time": "2026-11-30T12:00:00Z", "data": {"type": "long",
                    "minimum_value": -3, "maximum_value": 90, "number_of_nulls": 2,
                    "number_of_distinct_values": 80}}]}"#,
            ),
        )
        .unwrap();
        assert_eq!(status, 200, "{path}: {body}");
    }
    post(
        port,
        "/v1/databases/sales/functions",
        r#"{"function_name": "mask", "class_name": "com.example.Mask", "owner_name": "etl", "owner_type": "USER",
            "resource_uris": [{"resource_type": "JAR", "uri": "s3://lib/mask.jar"}]}"#,
    );
    (server, thrift)
}

/// Every served read call, its success and its declared exceptions, on one connection.
fn read_calls(client: &mut Client) {
    let databases = client.call("get_all_databases", Args::default()).success();
    assert_eq!(databases.strings(), ["sales"]);
    for (pattern, expected) in [
        ("*", vec!["sales"]),
        ("SAL*|nothing", vec!["sales"]),
        ("s.les", vec![]),
        ("x|sales", vec!["sales"]),
    ] {
        let found = client
            .call("get_databases", Args::default().string(1, pattern))
            .success();
        assert_eq!(found.strings(), expected, "pattern {pattern}");
    }

    let database = client
        .call("get_database", Args::default().string(1, "Sales"))
        .success();
    assert_eq!(database.field(1).str(), "sales");
    assert_eq!(database.field(2).str(), "the sales team's");
    assert_eq!(database.field(3).str(), "s3://lake/sales/");
    assert_eq!(
        database.field(4),
        &Value::Map(vec![(
            Value::Str("team".into()),
            Value::Str("sales".into())
        )])
    );
    assert_eq!(database.field(8).str(), "hive");
    assert!(database.field(9).int() > 1_700_000_000);
    let missing = client
        .call("get_database", Args::default().string(1, "nope"))
        .ok();
    assert!(!missing.has(0));
    assert!(
        missing.field(1).field(1).str().contains("nope"),
        "NoSuchObjectException is get_database's field 1: {missing:?}"
    );

    let tables = client
        .call("get_all_tables", Args::default().string(1, "sales"))
        .success();
    assert_eq!(tables.strings(), ["orders", "recent"]);
    let none = client
        .call("get_all_tables", Args::default().string(1, "nope"))
        .success();
    assert_eq!(none.strings(), Vec::<String>::new());
    let some = client
        .call(
            "get_tables",
            Args::default().string(1, "sales").string(2, "ORD*"),
        )
        .success();
    assert_eq!(some.strings(), ["orders"]);
    let views = client
        .call(
            "get_tables_by_type",
            Args::default()
                .string(1, "sales")
                .string(2, "*")
                .string(3, "VIRTUAL_VIEW"),
        )
        .success();
    assert_eq!(views.strings(), ["recent"]);
    let metas = client
        .call(
            "get_table_meta",
            Args::default()
                .string(1, "sa*")
                .string(2, "*")
                .strings(3, &["VIRTUAL_VIEW"]),
        )
        .success();
    assert_eq!(metas.list().len(), 1);
    let meta = &metas.list()[0];
    assert_eq!(
        (
            meta.field(1).str(),
            meta.field(2).str(),
            meta.field(3).str(),
            meta.field(4).str()
        ),
        ("sales", "recent", "VIRTUAL_VIEW", "last day")
    );

    let table = client
        .call(
            "get_table",
            Args::default().string(1, "sales").string(2, "orders"),
        )
        .success();
    check_orders(&table);
    let missing = client
        .call(
            "get_table",
            Args::default().string(1, "sales").string(2, "nope"),
        )
        .ok();
    assert_eq!(
        missing.field(2).field(1).str(),
        "sales.nope table not found",
        "NoSuchObjectException is get_table's field 2"
    );
    let view = client
        .call(
            "get_table",
            Args::default().string(1, "sales").string(2, "recent"),
        )
        .success();
    assert_eq!(view.field(10).str(), "select * from orders");
    assert_eq!(
        view.field(11).str(),
        "select `orders`.`id` from `sales`.`orders`"
    );
    assert_eq!(view.field(12).str(), "VIRTUAL_VIEW");

    // Hive 3/4's request form, with a field this server does not know (skipped).
    let request = Args::default()
        .string(1, "sales")
        .string(2, "orders")
        .string(4, "hive")
        .structure(99, Args::default().strings(1, &["x"]));
    let result = client
        .call("get_table_req", Args::default().structure(1, request))
        .success();
    check_orders(result.field(1));
    let other_catalog = Args::default()
        .string(1, "sales")
        .string(2, "orders")
        .string(4, "spark");
    let refused = client
        .call("get_table_req", Args::default().structure(1, other_catalog))
        .ok();
    assert!(refused.field(2).field(1).str().contains("spark"));

    let found = client
        .call(
            "get_table_objects_by_name",
            Args::default()
                .string(1, "sales")
                .strings(2, &["orders", "missing"]),
        )
        .success();
    assert_eq!(found.list().len(), 1);
    check_orders(&found.list()[0]);
    let request = Args::default().string(1, "sales");
    let all = client
        .call(
            "get_table_objects_by_name_req",
            Args::default().structure(1, request),
        )
        .success();
    assert_eq!(all.field(1).list().len(), 2);

    let names = client
        .call(
            "get_partition_names",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .i16(3, -1),
        )
        .success();
    let mut names = names.strings();
    names.sort();
    assert_eq!(
        names,
        ["year=2024/hour=10", "year=2024/hour=9", "year=a%2Fb/hour=1"]
    );
    let partitions = client
        .call(
            "get_partitions",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .i16(3, -1),
        )
        .success();
    assert_eq!(partitions.list().len(), 3);
    let first = client
        .call(
            "get_partitions",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .i16(3, 2),
        )
        .success();
    assert_eq!(first.list().len(), 2, "max_parts is honoured");
    let missing = client
        .call(
            "get_partitions",
            Args::default()
                .string(1, "sales")
                .string(2, "nope")
                .i16(3, -1),
        )
        .ok();
    assert!(missing.field(1).has(1), "NoSuchObjectException, field 1");

    let by_names = client
        .call(
            "get_partitions_by_names",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .strings(
                    3,
                    &["year=2024/hour=9", "year=a%2Fb/hour=1", "year=1999/hour=1"],
                ),
        )
        .success();
    let mut values: Vec<Vec<String>> = by_names
        .list()
        .iter()
        .map(|p| p.field(1).strings())
        .collect();
    values.sort();
    assert_eq!(values, [vec!["2024", "9"], vec!["a/b", "1"]]);

    let partition = client
        .call(
            "get_partition",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .strings(3, &["2024", "9"]),
        )
        .success();
    assert_eq!(partition.field(1).strings(), ["2024", "9"]);
    assert_eq!(partition.field(2).str(), "sales");
    assert_eq!(partition.field(3).str(), "orders");
    assert_eq!(
        partition.field(6).field(2).str(),
        "s3://lake/orders/year=2024/hour=9/"
    );
    let missing = client
        .call(
            "get_partition",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .strings(3, &["2025", "1"]),
        )
        .ok();
    assert_eq!(
        missing.field(2).field(1).str(),
        "partition values=[2025, 1]",
        "NoSuchObjectException is get_partition's field 2"
    );
    let by_name = client
        .call(
            "get_partition_by_name",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .string(3, "year=2024/hour=10"),
        )
        .success();
    assert_eq!(by_name.field(1).strings(), ["2024", "10"]);
    // Without its own storage descriptor, a partition shows its table's columns.
    assert_eq!(by_name.field(6).field(1).list().len(), 1);
    let incomplete = client
        .call(
            "get_partition_by_name",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .string(3, "year=2024"),
        )
        .ok();
    assert_eq!(
        incomplete.field(2).field(1).str(),
        "incomplete partition name - missing hour",
        "NoSuchObjectException (field 2), as Hive's metastore answers"
    );

    // Spark's dialect of get_partitions_by_filter, evaluated with the keys' types: `hour`
    // is an int, so 10 > 9 (as text it would not be).
    let filter = |client: &mut Client, filter: &str, max: i16| {
        client.call(
            "get_partitions_by_filter",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .string(3, filter)
                .i16(4, max),
        )
    };
    let values_of = |partitions: &Value| {
        let mut values: Vec<Vec<String>> = partitions
            .list()
            .iter()
            .map(|p| p.field(1).strings())
            .collect();
        values.sort();
        values
    };
    let found = filter(client, r#"year = "2024" and hour > 9"#, -1).success();
    assert_eq!(values_of(&found), [vec!["2024", "10"]]);
    let found = filter(client, r#"hour = 9 or year = "a/b""#, -1).success();
    assert_eq!(values_of(&found), [vec!["2024", "9"], vec!["a/b", "1"]]);
    assert_eq!(filter(client, "", -1).success().list().len(), 3);
    assert_eq!(filter(client, "hour >= 1", 2).success().list().len(), 2);
    let refused = filter(client, "year = ", -1).ok();
    assert!(
        refused.field(1).has(1),
        "MetaException, field 1: {refused:?}"
    );
    let refused = filter(client, r#"hour = "nine""#, -1).ok();
    assert!(
        refused.field(1).has(1),
        "MetaException, field 1: {refused:?}"
    );
    // Hive 4's request form: a GetPartitionsByFilterRequest, answered with the bare list.
    let filter_request = |client: &mut Client, catalog: &str, filter: &str| {
        let request = Args::default()
            .string(1, catalog)
            .string(2, "sales")
            .string(3, "orders")
            .string(4, filter)
            .i16(5, -1);
        client.call(
            "get_partitions_by_filter_req",
            Args::default().structure(1, request),
        )
    };
    let found = filter_request(client, "hive", r#"year = "2024" and hour > 9"#).success();
    assert_eq!(values_of(&found), [vec!["2024", "10"]]);
    let refused = filter_request(client, "hive", "year = ").ok();
    assert!(
        refused.field(1).has(1),
        "MetaException, field 1: {refused:?}"
    );
    let refused = filter_request(client, "spark", "hour > 9").ok();
    assert!(
        refused.field(2).field(1).str().contains("spark"),
        "NoSuchObjectException, field 2: {refused:?}"
    );

    let partial = client
        .call(
            "get_partitions_ps",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .strings(3, &["2024"])
                .i16(4, -1),
        )
        .success();
    assert_eq!(values_of(&partial), [vec!["2024", "10"], vec!["2024", "9"]]);
    // Spark's INSERT INTO ... PARTITION asks for the partition this way.
    let with_auth = client
        .call(
            "get_partitions_ps_with_auth",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .strings(3, &["2024", "9"])
                .i16(4, -1)
                .string(5, "alice")
                .strings(6, &["analysts"]),
        )
        .success();
    assert_eq!(values_of(&with_auth), [vec!["2024", "9"]]);
    let missing = client
        .call(
            "get_partitions_ps_with_auth",
            Args::default()
                .string(1, "sales")
                .string(2, "nope")
                .strings(3, &["2024"])
                .i16(4, -1),
        )
        .ok();
    assert!(missing.field(1).has(1), "NoSuchObjectException, field 1");
    let names = client
        .call(
            "get_partition_names_ps",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .strings(3, &["", "1"])
                .i16(4, -1),
        )
        .success();
    assert_eq!(names.strings(), ["year=a%2Fb/hour=1"]);
    let with_auth = client
        .call(
            "get_partition_with_auth",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .strings(3, &["2024", "10"])
                .string(4, "alice")
                .strings(5, &["analysts"]),
        )
        .success();
    assert_eq!(with_auth.field(1).strings(), ["2024", "10"]);
    let all = client
        .call(
            "get_partitions_with_auth",
            Args::default()
                .string(1, "sales")
                .string(2, "orders")
                .i16(3, -1)
                .string(4, "alice")
                .strings(5, &["analysts"]),
        )
        .success();
    assert_eq!(all.list().len(), 3);

    let names = client
        .call(
            "get_functions",
            Args::default().string(1, "sales").string(2, "m*"),
        )
        .success();
    assert_eq!(names.strings(), ["mask"]);
    let none = client
        .call(
            "get_functions",
            Args::default().string(1, "nope").string(2, "*"),
        )
        .success();
    assert_eq!(none.strings(), Vec::<String>::new());
    let function = client
        .call(
            "get_function",
            Args::default().string(1, "sales").string(2, "MASK"),
        )
        .success();
    assert_eq!(function.field(1).str(), "mask");
    let missing = client
        .call(
            "get_function",
            Args::default().string(1, "sales").string(2, "nope"),
        )
        .ok();
    assert!(missing.field(2).has(1), "NoSuchObjectException, field 2");

    // Column statistics, as the catalog holds them (crawled or written through an API).
    let request = Args::default()
        .string(1, "sales")
        .string(2, "orders")
        .strings(3, &["id", "missing"]);
    let result = client
        .call(
            "get_table_statistics_req",
            Args::default().structure(1, request),
        )
        .success();
    let objects = result.field(1).list();
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert_eq!(objects[0].field(1).str(), "id");
    assert_eq!(objects[0].field(2).str(), "bigint");
    let long = objects[0].field(3).field(2);
    assert_eq!(
        (
            long.field(1).int(),
            long.field(2).int(),
            long.field(3).int(),
            long.field(4).int()
        ),
        (-3, 90, 2, 80),
        "LongColumnStatsData: low, high, nulls, distinct values"
    );
    let request = Args::default()
        .string(1, "sales")
        .string(2, "orders")
        .strings(3, &["id"])
        .strings(
            4,
            &["year=2024/hour=9", "year=2024/hour=10", "year=1999/hour=1"],
        );
    let result = client
        .call(
            "get_partitions_statistics_req",
            Args::default().structure(1, request),
        )
        .success();
    let Value::Map(entries) = result.field(1) else {
        panic!("{result:?}");
    };
    assert_eq!(
        entries.len(),
        1,
        "only partitions with statistics: {entries:?}"
    );
    assert_eq!(entries[0].0, Value::Str("year=2024/hour=9".into()));
    let missing = Args::default()
        .string(1, "sales")
        .string(2, "nope")
        .strings(3, &["id"]);
    let missing = client
        .call(
            "get_table_statistics_req",
            Args::default().structure(1, missing),
        )
        .ok();
    assert!(missing.field(1).has(1), "NoSuchObjectException, field 1");

    let functions = client.call("get_all_functions", Args::default()).success();
    let functions = functions.field(1).list();
    assert_eq!(functions.len(), 1);
    assert_eq!(functions[0].field(1).str(), "mask");
    assert_eq!(functions[0].field(2).str(), "sales");
    assert_eq!(functions[0].field(3).str(), "com.example.Mask");
    assert_eq!(functions[0].field(8).list()[0].field(1).int(), 1, "JAR");

    let groups = client
        .call(
            "set_ugi",
            Args::default().string(1, "alice").strings(2, &["analysts"]),
        )
        .success();
    assert_eq!(
        groups.strings(),
        ["analysts"],
        "the groups, as Hive answers"
    );
    let conf = client
        .call(
            "getMetaConf",
            Args::default().string(1, "hive.metastore.try.direct.sql"),
        )
        .success();
    assert_eq!(conf.str(), "true");
    let bad = client
        .call("getMetaConf", Args::default().string(1, "no.such.key"))
        .ok();
    assert!(bad.field(1).field(1).str().contains("no.such.key"));
    let value = client
        .call(
            "get_config_value",
            Args::default()
                .string(1, "hive.exec.dynamic.partition")
                .string(2, "fallback"),
        )
        .success();
    assert_eq!(value.str(), "fallback");
    let secret = client
        .call(
            "get_config_value",
            Args::default()
                .string(1, "javax.jdo.option.ConnectionPassword")
                .string(2, ""),
        )
        .ok();
    assert!(
        secret.field(1).field(1).str().contains("security"),
        "ConfigValSecurityException: {secret:?}"
    );
    let event = client
        .call("get_current_notificationEventId", Args::default())
        .success();
    assert_eq!(event.field(1).int(), 0);
}

fn check_orders(table: &Value) {
    assert_eq!(table.field(1).str(), "orders");
    assert_eq!(table.field(2).str(), "sales");
    assert_eq!(table.field(3).str(), "etl");
    assert!(table.field(4).int() > 1_700_000_000);
    let sd = table.field(7);
    let column = &sd.field(1).list()[0];
    assert_eq!(
        (
            column.field(1).str(),
            column.field(2).str(),
            column.field(3).str()
        ),
        ("id", "bigint", "key")
    );
    assert_eq!(sd.field(2).str(), "s3://lake/orders/");
    assert_eq!(
        sd.field(3).str(),
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    );
    assert_eq!(
        sd.field(7).field(2).str(),
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    );
    assert!(
        sd.has(11),
        "an (empty) SkewedInfo, as Hive's clients expect"
    );
    let keys: Vec<(String, String)> = table
        .field(8)
        .list()
        .iter()
        .map(|k| (k.field(1).str().into(), k.field(2).str().into()))
        .collect();
    assert_eq!(
        keys,
        [
            ("year".to_string(), "string".to_string()),
            ("hour".to_string(), "int".to_string())
        ]
    );
    assert_eq!(
        table.field(9),
        &Value::Map(vec![(
            Value::Str("classification".into()),
            Value::Str("parquet".into())
        )])
    );
    assert_eq!(table.field(12).str(), "EXTERNAL_TABLE");
    assert_eq!(table.field(17).str(), "hive");
}

#[test]
fn read_calls_over_unframed_and_framed_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (server, thrift) = server_with_sales(dir.path());
    for framed in [false, true] {
        let mut client = Client::connect(thrift, framed);
        read_calls(&mut client);
    }
    let (ok, output) = server.stop();
    assert!(ok, "{output}");
    assert!(
        output.contains(&format!(
            "serving the Hive Metastore Thrift API at thrift://127.0.0.1:{thrift}"
        )),
        "{output}"
    );
    assert!(output.contains("local clients get this role"), "{output}");
}

#[test]
fn methods_not_served_answer_an_exception_and_keep_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let (server, thrift) = server_with_sales(dir.path());
    for framed in [false, true] {
        let mut client = Client::connect(thrift, framed);
        // A Hive 4 method, with arguments the server must read past.
        let request = Args::default()
            .string(1, "sales")
            .structure(2, Args::default().strings(1, &["a", "b"]));
        match client.call("get_databases_req", Args::default().structure(1, request)) {
            Reply::Application(kind, message) => {
                assert_eq!(kind, 1, "UNKNOWN_METHOD");
                assert_eq!(message, "Invalid method name: 'get_databases_req'");
            }
            other @ Reply::Result(_) => panic!("{other:?}"),
        }
        // fb303's oneway `shutdown` gets no reply: the next reply is the next call's.
        client.send("shutdown", 4, Args::default());
        let databases = client.call("get_all_databases", Args::default()).success();
        assert_eq!(databases.strings(), ["sales"]);
    }

    // Something else than Thrift is turned away without harm to other clients.
    let mut http_client = TcpStream::connect(("127.0.0.1", thrift)).unwrap();
    http_client
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    http_client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    http_client.read_to_end(&mut answer).unwrap();
    assert!(answer.is_empty(), "closed without an answer");
    let mut client = Client::connect(thrift, false);
    let databases = client.call("get_all_databases", Args::default()).success();
    assert_eq!(databases.strings(), ["sales"]);

    // A frame larger than the largest message is refused before it is read.
    let mut large = TcpStream::connect(("127.0.0.1", thrift)).unwrap();
    large
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut header = (17_u32 * 1024 * 1024).to_be_bytes().to_vec();
    header.extend_from_slice(&[0x80, 0x01, 0x00, 0x01]);
    large.write_all(&header).unwrap();
    let mut answer = Vec::new();
    large.read_to_end(&mut answer).unwrap();
    assert!(answer.is_empty(), "closed without an answer");

    // Calls are counted by method and outcome; names not served are one "unknown" series.
    let (status, metrics) = http(server.port, "GET", "/metrics", None).unwrap();
    assert_eq!(status, 200);
    for series in [
        r#"lakecat_metastore_calls_total{method="get_all_databases",outcome="ok"} 3"#,
        r#"lakecat_metastore_calls_total{method="unknown",outcome="application_error"} 2"#,
        r#"lakecat_metastore_calls_total{method="shutdown",outcome="ok"} 2"#,
    ] {
        assert!(metrics.contains(series), "{series} in {metrics}");
    }
    assert!(!metrics.contains("get_databases_req"), "{metrics}");

    // A client idle between calls keeps its connection; SIGTERM still stops the server.
    let idle = Client::connect(thrift, false);
    let (ok, output) = server.stop();
    assert!(ok, "{output}");
    assert!(output.contains("get_databases_req"), "logged: {output}");
    assert!(output.contains("is larger than"), "logged: {output}");
    drop(idle);
}

#[test]
fn beyond_loopback_the_endpoint_needs_a_role() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lakecat"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
            "--metastore-listen",
            &format!("0.0.0.0:{}", free_port()),
        ])
        .current_dir(dir.path())
        .env_remove("LAKECAT_DATABASE_URL")
        .env_remove("LAKECAT_CONFIG")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = output_text(&output);
    assert!(text.contains("needs --metastore-role"), "{text}");

    let thrift = free_port();
    let server = Server::start(
        &[
            "--metastore-listen",
            &format!("0.0.0.0:{thrift}"),
            "--metastore-role",
            "reader",
        ],
        &[],
        dir.path(),
    );
    let mut client = Client::connect(thrift, false);
    let databases = client.call("get_all_databases", Args::default()).success();
    assert_eq!(databases.strings(), Vec::<String>::new());
    let (ok, output) = server.stop();
    assert!(ok, "{output}");
    assert!(
        output.contains("every client that can reach this port gets this role")
            && (output.contains("role=\"reader\"") || output.contains("role=reader")),
        "{output}"
    );
}

#[test]
fn apache_thrifts_python_client_and_pyiceberg_read_and_commit() {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-hive/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run the tests with scripts/test, or scripts/python-env hive first",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let thrift = free_port();
    let server = Server::start(
        &["--metastore-listen", &format!("127.0.0.1:{thrift}")],
        &[],
        dir.path(),
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/metastore_thrift.py");
    let work = tempfile::tempdir().unwrap();
    let output = Command::new(python)
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", server.port))
        .arg(thrift.to_string())
        .arg(work.path().canonicalize().unwrap())
        .output()
        .unwrap();
    let text = output_text(&output);
    let (stopped, log) = server.stop();
    assert!(
        output.status.success() && text.contains("metastore thrift: ok"),
        "{text}\nserver log:\n{log}"
    );
    assert!(stopped, "{log}");
}

/// A Hive `StorageDescriptor` as Hive's clients send one.
fn hive_sd(location: &str, columns: &[(&str, &str)]) -> Args {
    Args::default()
        .structs(
            1,
            columns
                .iter()
                .map(|(name, kind)| Args::default().string(1, name).string(2, kind))
                .collect(),
        )
        .string(2, location)
        .string(3, "org.apache.hadoop.mapred.TextInputFormat")
        .string(
            4,
            "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        )
        .bool(5, false)
        .structure(
            7,
            Args::default()
                .string(2, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
                .map(3, &[("field.delim", ",")]),
        )
        .map(10, &[])
}

fn hive_table(database: &str, name: &str, columns: &[(&str, &str)]) -> Args {
    Args::default()
        .string(1, name)
        .string(2, database)
        .string(3, "spark")
        .structure(7, hive_sd(&format!("s3://lake/{database}/{name}"), columns))
        .structs(8, vec![Args::default().string(1, "dt").string(2, "string")])
        .map(
            9,
            &[("EXTERNAL", "TRUE"), ("spark.sql.sources.provider", "csv")],
        )
        .string(12, "EXTERNAL_TABLE")
}

fn hive_partition(database: &str, table: &str, dt: &str) -> Args {
    Args::default()
        .strings(1, &[dt])
        .string(2, database)
        .string(3, table)
        .structure(
            6,
            hive_sd(
                &format!("s3://lake/{database}/{table}/dt={dt}"),
                &[("url", "string")],
            ),
        )
        .map(7, &[])
}

#[test]
fn writes_through_the_metastore_are_the_catalogs() {
    let dir = tempfile::tempdir().unwrap();
    let thrift = free_port();
    let server = Server::start(
        &["--metastore-listen", &format!("127.0.0.1:{thrift}")],
        &[],
        dir.path(),
    );
    let rest = server.port;
    let mut client = Client::connect(thrift, false);
    let env = Args::default().map(1, &[("DO_NOT_UPDATE_STATS", "true")]);

    let database = || {
        Args::default()
            .string(1, "web")
            .string(2, "web logs")
            .string(3, "s3://lake/web/")
            .map(4, &[("team", "web")])
            .string(6, "spark")
    };
    let created = client.call("create_database", Args::default().structure(1, database()));
    assert_eq!(created.ok(), Value::Struct(BTreeMap::new()), "void");
    let (status, body) = http(rest, "GET", "/v1/databases/web", None).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("web logs"), "{body}");
    let again = client
        .call("create_database", Args::default().structure(1, database()))
        .ok();
    assert!(
        again.field(1).has(1),
        "AlreadyExistsException, field 1: {again:?}"
    );

    let table = hive_table("web", "clicks", &[("url", "string")]);
    client
        .call(
            "create_table_with_environment_context",
            Args::default()
                .structure(1, table)
                .structure(2, Args::default().map(1, &[])),
        )
        .ok();
    let (status, body) = http(rest, "GET", "/v1/databases/web/tables/clicks", None).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("s3://lake/web/clicks"), "{body}");
    let nowhere = client
        .call(
            "create_table",
            Args::default().structure(1, hive_table("nope", "t", &[("a", "int")])),
        )
        .ok();
    assert!(
        nowhere.field(4).has(1),
        "NoSuchObjectException, field 4: {nowhere:?}"
    );
    let read = client
        .call(
            "get_table",
            Args::default().string(1, "web").string(2, "clicks"),
        )
        .success();
    assert_eq!(read.field(3).str(), "spark");
    assert_eq!(
        read.field(7).field(7).field(2).str(),
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
    );

    // ALTER TABLE ADD COLUMNS: the whole definition replaced, the old one kept as a version.
    let altered = hive_table("web", "clicks", &[("url", "string"), ("ms", "bigint")]);
    client
        .call(
            "alter_table_with_environment_context",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .structure(3, altered)
                .structure(4, env),
        )
        .ok();
    let read = client
        .call(
            "get_table",
            Args::default().string(1, "web").string(2, "clicks"),
        )
        .success();
    assert_eq!(read.field(7).field(1).list().len(), 2);
    let (status, body) = http(
        rest,
        "GET",
        "/v1/databases/web/tables/clicks/versions",
        None,
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""version_id":"0""#), "{body}");
    // ALTER TABLE ... RENAME TO: a new name in the definition renames the table; a taken
    // name or a missing database is refused and changes nothing.
    client
        .call(
            "create_table",
            Args::default().structure(1, hive_table("web", "taken", &[("a", "int")])),
        )
        .ok();
    let two_columns = [("url", "string"), ("ms", "bigint")];
    let rename = |client: &mut Client, from: &str, database: &str, to: &str| {
        client
            .call(
                "alter_table",
                Args::default()
                    .string(1, "web")
                    .string(2, from)
                    .structure(3, hive_table(database, to, &two_columns)),
            )
            .ok()
    };
    let taken = rename(&mut client, "clicks", "web", "taken");
    assert!(
        taken.field(1).field(1).str().contains("already exists"),
        "InvalidOperationException, field 1: {taken:?}"
    );
    let nowhere = rename(&mut client, "clicks", "nope", "visits");
    assert!(
        nowhere.field(1).field(1).str().contains("nope"),
        "InvalidOperationException, field 1: {nowhere:?}"
    );
    assert_eq!(
        rename(&mut client, "clicks", "web", "visits"),
        Value::Struct(BTreeMap::new()),
        "void"
    );
    let gone = client
        .call(
            "get_table",
            Args::default().string(1, "web").string(2, "clicks"),
        )
        .ok();
    assert!(gone.field(2).has(1), "NoSuchObjectException: {gone:?}");
    let (status, body) = http(rest, "GET", "/v1/databases/web/tables/visits", None).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""name":"ms""#), "{body}");
    assert_eq!(
        rename(&mut client, "visits", "web", "clicks"),
        Value::Struct(BTreeMap::new()),
        "void"
    );
    let (status, _) = http(rest, "GET", "/v1/databases/web/tables/visits", None).unwrap();
    assert_eq!(status, 404);

    // MSCK REPAIR's call, then again with one more and ifNotExists.
    let request = |dts: &[&str], if_not_exists: bool| {
        Args::default().structure(
            1,
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .structs(
                    3,
                    dts.iter()
                        .map(|dt| hive_partition("web", "clicks", dt))
                        .collect(),
                )
                .bool(4, if_not_exists)
                .bool(5, true),
        )
    };
    let added = client
        .call("add_partitions_req", request(&["1", "2"], false))
        .success();
    assert_eq!(added.field(1).list().len(), 2);
    let added = client
        .call("add_partitions_req", request(&["1", "2", "3"], true))
        .success();
    let added: Vec<Vec<String>> = added
        .field(1)
        .list()
        .iter()
        .map(|p| p.field(1).strings())
        .collect();
    assert_eq!(added, [vec!["3"]]);
    let refused = client
        .call("add_partitions_req", request(&["3"], false))
        .ok();
    assert!(
        refused.field(2).has(1),
        "AlreadyExistsException, field 2: {refused:?}"
    );
    let refused = client
        .call(
            "add_partition",
            Args::default().structure(1, hive_partition("web", "clicks", "1")),
        )
        .ok();
    assert!(
        refused.field(2).has(1),
        "AlreadyExistsException, field 2: {refused:?}"
    );

    // INSERT INTO ... PARTITION's call.
    let added = client
        .call(
            "add_partition_with_environment_context",
            Args::default()
                .structure(1, hive_partition("web", "clicks", "5"))
                .structure(2, Args::default().map(1, &[])),
        )
        .success();
    assert_eq!(added.field(1).strings(), ["5"]);
    let appended = client
        .call(
            "append_partition",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .strings(3, &["4"]),
        )
        .success();
    assert_eq!(
        appended.field(6).field(2).str(),
        "s3://lake/web/clicks/dt=4"
    );
    let (status, body) = http(
        rest,
        "GET",
        "/v1/databases/web/tables/clicks/partitions/4",
        None,
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");

    let changed = hive_partition("web", "clicks", "1").map(7, &[("numRows", "10")]);
    client
        .call(
            "alter_partition",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .structure(3, changed),
        )
        .ok();
    let read = client
        .call(
            "get_partition",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .strings(3, &["1"]),
        )
        .success();
    assert_eq!(
        read.field(7),
        &Value::Map(vec![(
            Value::Str("numRows".into()),
            Value::Str("10".into())
        )])
    );
    let missing = client
        .call(
            "alter_partitions",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .structs(3, vec![hive_partition("web", "clicks", "99")]),
        )
        .ok();
    assert!(
        missing.field(1).has(1),
        "InvalidOperationException, field 1: {missing:?}"
    );

    let dropped = client
        .call(
            "drop_partition_by_name",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .string(3, "dt=2")
                .bool(4, true),
        )
        .success();
    assert_eq!(dropped, Value::Bool(true));
    let again = client
        .call(
            "drop_partition",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .strings(3, &["2"])
                .bool(4, true),
        )
        .ok();
    assert!(
        again.field(1).has(1),
        "NoSuchObjectException, field 1: {again:?}"
    );
    let names = client
        .call(
            "get_partition_names",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .i16(3, -1),
        )
        .success();
    let mut names = names.strings();
    names.sort();
    assert_eq!(names, ["dt=1", "dt=3", "dt=4", "dt=5"]);

    let not_empty = client
        .call(
            "drop_database",
            Args::default()
                .string(1, "web")
                .bool(2, false)
                .bool(3, false),
        )
        .ok();
    assert!(
        not_empty.field(2).has(1),
        "InvalidOperationException, field 2: {not_empty:?}"
    );
    client
        .call(
            "drop_table_with_environment_context",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .bool(3, false)
                .structure(4, Args::default().map(1, &[])),
        )
        .ok();
    let (status, _) = http(rest, "GET", "/v1/databases/web/tables/clicks", None).unwrap();
    assert_eq!(status, 404);
    let again = client
        .call(
            "drop_table",
            Args::default()
                .string(1, "web")
                .string(2, "clicks")
                .bool(3, false),
        )
        .ok();
    assert!(
        again.field(1).has(1),
        "NoSuchObjectException, field 1: {again:?}"
    );
    client
        .call(
            "alter_database",
            Args::default().string(1, "web").structure(
                2,
                Args::default().string(1, "web").string(2, "renamed logs"),
            ),
        )
        .ok();
    let (_, body) = http(rest, "GET", "/v1/databases/web", None).unwrap();
    assert!(body.contains("renamed logs"), "{body}");
    client
        .call(
            "drop_database",
            Args::default()
                .string(1, "web")
                .bool(2, false)
                .bool(3, true),
        )
        .ok();
    let (status, _) = http(rest, "GET", "/v1/databases/web", None).unwrap();
    assert_eq!(status, 404);
    let gone = client
        .call(
            "drop_database",
            Args::default()
                .string(1, "web")
                .bool(2, false)
                .bool(3, false),
        )
        .ok();
    assert!(
        gone.field(1).has(1),
        "NoSuchObjectException, field 1: {gone:?}"
    );
    let default = client
        .call(
            "drop_database",
            Args::default()
                .string(1, "default")
                .bool(2, false)
                .bool(3, true),
        )
        .ok();
    assert!(
        default.field(3).has(1),
        "MetaException, field 3: {default:?}"
    );
    assert!(server.stop().0);

    // A reader endpoint refuses every change.
    let thrift = free_port();
    let server = Server::start(
        &[
            "--metastore-listen",
            &format!("127.0.0.1:{thrift}"),
            "--metastore-role",
            "reader",
        ],
        &[],
        dir.path(),
    );
    let mut client = Client::connect(thrift, true);
    let refused = client
        .call("create_database", Args::default().structure(1, database()))
        .ok();
    assert!(
        refused.field(3).field(1).str().contains("role reader"),
        "MetaException, field 3: {refused:?}"
    );
    let (status, _) = http(server.port, "GET", "/v1/databases/web", None).unwrap();
    assert_eq!(status, 404, "nothing was created");
    assert!(server.stop().0);
}

#[test]
fn spark_reads_a_crawled_lake_and_writes_through_the_metastore() {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-spark/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run the tests with scripts/test, or scripts/python-env spark first",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/lake");
    let crawl = Command::new(env!("CARGO_BIN_EXE_lakecat"))
        .args(["crawl", samples.to_str().unwrap(), "--database", "samples"])
        .current_dir(dir.path())
        .env_remove("LAKECAT_DATABASE_URL")
        .env_remove("LAKECAT_CONFIG")
        .output()
        .unwrap();
    assert!(crawl.status.success(), "{}", output_text(&crawl));
    let thrift = free_port();
    let server = Server::start(
        &["--metastore-listen", &format!("127.0.0.1:{thrift}")],
        &[],
        dir.path(),
    );
    let work = tempfile::tempdir().unwrap();
    let work_dir = work.path().canonicalize().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/metastore_spark.py");
    let output = Command::new(python)
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", server.port))
        .arg(thrift.to_string())
        .arg(&work_dir)
        .current_dir(&work_dir)
        .output()
        .unwrap();
    let text = output_text(&output);
    let (stopped, log) = server.stop();
    assert!(
        output.status.success() && text.contains("metastore spark: ok"),
        "{text}\nserver log:\n{log}"
    );
    assert!(stopped, "{log}");
    assert!(
        !log.contains("metastore method not served"),
        "Spark called a method lakecat does not serve: {log}"
    );
}

#[test]
fn answers_agree_with_hives_own_metastore() {
    let hive_python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-hive/bin/python");
    let spark_lib = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-spark/lib");
    assert!(
        hive_python.exists() && spark_lib.exists(),
        "run the tests with scripts/test, or scripts/python-env hive and spark first"
    );
    // The Hive Metastore is the one in the pyspark wheel: .venv-spark/lib/python3.X/...
    let jars = std::fs::read_dir(&spark_lib)
        .unwrap()
        .map(|entry| entry.unwrap().path().join("site-packages/pyspark/jars"))
        .find(|path| path.exists())
        .expect("pyspark's jars in .venv-spark");
    let dir = tempfile::tempdir().unwrap();
    let thrift = free_port();
    let server = Server::start(
        &["--metastore-listen", &format!("127.0.0.1:{thrift}")],
        &[],
        dir.path(),
    );
    let work = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/metastore_compare.py");
    let output = Command::new(hive_python)
        .arg(script)
        .arg(thrift.to_string())
        .arg(jars)
        .arg(work.path().canonicalize().unwrap())
        .current_dir(work.path())
        .output()
        .unwrap();
    let text = output_text(&output);
    let (stopped, log) = server.stop();
    assert!(
        output.status.success() && text.contains("metastore compare: ok"),
        "{text}\nserver log:\n{log}"
    );
    assert!(stopped, "{log}");
}
