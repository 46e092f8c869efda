"""Spark against lakecat's Hive Metastore Thrift endpoint (issue 16).

A local SparkSession from the pyspark wheel (its bundled Hive 2.3 metastore client, on the
machine's Java 17) with `hive.metastore.uris` pointed at lakecat:
1. Reads the sample lake, crawled by lakecat before the server started: SHOW DATABASES,
   SHOW TABLES, DESCRIBE, a partition-filtered SELECT over crawled CSV partitions, a Parquet
   table, SHOW PARTITIONS.
2. Writes: CREATE DATABASE, CREATE EXTERNAL TABLE ... PARTITIONED BY ... LOCATION, INSERT INTO
   ... PARTITION, a filtered SELECT, MSCK REPAIR TABLE over a partition folder added by hand,
   ALTER TABLE ADD COLUMNS, DROP TABLE; after each, what Spark did is checked through
   lakecat's REST API and its Glue API.

Usage: metastore_spark.py http://127.0.0.1:REST_PORT THRIFT_PORT WORK_DIR
Prints "metastore spark: ok" when every check passed.
"""

import json
import os
import shutil
import sys
import urllib.error
import urllib.request

from pyspark.sql import SparkSession

REST, PORT, WORK = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def rest(path):
    """GET a REST resource: (status, JSON body or None)."""
    try:
        with urllib.request.urlopen(REST + path) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, None


def glue(operation, body):
    """One Glue API call (unsigned: the server listens on loopback without credentials)."""
    request = urllib.request.Request(
        REST + "/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AWSGlue.{operation}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


spark = (
    SparkSession.builder.master("local[1]")
    .appName("lakecat-metastore")
    .enableHiveSupport()
    .config("spark.hadoop.hive.metastore.uris", f"thrift://127.0.0.1:{PORT}")
    .config("spark.sql.warehouse.dir", f"file://{WORK}/warehouse")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.shuffle.partitions", "1")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")


def sql(text):
    print(f"spark> {text}", flush=True)
    return spark.sql(text).collect()


# 1. The crawled sample lake.
assert "samples" in [r.namespace for r in sql("SHOW DATABASES")]
tables = [r.tableName for r in sql("SHOW TABLES IN samples")]
assert {"orders", "line_items", "products"} <= set(tables), tables
columns = [r.col_name for r in sql("DESCRIBE samples.orders")]
assert columns[:2] == ["order_id", "customer"] and "month" in columns, columns
partitions = [r.partition for r in sql("SHOW PARTITIONS samples.orders")]
assert partitions == ["year=2024/month=06", "year=2024/month=07"], partitions
# Counted by Spark itself; the filter reaches the metastore as get_partitions_by_filter.
june = sql("SELECT count(*) AS n FROM samples.orders WHERE month = '06'")[0].n
both = sql("SELECT count(*) AS n FROM samples.orders")[0].n
assert 0 < june < both, (june, both)
rows = sql("SELECT id, name FROM samples.line_items ORDER BY id LIMIT 2")
assert [r.id for r in rows] == [1, 2], rows

# 2. Writes, each visible through REST and the Glue API.
sql(f"CREATE DATABASE IF NOT EXISTS sparkdb LOCATION 'file://{WORK}/sparkdb'")
status, database = rest("/v1/databases/sparkdb")
assert status == 200 and database["location_uri"].endswith("/sparkdb"), (status, database)

table_dir = f"{WORK}/events"
sql(
    "CREATE EXTERNAL TABLE sparkdb.events (id INT, name STRING) PARTITIONED BY (dt STRING) "
    f"STORED AS PARQUET LOCATION 'file://{table_dir}'"
)
status, table = rest("/v1/databases/sparkdb/tables/events")
assert status == 200, status
assert table["table_type"] == "EXTERNAL_TABLE", table
assert [k["name"] for k in table["partition_keys"]] == ["dt"], table
assert table["storage_descriptor"]["serde_info"]["serialization_library"].endswith("ParquetHiveSerDe"), table

sql("INSERT INTO sparkdb.events PARTITION (dt='2024-01-01') VALUES (1, 'a'), (2, 'b')")
sql("INSERT INTO sparkdb.events PARTITION (dt='2024-01-02') VALUES (3, 'c')")
rows = sql("SELECT id FROM sparkdb.events WHERE dt = '2024-01-02'")
assert [r.id for r in rows] == [3], rows
assert sql("SELECT count(*) AS n FROM sparkdb.events")[0].n == 3
status, body = glue("GetPartitions", {"DatabaseName": "sparkdb", "TableName": "events"})
assert status == 200, body
assert sorted(p["Values"] for p in body["Partitions"]) == [["2024-01-01"], ["2024-01-02"]], body

# A partition folder written outside Spark, then MSCK REPAIR TABLE.
source = f"{table_dir}/dt=2024-01-02"
copied = f"{table_dir}/dt=2024-01-03"
os.makedirs(copied)
for name in os.listdir(source):
    if not name.startswith((".", "_")):
        shutil.copy(f"{source}/{name}", f"{copied}/{name}")
sql("MSCK REPAIR TABLE sparkdb.events")
partitions = [r.partition for r in sql("SHOW PARTITIONS sparkdb.events")]
assert partitions == ["dt=2024-01-01", "dt=2024-01-02", "dt=2024-01-03"], partitions
status, body = rest("/v1/databases/sparkdb/tables/events/partitions/2024-01-03")
assert status == 200 and body["storage_descriptor"]["location"].rstrip("/").endswith("dt=2024-01-03"), (status, body)
assert sql("SELECT count(*) AS n FROM sparkdb.events")[0].n == 4

sql("ALTER TABLE sparkdb.events ADD COLUMNS (extra STRING)")
status, body = glue("GetTable", {"DatabaseName": "sparkdb", "Name": "events"})
assert status == 200, body
assert [c["Name"] for c in body["Table"]["StorageDescriptor"]["Columns"]] == ["id", "name", "extra"], body

sql("DROP TABLE sparkdb.events")
status, _ = rest("/v1/databases/sparkdb/tables/events")
assert status == 404, status
assert os.path.isdir(copied), "an external table's data stays"

spark.stop()
print("metastore spark: ok")
