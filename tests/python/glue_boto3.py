"""Drives lakecat's Glue-compatible API with boto3, the AWS SDK for Python, exactly as an
application pointed at AWS Glue would: `python glue_boto3.py http://127.0.0.1:PORT`.

Every call goes over real HTTP through botocore's serializer, SigV4 signer and error parser.
Exits non-zero with the failing assertion on any difference from what Glue promises.
"""

import datetime
import json
import sys
import time

import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions


def client(endpoint):
    return boto3.client(
        "glue",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="lakecat",
        aws_secret_access_key="lakecat-secret",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def expect_error(exception_class, call, **kwargs):
    try:
        call(**kwargs)
    except exception_class as error:
        return error
    raise AssertionError(f"{call.__name__} did not raise {exception_class.__name__}")


def main():
    glue = client(sys.argv[1])

    glue.create_database(DatabaseInput={"Name": "Sales", "Description": "from boto3"})
    database = glue.get_database(Name="sales")["Database"]
    assert database["Name"] == "sales", database
    # Timestamps arrive as epoch seconds and botocore parses them into datetimes.
    assert database["CreateTime"].year >= 2026, database
    error = expect_error(glue.exceptions.AlreadyExistsException, glue.create_database,
                         DatabaseInput={"Name": "sales"})
    assert error.response["ResponseMetadata"]["RequestId"], error.response
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_database, Name="missing")

    table_input = {
        "Name": "orders",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet"},
        "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "int"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}],
            "Location": "s3://lake/orders/",
        },
    }
    glue.create_table(DatabaseName="sales", TableInput=table_input)
    table = glue.get_table(DatabaseName="sales", Name="orders")["Table"]
    assert table["VersionId"] == "0" and table["PartitionKeys"][1]["Type"] == "int", table
    glue.update_table(DatabaseName="sales", TableInput={**table_input, "Description": "v1"},
                      VersionId="0")
    expect_error(glue.exceptions.ConcurrentModificationException, glue.update_table,
                 DatabaseName="sales", TableInput=table_input, VersionId="0")

    partitions = [
        {"Values": [str(year), str(month)],
         "StorageDescriptor": {"Location": f"s3://lake/orders/year={year}/month={month}/",
                               "Columns": [{"Name": "id", "Type": "bigint"}]}}
        for year in (2023, 2024) for month in range(1, 13)
    ]
    for start in range(0, len(partitions), 10):
        result = glue.batch_create_partition(DatabaseName="sales", TableName="orders",
                                             PartitionInputList=partitions[start:start + 10])
        assert result["Errors"] == [], result
    again = glue.batch_create_partition(DatabaseName="sales", TableName="orders",
                                        PartitionInputList=partitions[:1])
    assert again["Errors"][0]["ErrorDetail"]["ErrorCode"] == "AlreadyExistsException", again

    selected = glue.get_partitions(DatabaseName="sales", TableName="orders",
                                   Expression="year = '2024' AND month BETWEEN 3 AND 5")
    months = sorted(int(p["Values"][1]) for p in selected["Partitions"])
    assert months == [3, 4, 5], months

    # botocore's paginator follows NextToken; segments split the partitions.
    paginator = glue.get_paginator("get_partitions")
    seen = []
    for segment in range(4):
        for page in paginator.paginate(DatabaseName="sales", TableName="orders",
                                       Segment={"SegmentNumber": segment, "TotalSegments": 4},
                                       PaginationConfig={"PageSize": 5}):
            seen.extend(tuple(p["Values"]) for p in page["Partitions"])
    assert len(seen) == 24 and len(set(seen)) == 24, seen

    expect_error(glue.exceptions.InvalidInputException, glue.get_partitions,
                 DatabaseName="sales", TableName="orders", Expression="year >")
    tables = [t["Name"] for page in glue.get_paginator("get_tables").paginate(DatabaseName="sales")
              for t in page["TableList"]]
    assert tables == ["orders"], tables
    versions = glue.get_table_versions(DatabaseName="sales", TableName="orders")["TableVersions"]
    assert [v["VersionId"] for v in versions] == ["1", "0"], versions

    # Partition indexes: Glue's limit of three, its exceptions, and the same answers with them.
    glue.create_partition_index(DatabaseName="sales", TableName="orders",
                                PartitionIndex={"IndexName": "by_month", "Keys": ["month"]})
    expect_error(glue.exceptions.AlreadyExistsException, glue.create_partition_index,
                 DatabaseName="sales", TableName="orders",
                 PartitionIndex={"IndexName": "by_month", "Keys": ["year"]})
    error = expect_error(glue.exceptions.InvalidInputException, glue.create_partition_index,
                         DatabaseName="sales", TableName="orders",
                         PartitionIndex={"IndexName": "by_day", "Keys": ["day"]})
    assert "day is not a partition key" in str(error), error
    glue.create_partition_index(DatabaseName="sales", TableName="orders",
                                PartitionIndex={"IndexName": "by_year", "Keys": ["year"]})
    glue.create_partition_index(DatabaseName="sales", TableName="orders",
                                PartitionIndex={"IndexName": "by_both", "Keys": ["month", "year"]})
    expect_error(glue.exceptions.ResourceNumberLimitExceededException, glue.create_partition_index,
                 DatabaseName="sales", TableName="orders",
                 PartitionIndex={"IndexName": "fourth", "Keys": ["year", "month"]})
    indexes = glue.get_partition_indexes(DatabaseName="sales", TableName="orders")
    descriptors = {d["IndexName"]: d for d in indexes["PartitionIndexDescriptorList"]}
    assert sorted(descriptors) == ["by_both", "by_month", "by_year"], indexes
    assert descriptors["by_both"]["Keys"] == [{"Name": "month", "Type": "int"},
                                              {"Name": "year", "Type": "string"}], descriptors
    assert descriptors["by_month"]["IndexStatus"] == "ACTIVE", descriptors
    reselected = glue.get_partitions(DatabaseName="sales", TableName="orders",
                                     Expression="year = '2024' AND month BETWEEN 3 AND 5")
    assert reselected["Partitions"] == selected["Partitions"], reselected
    glue.delete_partition_index(DatabaseName="sales", TableName="orders", IndexName="by_year")
    expect_error(glue.exceptions.EntityNotFoundException, glue.delete_partition_index,
                 DatabaseName="sales", TableName="orders", IndexName="by_year")
    glue.create_table(DatabaseName="sales", TableInput={**table_input, "Name": "indexed"},
                      PartitionIndexes=[{"IndexName": "by_year", "Keys": ["year"]}])
    created = glue.get_partition_indexes(DatabaseName="sales", TableName="indexed")
    assert [d["IndexName"] for d in created["PartitionIndexDescriptorList"]] == ["by_year"], created
    expect_error(glue.exceptions.InvalidInputException, glue.create_table, DatabaseName="sales",
                 TableInput={**table_input, "Name": "badindex"},
                 PartitionIndexes=[{"IndexName": "x", "Keys": ["nope"]}])
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_table,
                 DatabaseName="sales", Name="badindex")
    glue.delete_table(DatabaseName="sales", Name="indexed")

    deleted = glue.batch_delete_partition(DatabaseName="sales", TableName="orders",
                                          PartitionsToDelete=[{"Values": ["2023", "1"]},
                                                              {"Values": ["1999", "1"]}])
    assert [e["PartitionValues"] for e in deleted["Errors"]] == [["1999", "1"]], deleted
    functions(glue)
    tags(glue)
    column_statistics(glue)
    start_up_calls(glue)
    open_table_targets(glue)
    glue.delete_table(DatabaseName="sales", Name="orders")
    glue.delete_database(Name="sales")
    print("boto3 glue: ok")


