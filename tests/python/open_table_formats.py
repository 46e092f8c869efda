"""Open table formats written by their own writers, crawled by lakecat, read back through
lakecat's catalog by the formats' own readers (issue 15):

    python open_table_formats.py ENDPOINT LAKE_URL LAKE_DIR [S3_ENDPOINT S3_KEY S3_SECRET]

ENDPOINT is lakecat's HTTP address. LAKE_DIR is an empty local folder and LAKE_URL the URL
the crawler reaches it at: `file://LAKE_DIR/`, or `s3://BUCKET/PREFIX/` when LAKE_DIR is that
prefix's folder inside a local S3 server's bucket folder, whose endpoint and keys follow.

Writes, in LAKE_DIR:
- `sales/`: Delta Lake (deltalake), partitioned by region: two appends, a delete, a
  partition overwrite, a checkpoint, one more append;
- `warehouse/shop.db/orders/`: Iceberg (PyIceberg, SQL catalog on SQLite outside the lake),
  identity-partitioned by country: two appends, a delete; written through LAKE_URL, so that
  over S3 the table's own paths are s3:// ones;
- `trips/`: a Hudi table unpacked from a fixture in table-formats/tests/fixtures/hudi/;
- `clicks/dt=.../part-0.parquet`: plain Hive-style Parquet (pyarrow).
Then crawls LAKE_URL through lakecat's Glue API (boto3) and checks that there is one table per
dataset, what each table says, that deltalake, DuckDB's delta_scan and PyIceberg's Glue catalog
read the true row counts through the catalogued locations, that the crawl's run record names
each format, and that a recrawl after another Iceberg commit moves `metadata_location`.
Prints `open table formats: ok`; exits non-zero with the failing assertion on any difference.
"""

import datetime
import importlib.util
import json
import pathlib
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import zipfile

import boto3
import botocore.config
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake
from hudi import HudiTableBuilder
from pyiceberg.catalog import load_catalog
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import LessThan
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import DoubleType, LongType, NestedField, StringType

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
# Copy-on-write, table version 8 (timeline layout 2), partitioned by one field in plain
# (not key=value) folders 10, 20 and 30; partition 10 holds two slices of one file group.
HUDI_FIXTURE = (REPOSITORY / "table-formats" / "tests" / "fixtures" / "hudi"
                / "cow_v8_simplekeygen_nonhivestyle.zip")
DATABASE = "otf"
CRAWLER = "otf-lake"
REGION = "us-east-1"


class Lake:
    """Where the lake is and how each client reaches it."""

    def __init__(self, endpoint, url, folder, s3=None):
        assert url.endswith("/"), f"LAKE_URL must end with /: {url}"
        self.endpoint = endpoint
        self.url = url
        self.dir = pathlib.Path(folder)
        self.s3 = s3  # (endpoint, key, secret) or None for a file:// lake

    def at(self, relative):
        """The URL of a folder or file of the lake."""
        return self.url + relative

    def pyiceberg_properties(self):
        if self.s3 is None:
            return {}
        endpoint, key, secret = self.s3
        return {"s3.endpoint": endpoint, "s3.access-key-id": key,
                "s3.secret-access-key": secret, "s3.region": REGION}

    def delta_storage_options(self):
        if self.s3 is None:
            return None
        endpoint, key, secret = self.s3
        return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": key,
                "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": REGION, "AWS_ALLOW_HTTP": "true"}


def same_folder(a, b):
    """Whether two folder URLs name the same folder (a trailing slash or not)."""
    return isinstance(a, str) and isinstance(b, str) and a.rstrip("/") == b.rstrip("/")


# ---------------------------------------------------------------------------------------
# Writers


def write_sales(lake):
    """Delta Lake, partitioned by region, with every kind of commit that removes files."""
    path = str(lake.dir / "sales")

    def rows(ids, regions):
        return pa.table({
            "id": pa.array(ids, pa.int64()),
            "amount": pa.array([i * 1.25 for i in ids], pa.float64()),
            "sold_on": pa.array([datetime.date(2024, 1, 1 + i % 28) for i in ids], pa.date32()),
            "region": pa.array(regions, pa.string()),
        })

    write_deltalake(path, rows(list(range(10)), ["eu", "us"] * 5), partition_by=["region"],
                    mode="append")
    write_deltalake(path, rows(list(range(10, 19)), ["eu", "us", "asia"] * 3), mode="append")
    DeltaTable(path).delete("id % 5 = 0")
    write_deltalake(path, rows([100, 101, 102], ["asia"] * 3), mode="overwrite",
                    predicate="region = 'asia'")
    DeltaTable(path).create_checkpoint()
    write_deltalake(path, rows([200, 201], ["eu", "us"]), mode="append")

    table = DeltaTable(path)
    truth = {
        "rows": table.to_pyarrow_table().num_rows,
        "live_files": len(table.file_uris()),
        "version": table.version(),
    }
    on_disk = sum(1 for p in (lake.dir / "sales").rglob("*.parquet") if "_delta_log" not in p.parts)
    assert (lake.dir / "sales" / "_delta_log" / "_last_checkpoint").exists(), "no checkpoint"
    assert truth["version"] == 4, truth  # commits 0 to 4, checkpoint at 3
    # The test means something only if removed files are still on disk beside the live ones.
    assert on_disk > truth["live_files"], (on_disk, truth)
    return truth


