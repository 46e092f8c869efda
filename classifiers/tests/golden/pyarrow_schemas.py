"""Writes the schema pyarrow reads from each parquet-testing file, mapped to Hive types with
the same rules as lakecat (classifiers/src/formats/arrow_types.rs), as JSON on stdout.

The Parquet classifier's golden test compares against this output; scripts/test regenerates
it with pyarrow and fails when it differs from the committed file.

    python pyarrow_schemas.py ../shared/corpora/parquet-testing > parquet-testing.json
"""

import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.types as t


def hive(dt):
    if t.is_boolean(dt):
        return "boolean"
    if t.is_int8(dt):
        return "tinyint"
    if t.is_int16(dt) or t.is_uint8(dt):
        return "smallint"
    if t.is_int32(dt) or t.is_uint16(dt):
        return "int"
    if t.is_int64(dt) or t.is_uint32(dt):
        return "bigint"
    if t.is_uint64(dt):
        return "decimal(20,0)"
    if t.is_float16(dt) or t.is_float32(dt):
        return "float"
    if t.is_float64(dt):
        return "double"
    if t.is_decimal(dt):
        return "string" if dt.precision > 38 else f"decimal({dt.precision},{dt.scale})"
    if t.is_string(dt) or t.is_large_string(dt) or t.is_string_view(dt):
        return "string"
    if t.is_binary(dt) or t.is_large_binary(dt) or t.is_binary_view(dt) or t.is_fixed_size_binary(dt):
        return "binary"
    if t.is_date(dt):
        return "date"
    if t.is_timestamp(dt):
        return "timestamp"
    if t.is_time(dt) or t.is_interval(dt) or t.is_null(dt):
        return "string"
    if t.is_duration(dt):
        return "bigint"
    if t.is_list(dt) or t.is_large_list(dt) or t.is_fixed_size_list(dt) or t.is_list_view(dt):
        return f"array<{hive(dt.value_type)}>"
    if t.is_map(dt):
        return f"map<{hive(dt.key_type)},{hive(dt.item_type)}>"
    if t.is_struct(dt):
        return "struct<" + ",".join(field(dt.field(i)) for i in range(dt.num_fields)) + ">"
    if t.is_dictionary(dt):
        return hive(dt.value_type)
    if pa.types.is_run_end_encoded(dt):
        return hive(dt.value_type)
    return "string"


def quoted(name):
    if name and all(c.isalnum() or c == "_" for c in name):
        return name
    return "`" + name.replace("`", "``") + "`"


def field(f):
    return f"{quoted(f.name)}:{hive(f.type)}"


def main(corpus):
    out = {}
    data = os.path.join(corpus, "data")
    for name in sorted(os.listdir(data)):
        if not name.endswith(".parquet"):
            continue
        try:
            schema = pq.read_schema(os.path.join(data, name))
            out[name] = {"columns": [[f.name, hive(f.type)] for f in schema]}
        except Exception as error:  # noqa: BLE001 - the reason is the point
            out[name] = {"error": type(error).__name__}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