def functions(glue):
    """User-defined functions in the database `sales`, as Hive's and Spark's Glue clients keep
    them."""
    function_input = {
        "FunctionName": "to_upper",
        "ClassName": "com.example.ToUpper",
        "OwnerName": "analyst",
        "OwnerType": "USER",
        "ResourceUris": [{"ResourceType": "JAR", "Uri": "s3://lib/udfs.jar"}],
    }
    glue.create_user_defined_function(DatabaseName="sales", FunctionInput=function_input)
    expect_error(glue.exceptions.AlreadyExistsException, glue.create_user_defined_function,
                 DatabaseName="sales", FunctionInput=function_input)
    expect_error(glue.exceptions.EntityNotFoundException, glue.create_user_defined_function,
                 DatabaseName="missing", FunctionInput=function_input)
    function = glue.get_user_defined_function(DatabaseName="sales",
                                              FunctionName="to_upper")["UserDefinedFunction"]
    assert function["ClassName"] == "com.example.ToUpper", function
    assert function["CreateTime"].year >= 2026, function
    glue.update_user_defined_function(DatabaseName="sales", FunctionName="to_upper",
                                      FunctionInput={**function_input,
                                                     "ClassName": "com.example.Upper2"})
    listed = [f for page in glue.get_paginator("get_user_defined_functions").paginate(
                  DatabaseName="sales", Pattern="*") for f in page["UserDefinedFunctions"]]
    assert [(f["FunctionName"], f["ClassName"]) for f in listed] == [
        ("to_upper", "com.example.Upper2")], listed
    glue.delete_user_defined_function(DatabaseName="sales", FunctionName="to_upper")
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_user_defined_function,
                 DatabaseName="sales", FunctionName="to_upper")