def iceberg_writer(lake, catalog_dir):
    """PyIceberg's SQL catalog on SQLite (outside the lake), warehouse in the lake."""
    return SqlCatalog(
        "writer",
        uri=f"sqlite:///{catalog_dir}/iceberg-catalog.db",
        warehouse=lake.at("warehouse"),
        **lake.pyiceberg_properties(),
    )


def order_rows(ids, countries):
    return pa.table({
        "order_id": pa.array(ids, pa.int64()),
        "customer": pa.array([f"customer-{i}" for i in ids], pa.string()),
        "total": pa.array([i * 2.5 for i in ids], pa.float64()),
        "country": pa.array(countries, pa.string()),
    })


def write_orders(catalog, lake):
    """Iceberg, identity-partitioned by country: two appends and a delete."""
    catalog.create_namespace("shop", {"location": lake.at("warehouse/shop.db")})
    schema = Schema(
        NestedField(1, "order_id", LongType(), required=False),
        NestedField(2, "customer", StringType(), required=False),
        NestedField(3, "total", DoubleType(), required=False),
        NestedField(4, "country", StringType(), required=False),
    )
    spec = PartitionSpec(PartitionField(source_id=4, field_id=1000,
                                        transform=IdentityTransform(), name="country"))
    table = catalog.create_table("shop.orders", schema=schema, partition_spec=spec)
    table.append(order_rows(list(range(8)), ["fr", "de"] * 4))
    table.append(order_rows(list(range(8, 14)), ["fr", "de", "it"] * 2))
    table.delete(LessThan("order_id", 3))
    table = catalog.load_table("shop.orders")
    assert same_folder(table.location(), lake.at("warehouse/shop.db/orders")), table.location()
    return table


def unpack_hudi_fixture(target):
    """Unpacks HUDI_FIXTURE's table (the zip's one top folder) into `target`, leaving out
    the archive's macOS junk (`__MACOSX/`, `.DS_Store`)."""
    with zipfile.ZipFile(HUDI_FIXTURE) as archive:
        members = [m for m in archive.infolist()
                   if not m.filename.startswith("__MACOSX/") and not m.is_dir()
                   and pathlib.PurePosixPath(m.filename).name != ".DS_Store"]
        tops = {m.filename.split("/", 1)[0] for m in members}
        assert len(tops) == 1, f"{HUDI_FIXTURE.name}: expected one top folder, got {tops}"
        for member in members:
            relative = member.filename.split("/", 1)[1]
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(member))


def read_properties(path):
    """A Java properties file (hoodie.properties), `\\:` escapes undone."""
    properties = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "!")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        properties[key.strip()] = value.strip().replace("\\:", ":").replace("\\=", "=")
    return properties


def copy_trips(lake):
    """The Hudi fixture unpacked to `trips/`; its truth read with the `hudi` package."""
    fixture = HUDI_FIXTURE
    target = lake.dir / "trips"
    unpack_hudi_fixture(target)
    properties = read_properties(target / ".hoodie" / "hoodie.properties")
    table = HudiTableBuilder.from_base_uri(str(target)).build()
    rows = sum(batch.num_rows for batch in table.read())
    partition_fields = [field.split(":", 1)[0] for field in
                        properties.get("hoodie.table.partition.fields", "").split(",") if field]
    partition_paths = sorted({s.partition_path for s in table.get_file_slices()} - {""})
    hive_style = properties.get("hoodie.datasource.write.hive_style_partitioning",
                                "false").lower() == "true"
    partitions = set()
    for partition_path in partition_paths:
        segments = partition_path.split("/")
        assert len(segments) == len(partition_fields), (
            f"fixture {fixture.name}: partition {partition_path} is not one folder per field "
            f"{partition_fields}; pick another fixture")
        partitions.add(tuple(s.split("=", 1)[1] if hive_style else s for s in segments))
    assert rows > 0, f"fixture {fixture.name} reads no rows"
    return {
        "fixture": fixture.name,
        "rows": rows,
        "type": table.table_type.upper(),
        "partition_fields": partition_fields,
        "partitions": partitions,
        "partition_paths": partition_paths,
    }


