"""The REST calls each console page makes, timed at the issue's size: a catalog with 1,000
tables and a table with 1,000,000 partitions (run by scripts/bench-console).

    console_bench.py BASE_URL [PARTITIONS] [ROUNDS]

Fills the catalog through the REST API (tables one by one, partitions 100 a batch), then
times each page's calls in the order the console makes them, ROUNDS times, and prints a
Markdown table of each page's median and 95th percentile against the 300 ms budget. With
CHROMEDRIVER given, it then opens each page in headless Chromium, ROUNDS times, and times it
as the user sees it: from the address change to the page drawn (the console's own measure,
`data-render-ms`: the page's REST calls, parsing and drawing).

    console_bench.py BASE_URL [PARTITIONS] [ROUNDS] [CHROMEDRIVER]

PARTITIONS 0 measures a catalog filled before (by an earlier run against the same store)."""

import http.client
import json
import statistics
import sys
import time
import urllib.parse

TABLES = 1000


class Client:
    """One keep-alive HTTP connection, as a browser tab would use."""

    def __init__(self, base):
        url = urllib.parse.urlparse(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        text = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {text[:300]!r}")
        return json.loads(text) if text else None


def fill(client, partitions):
    started = time.time()
    client.call("POST", "/v1/databases", {"name": "bench"})
    columns = [{"name": f"c{i}", "type": kind} for i, kind in enumerate(
        ["bigint", "string", "double", "timestamp", "struct<a:int,b:array<string>>", "map<string,int>"] * 3)]
    for i in range(TABLES):
        client.call("POST", "/v1/databases/bench/tables", {
            "name": f"table_{i:04d}",
            "parameters": {"classification": "parquet", "recordCount": str(i * 1000)},
            "storage_descriptor": {"columns": columns, "location": f"s3://lake/table_{i:04d}/"},
        })
    keys = [{"name": "region", "type": "string"}, {"name": "day", "type": "string"}, {"name": "bucket", "type": "int"}]
    client.call("POST", "/v1/databases/bench/tables", {
        "name": "events", "partition_keys": keys,
        "storage_descriptor": {"columns": columns, "location": "s3://lake/events/"},
    })
    # The table's second version, for the versions page's diff.
    client.call("PUT", "/v1/databases/bench/tables/events", {
        "name": "events", "partition_keys": keys,
        "storage_descriptor": {"columns": columns + [{"name": "added", "type": "string"}], "location": "s3://lake/events/"},
    })
    print(f"{TABLES + 1} tables in {time.time() - started:.0f} s", file=sys.stderr)
    started = time.time()
    batch = []
    made = 0
    regions = [f"r{r}" for r in range(10)]
    days = [time.strftime("%Y-%m-%d", time.gmtime(1577836800 + d * 86400)) for d in range(1000)]
    for region in regions:
        for day in days:
            for bucket in range(100):
                if made >= partitions:
                    break
                batch.append({"values": [region, day, str(bucket)],
                              "storage_descriptor": {"location": f"s3://lake/events/region={region}/day={day}/bucket={bucket}/"}})
                made += 1
                if len(batch) == 100:
                    answer = client.call("POST", "/v1/databases/bench/tables/events/partitions:batchCreate", {"partitions": batch})
                    assert not answer["errors"], answer
                    batch = []
            if made and made % 100_000 == 0:
                print(f"{made} partitions, {time.time() - started:.0f} s", file=sys.stderr)
    if batch:
        client.call("POST", "/v1/databases/bench/tables/events/partitions:batchCreate", {"partitions": batch})
    print(f"{made} partitions in {time.time() - started:.0f} s", file=sys.stderr)


def partitions(expression=""):
    query = {"max_results": 100, "exclude_column_schema": "true"}
    if expression:
        query["expression"] = expression
    return "/v1/databases/bench/tables/events/partitions?" + urllib.parse.urlencode(query)


def second_partition_page(client):
    first = client.call("GET", partitions())
    token = urllib.parse.quote(first["next_page_token"])
    return [partitions() + f"&page_token={token}"]


TABLE = "/v1/databases/bench/tables/events"
# Each page's calls, in the order the console makes them (GET /v1/session is cached after
# the first page, so it counts once, on the databases page).
PAGES = [
    ("Databases", lambda c: ["/v1/session", "/v1/databases"]),
    ("Tables of a database (first 100 of 1,001)", lambda c: ["/v1/databases/bench/tables"]),
    ("Table, columns", lambda c: [TABLE]),
    ("Table, partitions (first 100 of 1,000,000)", lambda c: [TABLE, partitions()]),
    ("Table, partitions, next page", lambda c: [TABLE] + second_partition_page(c)),
    ("Table, partitions filtered: region = 'r7' AND day = '2021-06-30'",
     lambda c: [TABLE, partitions("region = 'r7' AND day = '2021-06-30'")]),
    ("Table, partitions filtered: bucket BETWEEN 40 AND 42 (not a key prefix)",
     lambda c: [TABLE, partitions("bucket BETWEEN 40 AND 42")]),
    ("Table, partitions filtered: day LIKE '2022-09-2%' AND bucket = 7 (sparse, no key prefix)",
     lambda c: [TABLE, partitions("day LIKE '2022-09-2%' AND bucket = 7")]),
    ("Table, partitions filtered: bucket = 7 AND day > '2022-09-26' (matches none: every partition examined)",
     lambda c: [TABLE, partitions("bucket = 7 AND day > '2022-09-26'")]),
    ("Table, partitions filtered: region = 'r7' (100,000 matches, from the 700,001st partition on)",
     lambda c: [TABLE, partitions("region = 'r7'")]),
    ("Table, partitions filtered: a parse error",
     lambda c: [TABLE]),
    ("Table, versions and diff", lambda c: [TABLE, TABLE + "/versions?max_results=100"]),
    ("Search: a table name (1,001 tables scanned)", lambda c: ["/v1/search/tables?text=table_0999&max_results=100"]),
    ("Search: a column name, first 100 matches", lambda c: ["/v1/search/tables?text=c17&max_results=100"]),
    ("Crawlers", lambda c: ["/v1/crawlers?max_results=1000"]),
]


# The same pages in the browser, by their console routes.
ROUTES = [
    ("Databases", "/databases"),
    ("Tables of a database", "/databases/bench"),
    ("Table, columns", "/databases/bench/tables/events"),
    ("Table, partitions", "/databases/bench/tables/events/partitions"),
    ("Table, partitions filtered by a key prefix", "/databases/bench/tables/events/partitions?filter=" + urllib.parse.quote("region = 'r7' AND day = '2021-06-30'")),
    ("Table, partitions filtered on a later key", "/databases/bench/tables/events/partitions?filter=" + urllib.parse.quote("bucket BETWEEN 40 AND 42")),
    ("Table, partitions filtered sparsely without a key prefix", "/databases/bench/tables/events/partitions?filter=" + urllib.parse.quote("day LIKE '2022-09-2%' AND bucket = 7")),
    ("Table, partitions, a parse error", "/databases/bench/tables/events/partitions?filter=" + urllib.parse.quote("region == 'r1'")),
    ("Table, versions and diff", "/databases/bench/tables/events/versions"),
    ("Search: a table name", "/search?text=table_0999"),
    ("Crawlers", "/crawlers"),
]


def percentiles(times):
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def in_the_browser(base, chromedriver, rounds):
    from console_browser import Console, start_browser
    driver = start_browser(chromedriver)
    console = Console(driver, base)
    try:
        console.go("/crawlers")
        print()
        print("| page in headless Chromium (address change to page drawn) | median ms | p95 ms | within 300 ms |")
        print("| --- | ---: | ---: | --- |")
        for name, route in ROUTES:
            times = []
            for _ in range(rounds):
                console.go("/crawlers")  # from another page, so that the route changes
                driver.execute_script("location.hash = arguments[0]", "#" + route)
                console.idle()
                times.append(float(driver.execute_script("return document.body.dataset.renderMs")))
            median, p95 = percentiles(times)
            print(f"| {name} | {median:.0f} | {p95:.0f} | {'yes' if p95 <= 300 else 'NO'} |", flush=True)
    finally:
        driver.quit()


def main():
    base = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    chromedriver = sys.argv[4] if len(sys.argv) > 4 else None
    client = Client(base)
    if count:
        fill(client, count)  # 0: measure the catalog the server already holds
    print(f"| page (its REST calls, made one after another) | median ms | p95 ms | within 300 ms |")
    print(f"| --- | ---: | ---: | --- |")
    for name, calls in PAGES:
        times = []
        for _ in range(rounds):
            paths = calls(client)
            started = time.perf_counter()
            for path in paths:
                client.call("GET", path)
            if "parse error" in name:
                try:
                    client.call("GET", partitions("region == 'r1'"))
                except RuntimeError as refused:
                    assert ": 400 " in str(refused), refused
            times.append((time.perf_counter() - started) * 1000)
        median, p95 = percentiles(times)
        print(f"| {name} | {median:.1f} | {p95:.1f} | {'yes' if p95 <= 300 else 'NO'} |", flush=True)
    if chromedriver:
        in_the_browser(base, chromedriver, rounds)


if __name__ == "__main__":
    main()