def column_statistics(glue):
    """Column statistics of every Glue kind on a table and a partition, written and read back
    through boto3, with Glue's per-entry and request errors."""
    columns = [("id", "bigint"), ("price", "decimal(10,2)"), ("day", "date"),
               ("name", "string"), ("ok", "boolean"), ("score", "double"), ("raw", "binary")]
    glue.create_table(DatabaseName="sales", TableInput={
        "Name": "measures",
        "PartitionKeys": [{"Name": "region", "Type": "string"}],
        "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in columns],
                              "Location": "s3://lake/measures/"}})
    glue.create_partition(DatabaseName="sales", TableName="measures", PartitionInput={
        "Values": ["eu"], "StorageDescriptor": {"Location": "s3://lake/measures/region=eu/"}})
    analyzed = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.timezone.utc)
    data = {
        "id": {"Type": "LONG", "LongColumnStatisticsData": {
            "MinimumValue": -5, "MaximumValue": 99, "NumberOfNulls": 1,
            "NumberOfDistinctValues": 90}},
        "price": {"Type": "DECIMAL", "DecimalColumnStatisticsData": {
            "MinimumValue": {"UnscaledValue": (-5).to_bytes(1, "big", signed=True), "Scale": 2},
            "MaximumValue": {"UnscaledValue": (123456).to_bytes(3, "big", signed=True), "Scale": 2},
            "NumberOfNulls": 0, "NumberOfDistinctValues": 40}},
        "day": {"Type": "DATE", "DateColumnStatisticsData": {
            "MinimumValue": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
            "MaximumValue": datetime.datetime(2024, 12, 31, tzinfo=datetime.timezone.utc),
            "NumberOfNulls": 2, "NumberOfDistinctValues": 366}},
        "name": {"Type": "STRING", "StringColumnStatisticsData": {
            "MaximumLength": 12, "AverageLength": 6.5, "NumberOfNulls": 0,
            "NumberOfDistinctValues": 7}},
        "ok": {"Type": "BOOLEAN", "BooleanColumnStatisticsData": {
            "NumberOfTrues": 3, "NumberOfFalses": 4, "NumberOfNulls": 0}},
        "score": {"Type": "DOUBLE", "DoubleColumnStatisticsData": {
            "MinimumValue": -1.5, "MaximumValue": 2.25, "NumberOfNulls": 0,
            "NumberOfDistinctValues": 10}},
        "raw": {"Type": "BINARY", "BinaryColumnStatisticsData": {
            "MaximumLength": 100, "AverageLength": 50.0, "NumberOfNulls": 1}},
    }
    entries = [{"ColumnName": n, "ColumnType": t, "AnalyzedTime": analyzed,
                "StatisticsData": data[n]} for n, t in columns]
    written = glue.update_column_statistics_for_table(
        DatabaseName="sales", TableName="measures", ColumnStatisticsList=entries)
    assert written["Errors"] == [], written
    names = [n for n, _ in columns]
    read = glue.get_column_statistics_for_table(DatabaseName="sales", TableName="measures",
                                                ColumnNames=names + ["region"])
    assert [s["ColumnName"] for s in read["ColumnStatisticsList"]] == names, read
    for entry in read["ColumnStatisticsList"]:
        assert entry["StatisticsData"] == data[entry["ColumnName"]], entry
        assert entry["AnalyzedTime"] == analyzed, entry
    assert [(e["ColumnName"], e["Error"]["ErrorCode"]) for e in read["Errors"]] == [
        ("region", "EntityNotFoundException")], read["Errors"]

    # Per entry: a column the table lacks, and figures that contradict each other.
    bad = [{**entries[0], "ColumnName": "nope"},
           {**entries[0], "StatisticsData": {"Type": "LONG", "LongColumnStatisticsData": {
               "MinimumValue": 9, "MaximumValue": 1, "NumberOfNulls": 0,
               "NumberOfDistinctValues": 1}}}]
    refused = glue.update_column_statistics_for_table(
        DatabaseName="sales", TableName="measures", ColumnStatisticsList=bad)["Errors"]
    assert [(e["ColumnStatistics"]["ColumnName"], e["Error"]["ErrorCode"]) for e in refused] == [
        ("nope", "EntityNotFoundException"), ("id", "InvalidInputException")], refused
    expect_error(glue.exceptions.InvalidInputException, glue.update_column_statistics_for_table,
                 DatabaseName="sales", TableName="measures",
                 ColumnStatisticsList=[entries[0]] * 26)
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_column_statistics_for_table,
                 DatabaseName="sales", TableName="missing", ColumnNames=["id"])

    # A partition's statistics are its own.
    glue.update_column_statistics_for_partition(
        DatabaseName="sales", TableName="measures", PartitionValues=["eu"],
        ColumnStatisticsList=[entries[0]])
    read = glue.get_column_statistics_for_partition(
        DatabaseName="sales", TableName="measures", PartitionValues=["eu"],
        ColumnNames=["id", "name"])
    assert [s["ColumnName"] for s in read["ColumnStatisticsList"]] == ["id"], read
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_column_statistics_for_partition,
                 DatabaseName="sales", TableName="measures", PartitionValues=["us"],
                 ColumnNames=["id"])
    glue.delete_column_statistics_for_partition(
        DatabaseName="sales", TableName="measures", PartitionValues=["eu"], ColumnName="id")
    expect_error(glue.exceptions.EntityNotFoundException,
                 glue.delete_column_statistics_for_partition, DatabaseName="sales",
                 TableName="measures", PartitionValues=["eu"], ColumnName="id")
    glue.delete_column_statistics_for_table(DatabaseName="sales", TableName="measures",
                                            ColumnName="id")
    left = glue.get_column_statistics_for_table(DatabaseName="sales", TableName="measures",
                                                ColumnNames=["id", "price"])
    assert [s["ColumnName"] for s in left["ColumnStatisticsList"]] == ["price"], left
    glue.delete_table(DatabaseName="sales", Name="measures")