def write_clicks(lake, days=(("2024-01-01", ["ann", "bob", "cy"]), ("2024-01-02", ["dee", "eve"]))):
    """Plain Hive-style Parquet: one `dt=` partition per day."""
    rows = 0
    for day, users in days:
        folder = lake.dir / "clicks" / f"dt={day}"
        folder.mkdir(parents=True)
        pq.write_table(pa.table({"user": pa.array(users, pa.string()),
                                 "clicks": pa.array(range(len(users)), pa.int64())}),
                       folder / "part-0.parquet")
        rows += len(users)
    return {"rows": rows, "partitions": {(day,) for day, _ in days}, "days": list(days)}


def write_visits(lake):
    """Hive-style ORC: two `dt=` partitions."""
    import pyarrow.orc as orc
    days = [("2024-02-01", ["ann", "bob"]), ("2024-02-02", ["cy"])]
    for day, users in days:
        folder = lake.dir / "visits" / f"dt={day}"
        folder.mkdir(parents=True)
        orc.write_table(pa.table({"user": pa.array(users, pa.string()),
                                  "pages": pa.array(range(len(users)), pa.int64())}),
                        str(folder / "part-0.orc"))
    return sorted((user, pages, day) for day, users in days for pages, user in enumerate(users))


# ---------------------------------------------------------------------------------------
# lakecat


def glue_client(endpoint):
    return boto3.client(
        "glue", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="lakecat", aws_secret_access_key="lakecat-secret",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def crawl(glue, name):
    """Starts the crawler and waits for the crawl it started to finish successfully."""
    before = glue.get_crawler(Name=name)["Crawler"].get("LastCrawl", {}).get("StartTime")
    glue.start_crawler(Name=name)
    deadline = time.monotonic() + 300
    while True:
        crawler = glue.get_crawler(Name=name)["Crawler"]
        last = crawler.get("LastCrawl", {})
        if crawler["State"] == "READY" and last.get("StartTime") not in (None, before):
            break
        assert time.monotonic() < deadline, f"crawl did not finish in 300 s: {crawler}"
        time.sleep(0.2)
    assert last["Status"] == "SUCCEEDED", f"crawl failed: {last}"


def rest(endpoint, path):
    with urllib.request.urlopen(endpoint + path, timeout=30) as response:
        return json.load(response)


def last_run(endpoint, crawler):
    """The newest run record (REST `/v1/crawlers/{crawler}/runs`)."""
    runs = rest(endpoint, f"/v1/crawlers/{crawler}/runs")["runs"]
    assert runs, "no run recorded"
    return rest(endpoint, f"/v1/crawlers/{crawler}/runs/{runs[0]['id']}")


def tables_by_name(glue, database=DATABASE):
    tables = {}
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=database):
        for table in page["TableList"]:
            tables[table["Name"]] = table
    return tables


def partitions_of(glue, table):
    found = []
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=DATABASE,
                                                             TableName=table):
        found.extend(page["Partitions"])
    return found


def columns_of(table):
    return [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]


def parameter_int(table, key):
    value = table.get("Parameters", {}).get(key)
    assert value is not None, f"table {table['Name']} has no {key}: {table.get('Parameters')}"
    return int(value)


# ---------------------------------------------------------------------------------------
# Checks


def check_tables(glue, lake):
    tables = tables_by_name(glue)
    assert sorted(tables) == ["clicks", "orders", "sales", "trips", "visits"], (
        "expected one table per dataset (clicks, orders, sales, trips, visits), got "
        f"{sorted(tables)}")
    return tables


def check_sales(glue, lake, table, truth):
    name = "sales"
    parameters = table.get("Parameters", {})
    assert parameters.get("table_type", "").upper() == "DELTA", (name, parameters)
    assert parameters.get("spark.sql.sources.provider") == "delta", (name, parameters)
    assert parameters.get("classification") == "delta", (name, parameters)
    assert parameter_int(table, "recordCount") == truth["rows"], (
        f"{name}: recordCount {parameters.get('recordCount')} but the table has "
        f"{truth['rows']} rows")
    assert parameter_int(table, "objectCount") == truth["live_files"], (
        f"{name}: objectCount {parameters.get('objectCount')} but the table has "
        f"{truth['live_files']} live files")
    assert not table.get("PartitionKeys"), (name, table.get("PartitionKeys"))
    assert partitions_of(glue, name) == [], f"{name}: a Delta table has no Glue partitions"
    assert columns_of(table) == [("id", "bigint"), ("amount", "double"), ("sold_on", "date"),
                                 ("region", "string")], (name, columns_of(table))
    location = table["StorageDescriptor"]["Location"]
    assert same_folder(location, lake.at("sales")), (name, location)

    read = DeltaTable(location, storage_options=lake.delta_storage_options())
    assert read.to_pyarrow_table().num_rows == truth["rows"], (
        f"deltalake reads {read.to_pyarrow_table().num_rows} rows at {location}, "
        f"expected {truth['rows']}")
    assert duckdb_delta_count(lake, location) == truth["rows"], "DuckDB delta_scan row count"


