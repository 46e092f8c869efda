"""The Glue API workload of the lakecat-versus-moto benchmark (catalog-server/benches/glue.rs):
`python glue_workload.py ENDPOINT`. Prints one JSON object of timings.

Over real HTTP on one keep-alive connection, with Glue's wire protocol written directly
(AWS JSON 1.1, `X-Amz-Target`) and parsed with the json module: create 10,000 partitions
with BatchCreatePartition in batches of 100; run GetPartitions with a selective Expression
1,000 times; page through all partitions with MaxResults 1000. A raw client keeps the
measurement on the servers: boto3's own serializing and parsing (milliseconds per call, and
most of a second for 10,000 partitions) would otherwise dominate both sides. The boto3 tests
check that the same calls work through boto3.
"""

import json
import statistics
import sys
import time

import http.client
import urllib.parse

REGIONS = 10
DAYS = 1000
SELECTIVE = "region = 'r3' AND day >= '0500' AND day < '0510'"


class Glue:
    """A minimal Glue client: one connection, requests with a placeholder signature."""

    def __init__(self, endpoint):
        url = urllib.parse.urlparse(endpoint)
        self.connection = http.client.HTTPConnection(url.hostname, url.port)

    def call(self, operation, body):
        self.connection.request("POST", "/", json.dumps(body), {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSGlue.{operation}",
            # moto's server picks the service from the credential scope; neither server
            # checks the signature itself.
            "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20261121/us-east-1/glue/"
                             "aws4_request, SignedHeaders=host, Signature=0",
        })
        response = self.connection.getresponse()
        data = json.loads(response.read() or b"{}")
        if response.status != 200:
            raise RuntimeError(f"{operation}: {response.status} {data}")
        return data

    def create_database(self, **kwargs):
        return self.call("CreateDatabase", kwargs)

    def create_table(self, **kwargs):
        return self.call("CreateTable", kwargs)

    def batch_create_partition(self, **kwargs):
        return self.call("BatchCreatePartition", kwargs)

    def get_partitions(self, **kwargs):
        return self.call("GetPartitions", kwargs)


def main():
    glue = Glue(sys.argv[1])
    glue.create_database(DatabaseInput={"Name": "bench"})
    glue.create_table(DatabaseName="bench", TableInput={
        "Name": "events",
        "PartitionKeys": [{"Name": "region", "Type": "string"}, {"Name": "day", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "payload", "Type": "string"}],
            "Location": "s3://bench/events/",
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary":
                          "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
        "TableType": "EXTERNAL_TABLE",
    })
    inputs = [
        {"Values": [f"r{r}", f"{d:04}"],
         "StorageDescriptor": {
             "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "payload", "Type": "string"}],
             "Location": f"s3://bench/events/region=r{r}/day={d:04}/"}}
        for r in range(REGIONS) for d in range(DAYS)
    ]
    started = time.perf_counter()
    for start in range(0, len(inputs), 100):
        result = glue.batch_create_partition(DatabaseName="bench", TableName="events",
                                             PartitionInputList=inputs[start:start + 100])
        assert not result.get("Errors"), result
    create_seconds = time.perf_counter() - started

    latencies = []
    for _ in range(1000):
        started = time.perf_counter()
        found = glue.get_partitions(DatabaseName="bench", TableName="events",
                                    Expression=SELECTIVE)["Partitions"]
        latencies.append(time.perf_counter() - started)
        assert len(found) == 10, len(found)

    started = time.perf_counter()
    total = 0
    token = None
    while True:
        request = {"DatabaseName": "bench", "TableName": "events", "MaxResults": 1000}
        if token:
            request["NextToken"] = token
        page = glue.get_partitions(**request)
        total += len(page["Partitions"])
        token = page.get("NextToken")
        if not token:
            break
    paging_seconds = time.perf_counter() - started
    assert total == REGIONS * DAYS, total

    latencies.sort()
    print(json.dumps({
        "partitions": total,
        "create_seconds": create_seconds,
        "selective_p50_ms": statistics.median(latencies) * 1000,
        "selective_p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "selective_total_seconds": sum(latencies),
        "paging_seconds": paging_seconds,
    }))


if __name__ == "__main__":
    main()
