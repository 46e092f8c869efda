"""awswrangler against lakecat's Glue-compatible API and a local S3 server, as a data
engineer's notebook would use them with AWS:

    python glue_wrangler.py GLUE_ENDPOINT S3_ENDPOINT BUCKET

The bucket holds Hive-partitioned Parquet under `lake/sales/year=2024/month=MM/`. A crawler
started through boto3 catalogs it; awswrangler then reads the table with a partition filter,
writes a partitioned dataset of its own through the catalog (CreateTable, BatchCreatePartition,
GetTable, GetPartitions) and reads that back. Exits non-zero on any wrong row.
"""

import sys
import time

import awswrangler as wr
import boto3
import pandas as pd


def wait_for_crawl(glue, name):
    for _ in range(600):
        crawler = glue.get_crawler(Name=name)["Crawler"]
        if crawler["State"] == "READY" and "LastCrawl" in crawler:
            return crawler["LastCrawl"]
        time.sleep(0.1)
    raise AssertionError(f"crawler {name} did not finish")


def main():
    glue_endpoint, s3_endpoint, bucket = sys.argv[1:4]
    # What the awswrangler documentation says to set for a Glue-compatible endpoint.
    wr.config.glue_endpoint_url = glue_endpoint
    wr.config.s3_endpoint_url = s3_endpoint
    glue = boto3.client("glue", endpoint_url=glue_endpoint)

    # A crawled table, read with a partition filter.
    glue.create_crawler(Name="sales-crawler", Role="r", DatabaseName="crawled",
                        Targets={"S3Targets": [{"Path": f"s3://{bucket}/lake/"}]})
    glue.start_crawler(Name="sales-crawler")
    last = wait_for_crawl(glue, "sales-crawler")
    assert last["Status"] == "SUCCEEDED", last
    types = wr.catalog.get_table_types(database="crawled", table="sales")
    assert types == {"id": "bigint", "name": "string", "amount": "double",
                     "year": "string", "month": "string"}, types
    partitions = wr.catalog.get_partitions(database="crawled", table="sales")
    assert sorted(v[1] for v in partitions.values()) == ["01", "02", "03"], partitions
    february = wr.s3.read_parquet_table(database="crawled", table="sales",
                                        partition_filter=lambda p: p["month"] == "02")
    assert len(february) == 5, february
    assert set(february["month"]) == {"02"} and set(february["year"]) == {"2024"}, february
    assert sorted(february["id"]) == [0, 1, 2, 3, 4], february
    assert sorted(february["name"]) == [f"name-{i}" for i in range(5)], february
    assert february["amount"].sum() == 15.0, february
    everything = wr.s3.read_parquet_table(database="crawled", table="sales")
    assert len(everything) == 15, everything

    # A dataset awswrangler writes through the catalog, appended to, then read back.
    wr.catalog.create_database(name="written")
    trips = pd.DataFrame({"id": [1, 2, 3, 4], "city": ["oslo", "rome", "oslo", "lima"],
                          "year": ["2023", "2023", "2024", "2024"]})
    wr.s3.to_parquet(df=trips, path=f"s3://{bucket}/written/trips/", dataset=True,
                     database="written", table="trips", partition_cols=["year"],
                     mode="overwrite")
    more = pd.DataFrame({"id": [5, 6], "city": ["kyiv", "oslo"], "year": ["2024", "2025"]})
    # Appending adds 2025 and finds 2024 in the catalog already: Glue's per-item
    # AlreadyExistsException, which awswrangler skips.
    wr.s3.to_parquet(df=more, path=f"s3://{bucket}/written/trips/", dataset=True,
                     database="written", table="trips", partition_cols=["year"], mode="append")
    written = wr.catalog.get_partitions(database="written", table="trips")
    assert sorted(v[0] for v in written.values()) == ["2023", "2024", "2025"], written
    table = glue.get_table(DatabaseName="written", Name="trips")["Table"]
    assert table["Parameters"]["classification"] == "parquet", table
    recent = wr.s3.read_parquet_table(database="written", table="trips",
                                      partition_filter=lambda p: p["year"] >= "2024")
    assert sorted(recent["id"].tolist()) == [3, 4, 5, 6], recent
    assert sorted(set(recent["year"])) == ["2024", "2025"], recent
    assert sorted(recent[recent["city"] == "oslo"]["id"].tolist()) == [3, 6], recent

    assert wr.catalog.does_table_exist(database="written", table="trips")
    assert not wr.catalog.does_table_exist(database="written", table="missing")
    wr.catalog.delete_table_if_exists(database="written", table="trips")
    assert not wr.catalog.does_table_exist(database="written", table="trips")
    print("awswrangler glue: ok")


if __name__ == "__main__":
    main()
