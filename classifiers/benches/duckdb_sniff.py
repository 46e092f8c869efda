"""Times DuckDB's CSV sniffer on files and prints what it found, as JSON.

    python duckdb_sniff.py REPEATS FILE...

Output: {"seconds": [per repeat], "files": {path: {"delimiter", "has_header", "types"}}}
"""

import json
import sys
import time

import duckdb


def sniff(connection, path):
    row = connection.execute(
        "SELECT Delimiter, HasHeader, Columns FROM sniff_csv(?)", [path]
    ).fetchone()
    delimiter, has_header, columns = row
    return {
        "delimiter": delimiter,
        "has_header": bool(has_header),
        "types": [column["type"] for column in columns],
    }


def main():
    repeats = int(sys.argv[1])
    paths = sys.argv[2:]
    connection = duckdb.connect()
    found = {}
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        for path in paths:
            found[path] = sniff(connection, path)
        seconds.append(time.perf_counter() - started)
    json.dump({"seconds": seconds, "files": found, "version": duckdb.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
