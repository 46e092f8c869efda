"""lakecat's Hive Metastore Thrift endpoint through Apache Thrift's own Python library.

The client is the Hive metastore client PyIceberg bundles (Hive 4-era IDL, with fb303), over
the pure-Python `thrift` package: every read call lakecat serves, its success and its declared
exceptions, over TBufferedTransport (what Hive, Spark and PyIceberg use) and TFramedTransport;
methods lakecat does not serve; then PyIceberg's HiveCatalog itself. The data is created
through lakecat's REST API first.

Usage: metastore_thrift.py http://127.0.0.1:REST_PORT THRIFT_PORT
Prints "metastore thrift: ok" when every check passed.
"""

import json
import sys
import urllib.request

from hive_metastore import ThriftHiveMetastore
from hive_metastore.ttypes import (
    GetTableRequest,
    GetTablesRequest,
    MetaException,
    NoSuchObjectException,
)
from pyiceberg.catalog.hive import HiveCatalog
from pyiceberg.exceptions import NoSuchNamespaceError
from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TApplicationException
from thrift.transport import TSocket, TTransport

REST, PORT = sys.argv[1], int(sys.argv[2])


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


def check_calls(transport_kind):
    socket = TSocket.TSocket("127.0.0.1", PORT)
    socket.setTimeout(20000)
    transport = TTransport.TFramedTransport(socket) if transport_kind == "framed" else TTransport.TBufferedTransport(socket)
    client = ThriftHiveMetastore.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    try:
        assert client.set_ugi("alice", ["analysts"]) == ["analysts", "alice"]
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
        expect(MetaException, lambda: client.get_partition_by_name("lake", "clicks", "month=1"))

        found = client.get_partitions_by_filter("lake", "clicks", 'day = "2024-01-02"', -1)
        assert [p.values for p in found] == [["2024-01-02"]]
        found = client.get_partitions_by_filter("lake", "clicks", "day > '2024-01-01' or day = '2024-01-01'", -1)
        assert len(found) == 2
        expect(MetaException, lambda: client.get_partitions_by_filter("lake", "clicks", "day = ", -1))
        assert client.get_partition_names_ps("lake", "clicks", ["2024-01-01"], -1) == ["day=2024-01-01"]
        assert len(client.get_partitions_ps("lake", "clicks", [""], -1)) == 2
        assert client.get_partition_with_auth("lake", "clicks", ["2024-01-01"], "alice", ["analysts"]).values == ["2024-01-01"]
        assert len(client.get_partitions_with_auth("lake", "clicks", -1, "alice", ["analysts"])) == 2

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


seed()
check_calls("buffered")
check_calls("framed")
check_pyiceberg()
print("metastore thrift: ok")
