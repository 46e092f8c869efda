"""lakecat's Hive Metastore Thrift endpoint through Apache Thrift's own Python library.

The client is the Hive metastore client PyIceberg bundles (Hive 4-era IDL, with fb303), over
the pure-Python `thrift` package: every read call lakecat serves, its success and its declared
exceptions, over TBufferedTransport (what Hive, Spark and PyIceberg use) and TFramedTransport;
methods lakecat does not serve; then PyIceberg's HiveCatalog itself, reading, and writing an
Iceberg table (create, append, load, scan) under its locks, with stale commits refused. The
data read is created through lakecat's REST API first.

Usage: metastore_thrift.py http://127.0.0.1:REST_PORT THRIFT_PORT WORK_DIR
Prints "metastore thrift: ok" when every check passed.
"""

import json
import sys
import urllib.request

from hive_metastore import ThriftHiveMetastore
from hive_metastore.ttypes import (
    AlterTableRequest,
    ColumnStatistics,
    ColumnStatisticsData,
    ColumnStatisticsDesc,
    ColumnStatisticsObj,
    InvalidObjectException,
    LongColumnStatsData,
    PartitionsStatsRequest,
    SetPartitionsStatsRequest,
    StringColumnStatsData,
    TableStatsRequest,
    EnvironmentContext,
    GetDatabaseRequest,
    GetPartitionNamesPsRequest,
    GetPartitionRequest,
    GetPartitionsByNamesRequest,
    GetPartitionsPsWithAuthRequest,
    GetTableRequest,
    GetTablesRequest,
    MetaException,
    NoSuchObjectException,
    PartitionsRequest,
)
from pyiceberg.catalog.hive import HiveCatalog
import pyarrow as pa
from pyiceberg.exceptions import NoSuchNamespaceError
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, NestedField, StringType
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TApplicationException
from thrift.transport import TSocket, TTransport