def tags(glue):
    """Tags on the database `sales` and its table `orders`, addressed by ARN."""
    database_arn = "arn:aws:glue:us-east-1:000000000000:database/sales"
    table_arn = "arn:aws:glue:us-east-1:000000000000:table/sales/orders"
    glue.tag_resource(ResourceArn=database_arn, TagsToAdd={"team": "data", "tier": "gold"})
    glue.tag_resource(ResourceArn=table_arn, TagsToAdd={"team": "data"})
    glue.untag_resource(ResourceArn=database_arn, TagsToRemove=["tier"])
    assert glue.get_tags(ResourceArn=database_arn)["Tags"] == {"team": "data"}
    assert glue.get_tags(ResourceArn=table_arn)["Tags"] == {"team": "data"}
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_tags,
                 ResourceArn="arn:aws:glue:us-east-1:000000000000:table/sales/missing")
    expect_error(glue.exceptions.InvalidInputException, glue.get_tags,
                 ResourceArn="arn:aws:glue:us-east-1:000000000000:table/sales")


def start_up_calls(glue):
    """The calls awswrangler, PyIceberg, Daft, the AWS CLI and Hive's and Spark's Glue clients
    make when they start: none may be refused."""
    status = glue.get_catalog_import_status()["ImportStatus"]
    assert status["ImportCompleted"] is True, status
    settings = glue.get_data_catalog_encryption_settings()["DataCatalogEncryptionSettings"]
    assert settings["EncryptionAtRest"]["CatalogEncryptionMode"] == "DISABLED", settings
    functions = glue.get_user_defined_functions(DatabaseName="sales", Pattern="*")
    assert functions["UserDefinedFunctions"] == [], functions
    assert glue.get_user_defined_functions(Pattern="*")["UserDefinedFunctions"] == []
    databases = [d["Name"] for d in glue.get_databases()["DatabaseList"]]
    assert "sales" in databases, databases
    tables = [t["Name"] for t in glue.get_tables(DatabaseName="sales")["TableList"]]
    assert tables == ["orders"], tables
    assert glue.get_security_configurations()["SecurityConfigurations"] == []
    assert glue.get_resource_policies()["GetResourcePoliciesResponseList"] == []
    catalogs = glue.get_catalogs()["CatalogList"]
    assert [c["CatalogId"] for c in catalogs] == ["000000000000"], catalogs
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_resource_policy)
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_security_configuration,
                 Name="none")
    # Out of scope, and said so.
    for call, kwargs in [(glue.get_schema, {"SchemaId": {"SchemaName": "s", "RegistryName": "r"}}),
                         (glue.get_jobs, {})]:
        error = expect_error(botocore.exceptions.ClientError, call, **kwargs)
        assert error.response["Error"]["Code"] == "UnknownOperationException", error.response
        assert "lakecat does not serve" in error.response["Error"]["Message"], error.response


