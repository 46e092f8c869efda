"""Runs the same Glue calls against lakecat and moto's Glue and diffs the response shapes
(member names and types, recursively): `python glue_compare_moto.py LAKECAT_URL MOTO_URL`.

Members one side has and the other lacks are differences; the deliberate ones are listed in
DELIBERATE with the reason. Any other difference fails.
"""

import sys

import boto3
import botocore.config
import botocore.exceptions

# Members AWS Glue returns with their default values when a client did not send them, which
# moto leaves out because it echoes back only what it was given. lakecat answers as AWS does.
AWS_DEFAULTS = {
    "IsRegisteredWithLakeFormation", "Retention", "UpdateTime", "CatalogId", "Parameters",
    "BucketColumns", "Compressed", "NumberOfBuckets", "SortColumns", "StoredAsSubDirectories",
    "UnprocessedKeys",
}
DEFAULTS_REASON = "AWS returns this member with its default value; moto echoes only what was sent"

# (operation, path, side that has the member): why.
DELIBERATE = {
    ("GetTableVersion", ".TableVersion.Table.Description", "lakecat"):
        "a new table is version 0 and its first update version 1, as measured on AWS; moto "
        "numbers from 1, so its version 1 is the original without the description",
    ("UpdateTable.stale", "error", "lakecat"):
        "a stale VersionId is a ConcurrentModificationException, as Glue documents; moto "
        "ignores VersionId and overwrites",
    ("UpdateTable.stale", "", "moto"): "see the line above: moto accepts the stale update",
}


def client(endpoint):
    return boto3.client("glue", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def shape(value, path, out):
    """Collects `path: type` for every member of a response."""
    if isinstance(value, dict):
        out.add((path, "object"))
        for key, inner in value.items():
            if key == "ResponseMetadata":
                continue
            shape(inner, f"{path}.{key}", out)
    elif isinstance(value, list):
        out.add((path, "list"))
        for inner in value:
            shape(inner, f"{path}[]", out)
    else:
        out.add((path, type(value).__name__))
    return out


def calls(glue):
    """The calls, in order; each yields (operation, response or error code)."""
    table = {
        "Name": "orders", "TableType": "EXTERNAL_TABLE", "Parameters": {"classification": "parquet"},
        "PartitionKeys": [{"Name": "year", "Type": "string"}],
        "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}],
                              "Location": "s3://lake/orders/",
                              "SerdeInfo": {"SerializationLibrary": "x", "Parameters": {}}},
    }
    steps = [
        ("CreateDatabase", lambda: glue.create_database(DatabaseInput={"Name": "cmp"})),
        ("GetDatabase", lambda: glue.get_database(Name="cmp")),
        ("GetDatabases", lambda: glue.get_databases()),
        ("CreateTable", lambda: glue.create_table(DatabaseName="cmp", TableInput=table)),
        ("GetTable", lambda: glue.get_table(DatabaseName="cmp", Name="orders")),
        ("GetTables", lambda: glue.get_tables(DatabaseName="cmp")),
        ("UpdateTable", lambda: glue.update_table(DatabaseName="cmp", TableInput={**table, "Description": "x"})),
        ("GetTableVersions", lambda: glue.get_table_versions(DatabaseName="cmp", TableName="orders")),
        ("GetTableVersion", lambda: glue.get_table_version(DatabaseName="cmp", TableName="orders", VersionId="1")),
        ("BatchCreatePartition", lambda: glue.batch_create_partition(
            DatabaseName="cmp", TableName="orders",
            PartitionInputList=[{"Values": [str(y)], "StorageDescriptor": {
                "Location": f"s3://lake/orders/year={y}/", "Columns": [{"Name": "id", "Type": "bigint"}]}}
                for y in (2023, 2024, 2024)])),
        ("GetPartition", lambda: glue.get_partition(DatabaseName="cmp", TableName="orders", PartitionValues=["2024"])),
        ("GetPartitions", lambda: glue.get_partitions(DatabaseName="cmp", TableName="orders", Expression="year = '2024'")),
        ("BatchGetPartition", lambda: glue.batch_get_partition(
            DatabaseName="cmp", TableName="orders", PartitionsToGet=[{"Values": ["2024"]}, {"Values": ["1999"]}])),
        ("BatchUpdatePartition", lambda: glue.batch_update_partition(
            DatabaseName="cmp", TableName="orders",
            Entries=[{"PartitionValueList": ["1999"], "PartitionInput": {"Values": ["1999"]}}])),
        ("BatchDeletePartition", lambda: glue.batch_delete_partition(
            DatabaseName="cmp", TableName="orders", PartitionsToDelete=[{"Values": ["2023"]}, {"Values": ["1999"]}])),
        ("GetTable.missing", lambda: glue.get_table(DatabaseName="cmp", Name="nope")),
        ("CreateDatabase.exists", lambda: glue.create_database(DatabaseInput={"Name": "cmp"})),
        ("UpdateTable.stale", lambda: glue.update_table(DatabaseName="cmp", TableInput=table, VersionId="0")),
        ("DeleteTable", lambda: glue.delete_table(DatabaseName="cmp", Name="orders")),
        ("DeleteDatabase", lambda: glue.delete_database(Name="cmp")),
    ]
    for name, step in steps:
        try:
            yield name, shape(step(), "", set())
        except botocore.exceptions.ClientError as error:
            yield name, {("error", error.response["Error"]["Code"])}


def main():
    ours = dict(calls(client(sys.argv[1])))
    theirs = dict(calls(client(sys.argv[2])))
    unexplained = []
    for operation in ours:
        for member in sorted(ours[operation] ^ theirs[operation]):
            side = "lakecat" if member in ours[operation] else "moto"
            key = (operation, member[0], side)
            reason = DELIBERATE.get(key)
            last = member[0].rsplit(".", 1)[-1]
            if reason is None and side == "lakecat" and last in AWS_DEFAULTS:
                reason = DEFAULTS_REASON
            line = f"{operation}: {member[0]} ({member[1]}) only in {side}"
            if reason:
                print(f"deliberate: {line}: {reason}")
            else:
                unexplained.append(line)
    for line in unexplained:
        print(f"DIFFERENCE: {line}")
    if unexplained:
        sys.exit(1)
    print("shapes match moto, apart from the deliberate differences above")


if __name__ == "__main__":
    main()
