"""What DuckDB's lenient CSV sniffer finds in files, as JSON.

    python duckdb_hard.py FILE...

Runs `sniff_csv(path, strict_mode=false, null_padding=true)` on each file. Output:
{"version": ..., "files": {path: {"has_header", "names"} or {"error"}}}
"""

import json
import sys

import duckdb


def sniff(connection, path):
    try:
        has_header, columns = connection.execute(
            "SELECT HasHeader, Columns FROM sniff_csv(?, strict_mode=false, null_padding=true)",
            [path],
        ).fetchone()
    except duckdb.Error as error:
        return {"error": str(error).splitlines()[0]}
    return {
        "has_header": bool(has_header),
        "names": [column["name"] for column in columns],
    }


def main():
    connection = duckdb.connect()
    found = {path: sniff(connection, path) for path in sys.argv[1:]}
    json.dump({"version": duckdb.__version__, "files": found}, sys.stdout)


if __name__ == "__main__":
    main()