def open_table_targets(glue):
    """A crawler of Delta, Iceberg and Hudi tables: its targets read back as written, and
    Glue's limit on MaximumTraversalDepth is enforced."""
    targets = {
        "DeltaTargets": [{"DeltaTables": ["s3://lake/delta/sales/"], "WriteManifest": False,
                          "CreateNativeDeltaTable": True}],
        "IcebergTargets": [{"Paths": ["s3://lake/warehouse/"], "Exclusions": ["**/tmp/**"],
                            "MaximumTraversalDepth": 10}],
        "HudiTargets": [{"Paths": ["s3://lake/hudi/"], "Exclusions": [],
                         "MaximumTraversalDepth": 1}],
    }
    glue.create_crawler(Name="formats", Role="r", DatabaseName="sales", Targets=targets)
    crawler = glue.get_crawler(Name="formats")["Crawler"]
    assert crawler["Targets"] == {"S3Targets": [], **targets}, crawler["Targets"]
    error = expect_error(glue.exceptions.InvalidInputException, glue.create_crawler,
                         Name="too-deep", Role="r", DatabaseName="sales",
                         Targets={"IcebergTargets": [{"Paths": ["s3://lake/warehouse/"],
                                                      "MaximumTraversalDepth": 25}]})
    assert "MaximumTraversalDepth must be between 1 and 20 (got 25)" in str(error), error
    expect_error(glue.exceptions.EntityNotFoundException, glue.get_crawler, Name="too-deep")
    glue.delete_crawler(Name="formats")


if __name__ == "__main__" and len(sys.argv) == 2:
    main()