def duckdb_extension(name):
    """The file of DuckDB extension `name` in its wheel (duckdb-extension-NAME)."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    assert spec is not None, f"duckdb-extension-{name} is not installed"
    folder = pathlib.Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob(f"extensions/v{duckdb.__version__}/{name}.duckdb_extension"))
    assert found, f"no {name}.duckdb_extension for DuckDB {duckdb.__version__} in {folder}"
    return found[0]


def duckdb_delta_count(lake, location):
    """DuckDB's delta_scan over `location`, its extensions loaded from their wheels (nothing
    is downloaded: automatic installs and loads are off)."""
    connection = duckdb.connect(config={"autoinstall_known_extensions": False,
                                        "autoload_known_extensions": False})
    connection.execute(f"LOAD '{duckdb_extension('delta')}'")
    if lake.s3 is not None:
        # The S3 secret type is httpfs's.
        connection.execute(f"LOAD '{duckdb_extension('httpfs')}'")
        endpoint, key, secret = lake.s3
        connection.execute(
            f"CREATE SECRET lake (TYPE S3, KEY_ID '{key}', SECRET '{secret}', "
            f"REGION '{REGION}', ENDPOINT '{endpoint.removeprefix('http://')}', "
            "URL_STYLE 'path', USE_SSL false)")
    (count,) = connection.execute("SELECT count(*) FROM delta_scan(?)", [location]).fetchone()
    return count


def check_iceberg_rest_writes(lake, writer_table):
    """Through lakecat's Iceberg REST catalog: PyIceberg creates a namespace and registers the
    writer's table under a second name; DuckDB reads it there; the drop removes the entry and
    keeps the files."""
    from pyiceberg.exceptions import NamespaceAlreadyExistsError, NoSuchTableError
    # With a credential, PyIceberg first exchanges it at /iceberg/v1/oauth/tokens.
    rest_catalog = load_catalog("lakecat-rest", **{
        "type": "rest", "uri": lake.endpoint + "/iceberg", "credential": "pyiceberg:secret",
        **lake.pyiceberg_properties()})
    rest_catalog.create_namespace("registered", {"comment": "tables registered over REST"})
    try:
        rest_catalog.create_namespace("registered")
        raise AssertionError("a second create_namespace was not refused")
    except NamespaceAlreadyExistsError:
        pass
    assert rest_catalog.load_namespace_properties("registered")["comment"] == (
        "tables registered over REST")
    summary = rest_catalog.update_namespace_properties(
        "registered", removals={"comment", "absent"}, updates={"owner": "otf-test"})
    assert summary.removed == ["comment"] and summary.missing == ["absent"], summary
    assert summary.updated == ["owner"], summary
    assert rest_catalog.load_namespace_properties("registered") == {"owner": "otf-test"}
    registered = rest_catalog.register_table("registered.orders_copy",
                                             writer_table.metadata_location)
    rows = writer_table.scan().to_arrow().num_rows
    assert registered.scan().to_arrow().num_rows == rows
    counted = duckdb_iceberg_rest_count(lake, "registered.orders_copy", oauth=True)
    assert counted == rows, f"DuckDB counts {counted} rows of the registered table, not {rows}"
    rest_catalog.drop_table("registered.orders_copy")
    assert not rest_catalog.table_exists("registered.orders_copy")
    try:
        rest_catalog.load_table("registered.orders_copy")
        raise AssertionError("a dropped table still loads")
    except NoSuchTableError:
        pass
    # The writer's table and its files are untouched.
    assert writer_table.refresh().scan().to_arrow().num_rows == rows
    check_iceberg_rest_commits(lake, rest_catalog)
    rest_catalog.drop_namespace("registered")
    assert ("registered",) not in rest_catalog.list_namespaces()


def check_iceberg_rest_commits(lake, rest_catalog):
    """PyIceberg creates a partitioned table through lakecat's Iceberg REST catalog and
    appends to it; of two appends built on the same version, the second is refused with a
    409 and lands after PyIceberg's own refresh and retry, losing nothing; DuckDB reads every
    row through the catalog."""
    from pyiceberg.partitioning import PartitionSpec, PartitionField
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import IdentityTransform
    from pyiceberg.types import LongType, NestedField, StringType
    schema = Schema(NestedField(1, "id", LongType(), required=False),
                    NestedField(2, "country", StringType(), required=False))
    spec = PartitionSpec(PartitionField(source_id=2, field_id=1000,
                                        transform=IdentityTransform(), name="country"))
    table = rest_catalog.create_table("registered.events", schema=schema, partition_spec=spec,
                                      location=lake.at("rest_tables/events"))
    rows = lambda ids, country: pa.table({"id": pa.array(ids, pa.int64()),
                                          "country": pa.array([country] * len(ids))})
    table.append(rows([1, 2, 3], "fr"))
    first = rest_catalog.load_table("registered.events")
    second = rest_catalog.load_table("registered.events")
    first.append(rows([4, 5], "es"))
    # Built on the version before `first`'s append: lakecat refuses it with a 409, and
    # PyIceberg 0.12 refreshes and retries by itself. Had the server taken it, `first`'s
    # snapshot would be lost and its rows with it.
    second.append(rows([6], "it"))
    loaded = rest_catalog.load_table("registered.events")
    assert loaded.scan().to_arrow().num_rows == 6, loaded.scan().to_arrow()
    assert len(loaded.history()) == 3, loaded.history()
    counted = duckdb_iceberg_rest_count(lake, "registered.events")
    assert counted == 6, f"DuckDB counts {counted} rows of the table PyIceberg wrote over REST"
    rest_catalog.drop_table("registered.events")

    # A create transaction (stage-create, then a commit with assert-create) makes the table
    # and its first snapshot in one commit; a second one for the same name is refused.
    from pyiceberg.exceptions import CommitFailedException, TableAlreadyExistsError
    with rest_catalog.create_table_transaction("registered.staged", schema=schema, partition_spec=spec,
                                               location=lake.at("rest_tables/staged")) as creating:
        creating.append(rows([7, 8], "de"))
    staged = rest_catalog.load_table("registered.staged")
    assert staged.scan().to_arrow().num_rows == 2, staged.scan().to_arrow()
    assert len(staged.history()) == 1, staged.history()
    assert staged.spec().fields[0].name == "country", staged.spec()
    try:
        with rest_catalog.create_table_transaction("registered.staged", schema=schema):
            pass
        raise AssertionError("a second create transaction for registered.staged was accepted")
    except (TableAlreadyExistsError, CommitFailedException):
        pass
    assert rest_catalog.load_table("registered.staged").scan().to_arrow().num_rows == 2
    rest_catalog.drop_table("registered.staged")


def duckdb_iceberg_rest_count(lake, table, oauth=False):
    """DuckDB attaches lakecat's Iceberg REST catalog (its iceberg extension, loaded from its
    wheel with avro and httpfs) and counts the table's rows; with `oauth`, through DuckDB's
    default OAuth2 client-credentials exchange at /iceberg/v1/oauth/tokens."""
    connection = duckdb_iceberg_rest(lake, oauth)
    (count,) = connection.execute(f"SELECT count(*) FROM lc.{table}").fetchone()
    return count


def duckdb_iceberg_rest(lake, oauth=False):
    """A DuckDB connection with lakecat's Iceberg REST catalog attached as `lc`."""
    connection = duckdb.connect(config={"autoinstall_known_extensions": False,
                                        "autoload_known_extensions": False})
    for extension in ("httpfs", "avro", "iceberg"):
        connection.execute(f"LOAD '{duckdb_extension(extension)}'")
    if lake.s3 is not None:
        endpoint, key, secret = lake.s3
        connection.execute(
            f"CREATE SECRET lake (TYPE S3, KEY_ID '{key}', SECRET '{secret}', "
            f"REGION '{REGION}', ENDPOINT '{endpoint.removeprefix('http://')}', "
            "URL_STYLE 'path', USE_SSL false)")
    authorization = ("CLIENT_ID 'duckdb', CLIENT_SECRET 'duckdb-secret'" if oauth
                     else "AUTHORIZATION_TYPE 'none'")
    connection.execute(
        f"ATTACH 'lakecat' AS lc (TYPE iceberg, ENDPOINT '{lake.endpoint}/iceberg', "
        f"{authorization})")
    return connection


