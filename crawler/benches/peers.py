"""Times DuckDB's and pyarrow's schema discovery over a Hive-partitioned Parquet lake, for
the crawl benchmark (crawler/benches/crawl.rs). Prints one JSON object.

DuckDB: DESCRIBE over read_parquet(..., hive_partitioning=true, union_by_name=true), which
reads every file's footer to unify the schemas. pyarrow: dataset discovery with Hive
partitioning and schema unification over all fragments (inspect(fragments=None)).
"""

import json
import statistics
import sys
import time

import duckdb
import pyarrow.dataset as ds
import pyarrow.fs as pafs


def duckdb_schema(path):
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    rows = con.execute(
        "DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = true, union_by_name = true)",
        [f"{path}/**/*.parquet"],
    ).fetchall()
    con.close()
    return [row[0] for row in rows]


def pyarrow_schema(path):
    factory = ds.FileSystemDatasetFactory(
        pafs.LocalFileSystem(),
        pafs.FileSelector(path, recursive=True),
        ds.ParquetFileFormat(),
        ds.FileSystemFactoryOptions(
            partitioning=ds.HivePartitioning.discover(),
            selector_ignore_prefixes=[".", "_"],
        ),
    )
    return factory.inspect(fragments=None).names


def timed(function, path, runs):
    seconds = []
    columns = None
    for _ in range(runs):
        start = time.perf_counter()
        columns = function(path)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), columns


def main():
    path, runs = sys.argv[1], int(sys.argv[2])
    duck_seconds, duck_columns = timed(duckdb_schema, path, runs)
    arrow_seconds, arrow_columns = timed(pyarrow_schema, path, runs)
    print(
        json.dumps(
            {
                "duckdb_seconds": duck_seconds,
                "duckdb_columns": duck_columns,
                "pyarrow_seconds": arrow_seconds,
                "pyarrow_columns": arrow_columns,
            }
        )
    )


if __name__ == "__main__":
    main()