def crawl(endpoint, lake_url):
    """Crawlers and classifiers through boto3: `python glue_boto3.py ENDPOINT crawl S3_URL`."""
    glue = client(endpoint)
    glue.create_classifier(GrokClassifier={
        "Name": "app-log", "Classification": "app_log",
        "GrokPattern": "%{LOGLEVEL:level} %{GREEDYDATA:message}"})
    grok = glue.get_classifier(Name="app-log")["Classifier"]["GrokClassifier"]
    assert grok["Classification"] == "app_log" and grok["Version"] == 1, grok
    expect_error(glue.exceptions.InvalidInputException, glue.create_classifier,
                 GrokClassifier={"Name": "bad", "Classification": "x", "GrokPattern": "%{NOPE:x}"})

    expect_error(glue.exceptions.InvalidInputException, glue.create_crawler,
                 Name="incremental", Role="r", DatabaseName="lake",
                 Targets={"S3Targets": [{"Path": lake_url}]},
                 RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"})
    error = expect_error(glue.exceptions.InvalidInputException, glue.create_crawler,
                         Name="typo", Role="r", DatabaseName="lake",
                         Targets={"S3Targets": [{"Path": lake_url}]},
                         Configuration='{"Version":1.0,"CrawlerOutput":{"Partitions":{"UpdateBehavior":"LOG"}}}')
    assert "unsupported keys: UpdateBehavior" in str(error), error

    glue.create_crawler(
        Name="lake-crawler", Role="arn:aws:iam::000000000000:role/crawler", DatabaseName="lake",
        Targets={"S3Targets": [{"Path": lake_url, "Exclusions": ["**/_tmp/**"]}]},
        Classifiers=["app-log"],
        SchemaChangePolicy={"UpdateBehavior": "UPDATE_IN_DATABASE",
                            "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
        Configuration='{"Version":1.0,"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}}}')
    crawler = glue.get_crawler(Name="lake-crawler")["Crawler"]
    assert crawler["State"] == "READY" and crawler["Version"] == 1, crawler
    assert "InheritFromTable" in crawler["Configuration"], crawler
    expect_error(glue.exceptions.CrawlerNotRunningException, glue.stop_crawler, Name="lake-crawler")

    glue.start_crawler(Name="lake-crawler")
    for _ in range(600):
        crawler = glue.get_crawler(Name="lake-crawler")["Crawler"]
        if crawler["State"] == "READY":
            break
        time.sleep(0.1)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler

    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName="lake")["TableList"]}
    assert sorted(tables) == ["logs", "sales"], sorted(tables)
    assert tables["logs"]["Parameters"]["classification"] == "app_log", tables["logs"]
    assert [k["Name"] for k in tables["sales"]["PartitionKeys"]] == ["year", "month"], tables["sales"]
    assert tables["sales"]["StorageDescriptor"]["Location"] == lake_url + "sales/", tables["sales"]
    partitions = glue.get_partitions(DatabaseName="lake", TableName="sales",
                                     Expression="year = '2024' AND month = '02'")["Partitions"]
    assert len(partitions) == 1, partitions
    assert partitions[0]["StorageDescriptor"]["Location"].endswith("year=2024/month=02/"), partitions

    # The crawl wrote statistics from the Parquet footers: 5 rows a month, ids 0 to 4.
    crawled = glue.get_column_statistics_for_table(
        DatabaseName="lake", TableName="sales", ColumnNames=["id", "amount", "name"])
    by_name = {s["ColumnName"]: s["StatisticsData"] for s in crawled["ColumnStatisticsList"]}
    assert by_name["id"] == {"Type": "LONG", "LongColumnStatisticsData": {
        "MinimumValue": 0, "MaximumValue": 4, "NumberOfNulls": 0,
        "NumberOfDistinctValues": 0}}, by_name
    amounts = by_name["amount"]["DoubleColumnStatisticsData"]
    assert (amounts["MinimumValue"], amounts["MaximumValue"]) == (0.0, 6.0), by_name
    assert str(amounts["MinimumValue"]) == "0.0", "a zero minimum is 0.0, not -0.0"
    assert by_name["name"]["StringColumnStatisticsData"]["AverageLength"] == 6.0, by_name
    month = glue.get_column_statistics_for_partition(
        DatabaseName="lake", TableName="sales", PartitionValues=["2024", "02"],
        ColumnNames=["id"])["ColumnStatisticsList"]
    assert month[0]["StatisticsData"]["LongColumnStatisticsData"]["MaximumValue"] == 4, month

    metrics = glue.get_crawler_metrics(CrawlerNameList=["lake-crawler"])["CrawlerMetricsList"]
    assert metrics[0]["TablesCreated"] == 2, metrics
    crawls = glue.list_crawls(CrawlerName="lake-crawler")["Crawls"]
    assert crawls[0]["State"] == "COMPLETED" and crawls[0]["CrawlId"], crawls
    assert json.loads(crawls[0]["Summary"])["PARTITION"]["ADD"] == 3, crawls[0]
    found = glue.batch_get_crawlers(CrawlerNames=["lake-crawler", "ghost"])
    assert found["CrawlersNotFound"] == ["ghost"], found
    assert glue.list_crawlers()["CrawlerNames"] == ["lake-crawler"]

    glue.update_crawler(Name="lake-crawler", TablePrefix="raw_")
    assert glue.get_crawler(Name="lake-crawler")["Crawler"]["TablePrefix"] == "raw_"
    glue.delete_crawler(Name="lake-crawler")
    glue.delete_classifier(Name="app-log")
    print("boto3 glue crawl: ok")


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[2] == "crawl":
    crawl(sys.argv[1], sys.argv[3])