REST, PORT, WORK = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def post(path, body):
    request = urllib.request.Request(
        REST + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status in (200, 201), response.status


def seed():
    post("/v1/databases", {"name": "lake", "description": "the lake", "location_uri": "file:///lake/", "parameters": {"owner_team": "data"}})
    post(
        "/v1/databases/lake/tables",
        {
            "name": "clicks",
            "table_type": "EXTERNAL_TABLE",
            "partition_keys": [{"name": "day", "type": "string"}],
            "storage_descriptor": {
                "columns": [{"name": "url", "type": "string"}, {"name": "n", "type": "bigint"}],
                "location": "file:///lake/clicks/",
                "input_format": "org.apache.hadoop.mapred.TextInputFormat",
                "serde_info": {
                    "serialization_library": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "parameters": {"field.delim": ","},
                },
            },
        },
    )
    post(
        "/v1/databases/lake/tables",
        {
            "name": "events",
            "table_type": "EXTERNAL_TABLE",
            "parameters": {"table_type": "ICEBERG", "metadata_location": "file:///lake/events/metadata/00001.metadata.json"},
            "storage_descriptor": {"columns": [{"name": "id", "type": "bigint"}], "location": "file:///lake/events"},
        },
    )
    post(
        "/v1/databases/lake/tables/clicks/partitions:batchCreate",
        {"partitions": [{"values": ["2024-01-01"]}, {"values": ["2024-01-02"]}]},
    )


def expect(exception, call):
    try:
        call()
    except exception as error:
        return error
    raise AssertionError(f"expected {exception.__name__}")


def connect(transport_kind="buffered"):
    socket = TSocket.TSocket("127.0.0.1", PORT)
    socket.setTimeout(20000)
    transport = TTransport.TFramedTransport(socket) if transport_kind == "framed" else TTransport.TBufferedTransport(socket)
    client = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    return client, transport


def check_calls(transport_kind):
    client, transport = connect(transport_kind)
    try:
        assert client.set_ugi("alice", ["analysts"]) == ["analysts"]
        assert client.getMetaConf("hive.metastore.try.direct.sql") == "true"
        expect(MetaException, lambda: client.getMetaConf("no.such.key"))
        assert client.get_config_value("hive.exec.dynamic.partition", "default") == "default"
        assert client.get_all_databases() == ["lake"]
        assert client.get_databases("L*") == ["lake"]
        assert client.get_databases("l?ke") == []

        database = client.get_database("lake")
        assert (database.name, database.description, database.locationUri) == ("lake", "the lake", "file:///lake/")
        assert database.parameters == {"owner_team": "data"}
        assert database.catalogName == "hive"
        error = expect(NoSuchObjectException, lambda: client.get_database("nope"))
        assert "nope" in error.message

        assert client.get_all_tables("lake") == ["clicks", "events"]
        assert client.get_tables("lake", "cl*") == ["clicks"]
        assert client.get_tables_by_type("lake", "*", "EXTERNAL_TABLE") == ["clicks", "events"]
        assert client.get_tables_by_type("lake", "*", "VIRTUAL_VIEW") == []
        metas = client.get_table_meta("lake", "*", None)
        assert sorted(m.tableName for m in metas) == ["clicks", "events"]

        table = client.get_table("lake", "clicks")
        assert (table.tableName, table.dbName, table.tableType) == ("clicks", "lake", "EXTERNAL_TABLE")
        assert [(c.name, c.type) for c in table.sd.cols] == [("url", "string"), ("n", "bigint")]
        assert table.sd.location == "file:///lake/clicks/"
        assert table.sd.inputFormat == "org.apache.hadoop.mapred.TextInputFormat"
        assert table.sd.serdeInfo.serializationLib == "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
        assert table.sd.serdeInfo.parameters == {"field.delim": ","}
        assert table.sd.skewedInfo is not None
        assert [(k.name, k.type) for k in table.partitionKeys] == [("day", "string")]
        assert table.catName == "hive"
        error = expect(NoSuchObjectException, lambda: client.get_table("lake", "nope"))
        assert error.message == "lake.nope table not found", error.message

        result = client.get_table_req(GetTableRequest(dbName="lake", tblName="clicks", catName="hive", processorIdentifier="test"))
        assert result.table.tableName == "clicks"
        expect(NoSuchObjectException, lambda: client.get_table_req(GetTableRequest(dbName="lake", tblName="nope")))

        tables = client.get_table_objects_by_name("lake", ["events", "missing"])
        assert [t.tableName for t in tables] == ["events"]
        assert tables[0].parameters["table_type"] == "ICEBERG"
        result = client.get_table_objects_by_name_req(GetTablesRequest(dbName="lake", tblNames=["clicks"]))
        assert [t.tableName for t in result.tables] == ["clicks"]

        assert sorted(client.get_partition_names("lake", "clicks", -1)) == ["day=2024-01-01", "day=2024-01-02"]
        assert len(client.get_partitions("lake", "clicks", -1)) == 2
        assert len(client.get_partitions("lake", "clicks", 1)) == 1
        expect(NoSuchObjectException, lambda: client.get_partitions("lake", "nope", -1))
        found = client.get_partitions_by_names("lake", "clicks", ["day=2024-01-02", "day=1999-01-01"])
        assert [p.values for p in found] == [["2024-01-02"]]
        partition = client.get_partition("lake", "clicks", ["2024-01-01"])
        assert (partition.dbName, partition.tableName, partition.values) == ("lake", "clicks", ["2024-01-01"])
        assert [c.name for c in partition.sd.cols] == ["url", "n"]
        expect(NoSuchObjectException, lambda: client.get_partition("lake", "clicks", ["2030-01-01"]))
        assert client.get_partition_by_name("lake", "clicks", "day=2024-01-02").values == ["2024-01-02"]
        expect(NoSuchObjectException, lambda: client.get_partition_by_name("lake", "clicks", "month=1"))

        found = client.get_partitions_by_filter("lake", "clicks", 'day = "2024-01-02"', -1)
        assert [p.values for p in found] == [["2024-01-02"]]
        found = client.get_partitions_by_filter("lake", "clicks", "day > '2024-01-01' or day = '2024-01-01'", -1)
        assert len(found) == 2
        expect(MetaException, lambda: client.get_partitions_by_filter("lake", "clicks", "day = ", -1))
        assert client.get_partition_names_ps("lake", "clicks", ["2024-01-01"], -1) == ["day=2024-01-01"]
        assert len(client.get_partitions_ps("lake", "clicks", [""], -1)) == 2
        assert client.get_partition_with_auth("lake", "clicks", ["2024-01-01"], "alice", ["analysts"]).values == ["2024-01-01"]
        assert len(client.get_partitions_with_auth("lake", "clicks", -1, "alice", ["analysts"])) == 2

        # Hive 3/4's request forms of the same calls.
        assert client.get_database_req(GetDatabaseRequest(name="lake", catalogName="hive")).name == "lake"
        expect(NoSuchObjectException, lambda: client.get_database_req(GetDatabaseRequest(name="lake", catalogName="spark")))
        found = client.get_partitions_by_names_req(GetPartitionsByNamesRequest(db_name="lake", tbl_name="clicks", names=["day=2024-01-02"]))
        assert [p.values for p in found.partitions] == [["2024-01-02"]]
        found = client.get_partitions_ps_with_auth_req(
            GetPartitionsPsWithAuthRequest(catName="hive", dbName="lake", tblName="clicks", partVals=["2024-01-01"], userName="alice")
        )
        assert [p.values for p in found.partitions] == [["2024-01-01"]]
        names = client.get_partition_names_ps_req(GetPartitionNamesPsRequest(dbName="lake", tblName="clicks", partValues=[""]))
        assert sorted(names.names) == ["day=2024-01-01", "day=2024-01-02"]
        expect(NoSuchObjectException, lambda: client.get_partitions_ps_with_auth_req(GetPartitionsPsWithAuthRequest(dbName="lake", tblName="nope", partVals=[])))
        found = client.get_partition_req(GetPartitionRequest(catName="hive", dbName="lake", tblName="clicks", partVals=["2024-01-02"]))
        assert found.partition.values == ["2024-01-02"]
        expect(NoSuchObjectException, lambda: client.get_partition_req(GetPartitionRequest(dbName="lake", tblName="clicks", partVals=["2030-01-01"])))
        found = client.get_partitions_req(PartitionsRequest(catName="hive", dbName="lake", tblName="clicks", maxParts=1))
        assert len(found.partitions) == 1
        assert len(client.get_partitions_req(PartitionsRequest(dbName="lake", tblName="clicks")).partitions) == 2
        expect(NoSuchObjectException, lambda: client.get_partitions_req(PartitionsRequest(dbName="lake", tblName="nope")))
        changed = client.get_table("lake", "clicks")
        changed.parameters["reviewed"] = "yes"
        client.alter_table_req(AlterTableRequest(catName="hive", dbName="lake", tableName="clicks", table=changed))
        assert client.get_table("lake", "clicks").parameters["reviewed"] == "yes"

        assert client.get_all_functions().functions == []
        assert client.get_functions("lake", "*") == []
        assert client.get_current_notificationEventId().eventId == 0

        # Not served: a clear exception naming the method, and the connection goes on.
        error = expect(TApplicationException, lambda: client.get_catalogs())
        assert error.type == TApplicationException.UNKNOWN_METHOD
        assert "get_catalogs" in error.message
        assert client.get_all_databases() == ["lake"]
        # fb303's oneway shutdown: no reply, the metastore keeps serving.
        client.shutdown()
        assert client.get_all_databases() == ["lake"]
    finally:
        transport.close()


def check_pyiceberg():
    catalog = HiveCatalog("lakecat", uri=f"thrift://127.0.0.1:{PORT}", ugi="alice:analysts")
    assert catalog.list_namespaces() == [("lake",)]
    properties = catalog.load_namespace_properties("lake")
    assert properties["location"] == "file:///lake/", properties
    assert properties["comment"] == "the lake", properties
    assert properties["owner_team"] == "data", properties
    expect(NoSuchNamespaceError, lambda: catalog.load_namespace_properties("nope"))
    # PyIceberg lists only Iceberg tables.
    assert catalog.list_tables("lake") == [("lake", "events")]


def check_pyiceberg_writes():
    catalog = HiveCatalog("lakecat", uri=f"thrift://127.0.0.1:{PORT}")
    catalog.create_namespace("ice", {"location": f"file://{WORK}/ice"})
    schema = Schema(
        NestedField(1, "id", LongType(), required=False),
        NestedField(2, "name", StringType(), required=False),
    )
    table = catalog.create_table("ice.events", schema)
    assert catalog.list_tables("ice") == [("ice", "events")]
    rows = pa.table({"id": pa.array([1, 2], pa.int64()), "name": pa.array(["a", "b"])})
    table.append(rows)
    stale = catalog.load_table("ice.events")
    first_pointer = stale.metadata_location
    table = catalog.load_table("ice.events")
    assert table.scan().to_arrow().num_rows == 2
    table.append(rows)
    loaded = catalog.load_table("ice.events")
    assert loaded.scan().to_arrow().num_rows == 4
    assert loaded.metadata_location != first_pointer

    # An append from a stale view finds the table moved on under the lock: PyIceberg retries
    # it on the current table, and neither append is lost.
    stale.append(rows)
    assert catalog.load_table("ice.events").scan().to_arrow().num_rows == 6

    # A writer that skips the lock and sends a stale pointer is refused by lakecat.
    client, transport = connect()
    try:
        hive_table = client.get_table("ice", "events")
        current = hive_table.parameters["metadata_location"]
        hive_table.parameters["metadata_location"] = f"file://{WORK}/ice/events/metadata/bogus.metadata.json"
        hive_table.parameters["previous_metadata_location"] = first_pointer
        error = expect(MetaException, lambda: client.alter_table("ice", "events", hive_table))
        assert "has been modified" in error.message, error.message
        # Hive 4's expected-parameter check, as Iceberg's Java catalog sends it.
        hive_table.parameters["previous_metadata_location"] = current
        context = EnvironmentContext(properties={"expected_parameter_key": "metadata_location", "expected_parameter_value": first_pointer})
        error = expect(MetaException, lambda: client.alter_table_with_environment_context("ice", "events", hive_table, context))
        assert "has been modified" in error.message, error.message
        assert client.get_table("ice", "events").parameters["metadata_location"] == current
        # Locks: a second lock on the table waits until the first is released.
        from hive_metastore.ttypes import CheckLockRequest, LockComponent, LockRequest, UnlockRequest

        component = LockComponent(type=3, level=2, dbname="ice", tablename="events")
        first = client.lock(LockRequest(component=[component], user="a", hostname="h"))
        second = client.lock(LockRequest(component=[component], user="b", hostname="h"))
        assert (first.state, second.state) == (1, 2), (first, second)
        client.unlock(UnlockRequest(lockid=first.lockid))
        assert client.check_lock(CheckLockRequest(lockid=second.lockid)).state == 1
        client.unlock(UnlockRequest(lockid=second.lockid))
        from hive_metastore.ttypes import NoSuchLockException

        expect(NoSuchLockException, lambda: client.unlock(UnlockRequest(lockid=second.lockid)))
    finally:
        transport.close()

    assert catalog.load_table("ice.events").scan().to_arrow().num_rows == 6
    catalog.drop_table("ice.events")
    assert catalog.list_tables("ice") == []


def check_statistics_writes():
    """Column statistics written as Hive's and Trino's ANALYZE writes them, read back through
    the metastore, with Hive's exceptions for what cannot be taken, then deleted."""
    client, transport = connect()
    try:
        def desc(partition=None):
            return ColumnStatisticsDesc(isTblLevel=partition is None, dbName="lake", tableName="clicks",
                                        partName=partition, lastAnalyzed=1_700_000_000, catName="hive")

        def longs(low, high, distinct, column="n"):
            data = ColumnStatisticsData(longStats=LongColumnStatsData(lowValue=low, highValue=high, numNulls=2, numDVs=distinct))
            return ColumnStatisticsObj(colName=column, colType="bigint", statsData=data)

        url = ColumnStatisticsObj(colName="url", colType="string", statsData=ColumnStatisticsData(
            stringStats=StringColumnStatsData(maxColLen=30, avgColLen=12.5, numNulls=0, numDVs=7)))
        table_stats = ColumnStatistics(statsDesc=desc(), statsObj=[longs(1, 90, 40), url], engine="hive")
        assert client.update_table_column_statistics(table_stats) is True

        def table_figures():
            found = client.get_table_statistics_req(TableStatsRequest(dbName="lake", tblName="clicks", colNames=["n", "url"], engine="hive"))
            return {o.colName: o.statsData for o in found.tableStats}

        figures = table_figures()
        assert (figures["n"].longStats.lowValue, figures["n"].longStats.highValue, figures["n"].longStats.numDVs) == (1, 90, 40), figures
        assert figures["url"].stringStats.avgColLen == 12.5 and figures["url"].stringStats.maxColLen == 30, figures

        # Partition statistics, as Trino writes them (set_aggr_stats_for).
        day = "day=2024-01-01"
        request = SetPartitionsStatsRequest(colStats=[ColumnStatistics(statsDesc=desc(day), statsObj=[longs(5, 6, 2)])], engine="hive")
        assert client.set_aggr_stats_for(request) is True
        found = client.get_partitions_statistics_req(PartitionsStatsRequest(dbName="lake", tblName="clicks", colNames=["n"], partNames=[day], engine="hive"))
        assert found.partStats[day][0].statsData.longStats.highValue == 6, found

        # What cannot be taken: Hive's exceptions, and nothing changes.
        expect(NoSuchObjectException, lambda: client.update_table_column_statistics(
            ColumnStatistics(statsDesc=desc(), statsObj=[longs(1, 2, 1, column="nope")])))
        expect(InvalidObjectException, lambda: client.update_table_column_statistics(
            ColumnStatistics(statsDesc=desc(), statsObj=[longs(9, 1, 1)])))
        expect(NoSuchObjectException, lambda: client.update_partition_column_statistics(
            ColumnStatistics(statsDesc=desc("day=2030-01-01"), statsObj=[longs(1, 2, 1)])))
        assert table_figures()["n"].longStats.highValue == 90

        assert client.delete_table_column_statistics("lake", "clicks", "n", "hive") is True
        assert list(table_figures()) == ["url"], table_figures()
        expect(NoSuchObjectException, lambda: client.delete_table_column_statistics("lake", "clicks", "n", "hive"))
        # No column named: every column's statistics go.
        assert client.delete_table_column_statistics("lake", "clicks", None, "hive") is True
        assert table_figures() == {}
        assert client.delete_partition_column_statistics("lake", "clicks", day, "n", "hive") is True
    finally:
        transport.close()


seed()
check_calls("buffered")
check_calls("framed")
check_pyiceberg()
check_pyiceberg_writes()
check_statistics_writes()
print("metastore thrift: ok")
