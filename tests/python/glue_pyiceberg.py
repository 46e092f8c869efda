"""PyIceberg's Glue catalog against lakecat's Glue API, signed with SigV4:
`python glue_pyiceberg.py http://127.0.0.1:PORT WAREHOUSE_DIR`.

Creates a namespace and a partitioned Iceberg table, appends twice, reads back with a
filter, renames and drops it: the calls PyIceberg makes against AWS Glue. In between, its
REST catalog reads and appends to the same table through lakecat's Iceberg REST endpoint,
signing with SigV4 and the same access key. Exits non-zero
with the failing assertion on any difference.
"""

import sys

import pyarrow as pa
from pyiceberg.catalog import load_catalog
from pyiceberg.expressions import EqualTo
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import LongType, NestedField, StringType


def main(endpoint, warehouse):
    catalog = load_catalog(
        "lakecat",
        **{
            "type": "glue",
            "glue.endpoint": endpoint,
            "glue.region": "us-east-1",
            "glue.access-key-id": "iceberg",
            "glue.secret-access-key": "iceberg-secret",
        },
    )
    catalog.create_namespace("shop", {"location": f"file://{warehouse}/shop"})
    assert ("shop",) in catalog.list_namespaces(), catalog.list_namespaces()

    schema = Schema(
        NestedField(1, "id", LongType(), required=False),
        NestedField(2, "region", StringType(), required=False),
    )
    spec = PartitionSpec(PartitionField(source_id=2, field_id=1000,
                                        transform=IdentityTransform(), name="region"))
    table = catalog.create_table("shop.orders", schema=schema, partition_spec=spec)
    table.append(pa.table({"id": [1, 2], "region": ["eu", "us"]}))
    table.append(pa.table({"id": [3], "region": ["eu"]}))

    loaded = catalog.load_table("shop.orders")
    assert len(loaded.snapshots()) == 2, loaded.snapshots()
    eu = loaded.scan(row_filter=EqualTo("region", "eu")).to_arrow()
    assert sorted(eu.column("id").to_pylist()) == [1, 3], eu

    check_iceberg_rest_signed(endpoint)

    catalog.rename_table("shop.orders", "shop.sales")
    assert catalog.list_tables("shop") == [("shop", "sales")], catalog.list_tables("shop")
    catalog.drop_table("shop.sales")
    assert catalog.list_tables("shop") == []
    catalog.drop_namespace("shop")
    print("pyiceberg glue: ok")


def rest_catalog(endpoint, secret, key="iceberg"):
    return load_catalog(
        "lakecat-rest",
        **{
            "type": "rest",
            "uri": f"{endpoint}/iceberg",
            "rest.sigv4-enabled": "true",
            "rest.signing-region": "us-east-1",
            "rest.signing-name": "execute-api",
            "client.access-key-id": key,
            "client.secret-access-key": secret,
        },
    )


def check_iceberg_rest_signed(endpoint):
    """The same table through lakecat's Iceberg REST catalog, with PyIceberg signing its
    requests with SigV4 and the Glue access key: it reads the table the Glue catalog wrote
    and appends to it; a wrong secret is refused."""
    from pyiceberg.exceptions import ForbiddenError

    rest = rest_catalog(endpoint, "iceberg-secret")
    table = rest.load_table("shop.orders")
    assert table.scan().to_arrow().num_rows == 3, table.scan().to_arrow()
    table.append(pa.table({"id": [4], "region": ["us"]}))
    assert rest.load_table("shop.orders").scan().to_arrow().num_rows == 4
    try:
        rest_catalog(endpoint, "wrong-secret").list_namespaces()
        raise AssertionError("a signature with the wrong secret was accepted")
    except ForbiddenError as error:
        assert "InvalidSignatureException" in str(error), error
    # A reader's key reads, and may not commit: refused once its signed body is checked.
    reader = rest_catalog(endpoint, "reader-secret", key="reader").load_table("shop.orders")
    assert reader.scan().to_arrow().num_rows == 4
    try:
        reader.append(pa.table({"id": [5], "region": ["us"]}))
        raise AssertionError("a reader's signed commit was accepted")
    except ForbiddenError as error:
        assert "needs role editor" in str(error), error
    assert rest.load_table("shop.orders").scan().to_arrow().num_rows == 4


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