def check_clicks_as_iceberg(lake, truth, previous=None):
    """clicks, crawled Hive-style Parquet, through lakecat's Iceberg REST catalog with the
    metadata lakecat generates: PyIceberg scans every row with the partition column filled
    from the folders, and a filter on it plans only that partition's files; DuckDB attached
    to lakecat gives the right rows with a partition filter and skips the other files; a
    commit is refused; after a recrawl that added a partition, the new snapshot's parent is
    the one before, whose metadata file still scans."""
    from pyiceberg.expressions import EqualTo
    from pyiceberg.table import StaticTable
    rest_catalog = load_catalog("lakecat-rest", **{
        "type": "rest", "uri": lake.endpoint + "/iceberg", "warehouse": "lakecat",
        **lake.pyiceberg_properties(),
    })
    table = rest_catalog.load_table(f"{DATABASE}.clicks")
    assert table.properties.get("lakecat.read-only") == "true", table.properties
    assert [f.name for f in table.spec().fields] == ["dt"], table.spec()
    expected = sorted((user, day) for day, users in truth["days"] for user in users)
    scanned = table.scan().to_arrow()
    got = sorted(zip(scanned["user"].to_pylist(), scanned["dt"].to_pylist()))
    assert got == expected, f"PyIceberg scans {got}, expected {expected}"
    day, users = truth["days"][0]
    planned = list(table.scan(row_filter=EqualTo("dt", day)).plan_files())
    assert [t.file.file_path.endswith(f"dt={day}/part-0.parquet") for t in planned] == [True], (
        [t.file.file_path for t in planned])
    assert planned[0].file.record_count == len(users), planned[0].file.record_count
    filtered = table.scan(row_filter=EqualTo("dt", day)).to_arrow()
    assert sorted(filtered["user"].to_pylist()) == sorted(users), filtered

    # DuckDB logs each manifest and data file its filter pushdown skips.
    connection = duckdb_iceberg_rest(lake)
    connection.execute("CALL enable_logging(level = 'debug')")

    def skipped(kind):
        return [message for (message,) in connection.execute(
            "SELECT message FROM duckdb_logs WHERE type = 'Iceberg' AND message LIKE ?",
            [f"%skipped '{kind}'%"]).fetchall()]

    rows = connection.execute(
        f"SELECT \"user\", dt FROM lc.{DATABASE}.clicks WHERE dt = '{day}' ORDER BY \"user\"").fetchall()
    assert rows == [(user, day) for user in sorted(users)], f"DuckDB reads {rows}"
    # One manifest per day: every other day's is skipped by its partition bounds.
    others = len(truth["days"]) - 1
    manifests = skipped("manifest_file")
    assert len(manifests) == others and not any(f"[{day}," in m for m in manifests), manifests
    (count,) = connection.execute(f"SELECT count(*) FROM lc.{DATABASE}.clicks").fetchone()
    assert count == len(expected), f"DuckDB counts {count}, expected {len(expected)}"
    # Column bounds from the Parquet footers the crawl read: files whose clicks are all
    # below 2 are skipped.
    busy = [user for _, users in truth["days"] for i, user in enumerate(users) if i >= 2]
    got = connection.execute(
        f"SELECT \"user\" FROM lc.{DATABASE}.clicks WHERE clicks >= 2 ORDER BY \"user\"").fetchall()
    assert [user for (user,) in got] == sorted(busy), (got, busy)
    files = skipped("data_file")
    quiet = sum(1 for _, users in truth["days"] if len(users) <= 2)
    assert len(files) == quiet, f"DuckDB skipped {files}, expected {quiet} files"

    request = urllib.request.Request(
        f"{lake.endpoint}/iceberg/v1/namespaces/{DATABASE}/tables/clicks",
        data=json.dumps({"requirements": [], "updates": []}).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a commit to the crawled table clicks was accepted")
    except urllib.error.HTTPError as refused:
        body = json.load(refused)
        assert refused.code == 400 and "read-only" in body["error"]["message"], body

    if previous is None:
        # An ORC table is served the same way (DuckDB reads no ORC; PyIceberg does).
        visits = rest_catalog.load_table(f"{DATABASE}.visits").scan().to_arrow()
        got = sorted(zip(visits["user"].to_pylist(), visits["pages"].to_pylist(),
                         visits["dt"].to_pylist()))
        assert got == truth["visits"], f"PyIceberg scans visits as {got}, expected {truth['visits']}"
    else:
        old, old_rows = previous
        current = table.current_snapshot()
        assert current.parent_snapshot_id == old.current_snapshot().snapshot_id, (
            current, old.current_snapshot())
        reread = StaticTable.from_metadata(old.metadata_location, properties=lake.pyiceberg_properties())
        assert reread.scan().to_arrow().num_rows == old_rows, "the old metadata no longer scans"
    return table, len(expected)


def check_orders(glue, lake, table, writer_table):
    name = "orders"
    parameters = table.get("Parameters", {})
    assert parameters.get("table_type") == "ICEBERG", (name, parameters)
    assert parameters.get("metadata_location") == writer_table.metadata_location, (
        f"{name}: metadata_location {parameters.get('metadata_location')}, the writer's "
        f"newest is {writer_table.metadata_location}")
    location = table["StorageDescriptor"]["Location"]
    assert same_folder(location, writer_table.location()), (name, location)
    assert columns_of(table) == [("order_id", "bigint"), ("customer", "string"),
                                 ("total", "double"), ("country", "string")], (
        name, columns_of(table))
    rows = writer_table.scan().to_arrow().num_rows
    assert parameter_int(table, "recordCount") == rows, (name, parameters, rows)
    assert partitions_of(glue, name) == [], f"{name}: an Iceberg table has no Glue partitions"

    loaded = glue_iceberg_catalog(lake).load_table(f"{DATABASE}.orders")
    assert loaded.metadata_location == writer_table.metadata_location, loaded.metadata_location
    scanned = loaded.scan().to_arrow().num_rows
    assert scanned == rows, f"PyIceberg's Glue catalog scans {scanned} rows, expected {rows}"
    check_iceberg_rest(lake, writer_table, rows)
    return parameters


def check_iceberg_rest(lake, writer_table, rows):
    """The same table through lakecat's Iceberg REST catalog (/iceberg), as PyIceberg's
    RestCatalog reads it: only Iceberg tables are listed, the pointer is the catalog's, and
    a scan returns the writer's rows; a table of another format is not an Iceberg table."""
    from pyiceberg.exceptions import NoSuchTableError, NoSuchNamespaceError
    rest_catalog = load_catalog("lakecat-rest", **{
        "type": "rest",
        "uri": lake.endpoint + "/iceberg",
        "warehouse": "lakecat",
        **lake.pyiceberg_properties(),
    })
    assert (DATABASE,) in rest_catalog.list_namespaces(), rest_catalog.list_namespaces()
    assert rest_catalog.namespace_exists(DATABASE)
    listed = sorted(rest_catalog.list_tables(DATABASE))
    # orders is Iceberg; clicks (Parquet) and visits (ORC) are crawled Hive-style tables,
    # served with generated metadata.
    assert listed == [(DATABASE, "clicks"), (DATABASE, "orders"), (DATABASE, "visits")], (
        f"Iceberg REST lists {listed}, expected clicks, orders and visits")
    assert rest_catalog.table_exists(f"{DATABASE}.orders")
    assert not rest_catalog.table_exists(f"{DATABASE}.sales")
    loaded = rest_catalog.load_table(f"{DATABASE}.orders")
    assert loaded.metadata_location == writer_table.metadata_location, loaded.metadata_location
    scanned = loaded.scan().to_arrow().num_rows
    assert scanned == rows, f"Iceberg REST: PyIceberg scans {scanned} rows, expected {rows}"
    try:
        rest_catalog.load_table(f"{DATABASE}.sales")
        raise AssertionError("Iceberg REST loaded the Delta table sales as Iceberg")
    except NoSuchTableError as refused:
        assert "not offered as an Iceberg table" in str(refused), refused
    duckdb_rows = duckdb_iceberg_rest_count(lake, f"{DATABASE}.orders")
    assert duckdb_rows == rows, f"Iceberg REST: DuckDB counts {duckdb_rows} rows, expected {rows}"
    try:
        rest_catalog.load_namespace_properties("no_such_database")
        raise AssertionError("Iceberg REST loaded a namespace that does not exist")
    except NoSuchNamespaceError:
        pass


def glue_iceberg_catalog(lake):
    return load_catalog("lakecat", **{
        "type": "glue",
        "glue.endpoint": lake.endpoint,
        "glue.region": REGION,
        "glue.access-key-id": "lakecat",
        "glue.secret-access-key": "lakecat-secret",
        **lake.pyiceberg_properties(),
    })


def check_trips(glue, lake, table, truth):
    name = "trips"
    fixture = truth["fixture"]
    parameters = table.get("Parameters", {})
    assert parameters.get("classification") == "hudi", (name, fixture, parameters)
    expected_input = ("org.apache.hudi.hadoop.HoodieParquetInputFormat"
                      if truth["type"] == "COPY_ON_WRITE"
                      else "org.apache.hudi.hadoop.realtime.HoodieParquetRealtimeInputFormat")
    assert table["StorageDescriptor"].get("InputFormat") == expected_input, (
        name, fixture, truth["type"], table["StorageDescriptor"].get("InputFormat"))
    assert same_folder(table["StorageDescriptor"]["Location"], lake.at("trips")), (
        name, table["StorageDescriptor"]["Location"])
    keys = [k["Name"] for k in table.get("PartitionKeys", [])]
    assert keys == truth["partition_fields"], (name, fixture, keys, truth["partition_fields"])
    partitions = partitions_of(glue, name)
    values = {tuple(p["Values"]) for p in partitions}
    assert values == truth["partitions"] and len(partitions) == len(values), (
        name, fixture, sorted(values), sorted(truth["partitions"]))
    for partition in partitions:
        location = partition["StorageDescriptor"]["Location"]
        assert any(same_folder(location, lake.at(f"trips/{path}"))
                   for path in truth["partition_paths"]), (name, location)
    if truth["type"] == "COPY_ON_WRITE":
        assert parameter_int(table, "recordCount") == truth["rows"], (
            f"{name}: recordCount {parameters.get('recordCount')} but the latest file slices "
            f"of {fixture} hold {truth['rows']} rows")


def check_clicks(glue, lake, table, truth):
    name = "clicks"
    parameters = table.get("Parameters", {})
    assert parameters.get("classification") == "parquet", (name, parameters)
    assert [k["Name"] for k in table.get("PartitionKeys", [])] == ["dt"], (name, table)
    assert same_folder(table["StorageDescriptor"]["Location"], lake.at("clicks")), (name, table)
    assert parameter_int(table, "recordCount") == truth["rows"], (name, parameters)
    values = {tuple(p["Values"]) for p in partitions_of(glue, name)}
    assert values == truth["partitions"], (name, values)


def check_run_record(lake):
    run = last_run(lake.endpoint, CRAWLER)
    decisions = run["report"]["decisions"]
    for folder, format_name in [("sales", "Delta Lake"), ("warehouse/shop.db/orders", "Iceberg"),
                                ("trips", "Hudi")]:
        about = [d for d in decisions if same_folder(d["location"], lake.at(folder))]
        assert any(format_name in d["outcome"] + " " + d["reason"] for d in about), (
            f"no grouping decision for {lake.at(folder)} names {format_name}: {about or decisions}")


def check_dedicated_targets(glue, lake, sales_truth):
    """Glue's DeltaTargets, IcebergTargets and HudiTargets over the same lake: only tables of
    each target's format, none of the plain Hive table beside them."""
    name, database = "otf-dedicated", "otf_dedicated"
    glue.create_crawler(
        Name=name, Role="arn:aws:iam::000000000000:role/crawler", DatabaseName=database,
        Targets={
            "DeltaTargets": [{"DeltaTables": [lake.at("sales")], "CreateNativeDeltaTable": True}],
            "IcebergTargets": [{"Paths": [lake.at("warehouse")], "MaximumTraversalDepth": 3}],
            "HudiTargets": [{"Paths": [lake.url], "MaximumTraversalDepth": 2}],
        })
    crawl(glue, name)
    tables = tables_by_name(glue, database)
    assert sorted(tables) == ["orders", "sales", "trips"], (
        f"dedicated targets: expected orders, sales and trips, got {sorted(tables)}")
    sales = tables["sales"]
    assert sales["Parameters"].get("table_type") == "DELTA", sales["Parameters"]
    assert parameter_int(sales, "recordCount") == sales_truth["rows"], sales["Parameters"]
    assert tables["orders"]["Parameters"].get("table_type") == "ICEBERG", tables["orders"]
    assert tables["trips"]["Parameters"].get("classification") == "hudi", tables["trips"]
    run = last_run(lake.endpoint, name)
    assert run["counts"]["objects_read"] == 0, (
        f"dedicated targets read files: {run['counts']}")


def main(endpoint, lake_url, lake_dir, s3_endpoint=None, s3_key=None, s3_secret=None):
    s3 = (s3_endpoint, s3_key, s3_secret) if s3_endpoint else None
    lake = Lake(endpoint, lake_url, lake_dir, s3)
    glue = glue_client(endpoint)
    with tempfile.TemporaryDirectory() as catalog_dir:
        started = time.monotonic()
        sales = write_sales(lake)
        writer = iceberg_writer(lake, catalog_dir)
        orders = write_orders(writer, lake)
        trips = copy_trips(lake)
        clicks = write_clicks(lake)
        clicks["visits"] = write_visits(lake)
        print(f"written in {time.monotonic() - started:.1f} s: sales {sales}, orders "
              f"{orders.scan().to_arrow().num_rows} rows, trips {trips['fixture']} "
              f"({trips['type']}, {trips['rows']} rows), clicks {clicks['rows']} rows",
              flush=True)

        glue.create_crawler(Name=CRAWLER, Role="arn:aws:iam::000000000000:role/crawler",
                            DatabaseName=DATABASE, Targets={"S3Targets": [{"Path": lake_url}]})
        crawl(glue, CRAWLER)
        tables = check_tables(glue, lake)
        check_sales(glue, lake, tables["sales"], sales)
        first = check_orders(glue, lake, tables["orders"], orders)
        check_trips(glue, lake, tables["trips"], trips)
        check_clicks(glue, lake, tables["clicks"], clicks)
        clicks_iceberg = check_clicks_as_iceberg(lake, clicks)
        check_run_record(lake)

        # The writer commits again; a recrawl moves the pointer, PyIceberg sees the new rows.
        orders.append(order_rows([20, 21, 22], ["fr", "es", "es"]))
        orders = writer.load_table("shop.orders")
        assert orders.metadata_location != first["metadata_location"]
        crawl(glue, CRAWLER)
        tables = check_tables(glue, lake)
        second = check_orders(glue, lake, tables["orders"], orders)
        assert second.get("previous_metadata_location") == first["metadata_location"], (
            f"previous_metadata_location {second.get('previous_metadata_location')}, expected "
            f"{first['metadata_location']}")
        # A new day of clicks: the recrawl's index gives the generated table a new snapshot.
        more = write_clicks(lake, (("2024-01-03", ["fay", "gus"]),))
        crawl(glue, CRAWLER)
        clicks["days"] += more["days"]
        check_clicks_as_iceberg(lake, clicks, previous=clicks_iceberg)
        check_dedicated_targets(glue, lake, sales)
        check_iceberg_rest_writes(lake, orders)
    print("open table formats: ok")


if __name__ == "__main__":
    if len(sys.argv) not in (4, 7):
        sys.exit(__doc__)
    try:
        main(*sys.argv[1:])
    except AssertionError as failure:
        traceback.print_exc()
        sys.exit(f"open table formats: FAILED: {failure}")