def auth(endpoint):
    """SigV4 verification: `python glue_boto3.py ENDPOINT auth` against a server whose only
    access key is lakecat / lakecat-secret."""
    client(endpoint).get_databases()

    def code(access_key, secret):
        glue = boto3.client("glue", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=access_key, aws_secret_access_key=secret,
                            config=botocore.config.Config(retries={"max_attempts": 1}))
        error = expect_error(botocore.exceptions.ClientError, glue.get_databases)
        return error.response["Error"]["Code"]

    assert code("lakecat", "wrong-secret") == "InvalidSignatureException"
    assert code("somebody", "lakecat-secret") == "UnrecognizedClientException"

    # Keys map to roles: a reader reads, an editor changes the catalog, an admin runs crawlers.
    def as_key(access_key, secret):
        return boto3.client("glue", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=access_key, aws_secret_access_key=secret,
                            config=botocore.config.Config(retries={"max_attempts": 1}))
    reader, editor = as_key("reader", "reader-secret"), as_key("editor", "editor-secret")
    reader.get_databases()
    error = expect_error(reader.exceptions.AccessDeniedException, reader.create_database,
                         DatabaseInput={"Name": "roles"})
    assert "glue:CreateDatabase" in str(error) and "needs role editor" in str(error), error
    editor.create_database(DatabaseInput={"Name": "roles"})
    expect_error(editor.exceptions.AccessDeniedException, editor.create_crawler,
                 Name="c", Role="r", DatabaseName="roles",
                 Targets={"S3Targets": [{"Path": "s3://lake/"}]})
    error = expect_error(reader.exceptions.AccessDeniedException, reader.delete_database,
                         Name="roles")
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403, error.response

    # A signature must cover what the request does: the operation (X-Amz-Target) and the
    # server (Host). Requests signed by botocore's own signer, over fewer headers than it
    # would choose, are refused, and the catalog is unchanged.
    def signed_request(operation, body, leave_out=(), send_operation=None):
        class PartialSigner(botocore.auth.SigV4Auth):
            def headers_to_sign(self, request):
                headers = super().headers_to_sign(request)
                for name in leave_out:
                    del headers[name]
                return headers

        request = botocore.awsrequest.AWSRequest(
            method="POST", url=endpoint + "/", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": f"AWSGlue.{operation}"})
        PartialSigner(botocore.credentials.Credentials("lakecat", "lakecat-secret"),
                      "glue", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
        if send_operation:
            headers["X-Amz-Target"] = f"AWSGlue.{send_operation}"
        http = urllib.request.Request(endpoint + "/", data=request.body, headers=headers,
                                      method="POST")
        try:
            with urllib.request.urlopen(http) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as failure:
            return failure.code, json.loads(failure.read() or b"{}")

    assert signed_request("GetDatabase", {"Name": "roles"})[0] == 200
    # The operation swap: signed for GetDatabase without X-Amz-Target, sent as DeleteDatabase.
    status, answer = signed_request("GetDatabase", {"Name": "roles"}, leave_out=["x-amz-target"],
                                    send_operation="DeleteDatabase")
    assert (status, answer["__type"]) == (400, "IncompleteSignatureException"), (status, answer)
    assert "X-Amz-Target" in answer["Message"], answer
    # The same swap when the target was signed: the signature no longer matches.
    status, answer = signed_request("GetDatabase", {"Name": "roles"},
                                    send_operation="DeleteDatabase")
    assert (status, answer["__type"]) == (403, "InvalidSignatureException"), (status, answer)
    # A signature that leaves out Host could be replayed against any server with the key.
    status, answer = signed_request("GetDatabase", {"Name": "roles"}, leave_out=["host"])
    assert (status, answer["__type"]) == (400, "IncompleteSignatureException"), (status, answer)
    assert "'Host'" in answer["Message"], answer
    assert client(endpoint).get_database(Name="roles")["Database"]["Name"] == "roles"

    client(endpoint).delete_database(Name="roles")
    print("boto3 glue auth: ok")


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[2] == "auth":
    auth(sys.argv[1])
