"""Writes the ORC fixtures (Apache ORC's C++ writer, through pyarrow) and the
Avro fixtures made by another implementation (fastavro) for the connector
tests. The Go-written fixtures come from gen/main.go.

    python3 -m venv /tmp/fixvenv
    /tmp/fixvenv/bin/pip install fastavro==1.13.1 pyarrow==26.0.1
    /tmp/fixvenv/bin/python internal/connector/testdata/make_fixtures.py
"""
import datetime as dt
import decimal
import os
import uuid

import fastavro
import pyarrow as pa
import pyarrow.orc as orc

HERE = os.path.dirname(os.path.abspath(__file__))


def orc_fixtures():
    d = os.path.join(HERE, "orc")
    os.makedirs(d, exist_ok=True)
    t = pa.table({
        "b": pa.array([True, False, None, True], pa.bool_()),
        "i8": pa.array([1, -2, None, 127], pa.int8()),
        "i16": pa.array([300, -300, None, 32767], pa.int16()),
        "i32": pa.array([70000, -70000, None, 2147483647], pa.int32()),
        "i64": pa.array([1 << 40, -(1 << 40), None, 9223372036854775807], pa.int64()),
        "f32": pa.array([1.5, -2.25, None, 0.0], pa.float32()),
        "f64": pa.array([3.14159, -1e100, None, 0.5], pa.float64()),
        "s": pa.array(["ann", "bob ✓", None, ""], pa.string()),
        "bin": pa.array([b"\x00\x01", b"", None, b"xyz"], pa.binary()),
        "d": pa.array([dt.date(1990, 1, 2), dt.date(1969, 12, 31), None, dt.date(2024, 2, 29)], pa.date32()),
        "ts": pa.array([dt.datetime(2024, 3, 1, 10, 0, 0, 123456), dt.datetime(1960, 1, 1, 0, 0, 0, 500000), None,
                        dt.datetime(2015, 1, 1, 0, 0, 0, 1)], pa.timestamp("us")),
        "dec": pa.array([decimal.Decimal("12.34"), decimal.Decimal("-0.50"), None,
                         decimal.Decimal("99999999.99")], pa.decimal128(10, 2)),
        "lst": pa.array([[1, 2], [], None, [3]], pa.list_(pa.int32())),
        "st": pa.array([{"city": "NY", "zip": 10001}, {"city": "LA", "zip": None}, None,
                        {"city": "SF", "zip": 94016}],
                       pa.struct([("city", pa.string()), ("zip", pa.int32())])),
        "m": pa.array([[("x", 1)], [], None, [("y", 2), ("z", 3)]], pa.map_(pa.string(), pa.int32())),
    })
    for codec in ["uncompressed", "zlib", "snappy", "zstd", "lz4"]:
        orc.write_table(t, os.path.join(d, f"types_{codec}.orc"), compression=codec)
    # Many rows: repeated and sequential values exercise every RLE v2 form
    # (short repeat, direct, patched base, delta) and dictionary strings.
    n = 20000
    big = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "grp": pa.array([i % 7 for i in range(n)], pa.int32()),
        "rep": pa.array([5] * n, pa.int64()),
        "jump": pa.array([(i * 7919) % 1000 if i % 500 else 1 << 50 for i in range(n)], pa.int64()),
        "name": pa.array([f"user-{i % 100}" for i in range(n)], pa.string()),
        "uniq": pa.array([f"u{i}" for i in range(n)], pa.string()),
        "x": pa.array([i / 3 if i % 11 else None for i in range(n)], pa.float64()),
        "flag": pa.array([i % 3 == 0 for i in range(n)], pa.bool_()),
    })
    orc.write_table(big, os.path.join(d, "many.orc"), compression="zlib", stripe_size=8 * 1024, batch_size=1000,
                    row_index_stride=1000)


def avro_fixtures():
    d = os.path.join(HERE, "avro")
    schema = fastavro.parse_schema({
        "type": "record", "name": "Event", "fields": [
            {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
            {"name": "at", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
            {"name": "t", "type": {"type": "int", "logicalType": "time-millis"}},
            {"name": "amount", "type": {"type": "fixed", "name": "Amount", "size": 8,
                                        "logicalType": "decimal", "precision": 12, "scale": 3}},
            {"name": "f", "type": "float"},
            {"name": "raw", "type": {"type": "fixed", "name": "Raw", "size": 2}},
        ]})
    rows = [
        {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "at": dt.datetime(2024, 3, 1, 10, 0, 0, 500000),
         "t": dt.time(13, 45, 30, 250000), "amount": decimal.Decimal("1234.567"), "f": 1.5, "raw": b"\x01\x02"},
        {"id": uuid.UUID("00000000-0000-0000-0000-000000000001"), "at": dt.datetime(1970, 1, 1),
         "t": dt.time(0, 0), "amount": decimal.Decimal("-0.001"), "f": -0.25, "raw": b"ab"},
    ]
    for codec in ["bzip2", "deflate"]:
        with open(os.path.join(d, f"events_fastavro_{codec}.avro"), "wb") as f:
            fastavro.writer(f, schema, rows, codec=codec)
    union = fastavro.parse_schema({"type": "record", "name": "U", "fields": [
        {"name": "v", "type": ["null", "int", "string"]}]})
    with open(os.path.join(d, "union.avro"), "wb") as f:
        fastavro.writer(f, union, [{"v": 1}, {"v": "x"}, {"v": None}])


def text_fixtures():
    """Text and csv files compressed by Python's own codecs."""
    import bz2
    import gzip
    import zlib
    d = os.path.join(HERE, "text")
    os.makedirs(d, exist_ok=True)
    body = "first line\nsecond, with comma\r\nthird\rfourth ✓\n\nsixth (after an empty line)"
    with open(os.path.join(d, "lines.txt"), "w", newline="") as f:
        f.write(body)
    with open(os.path.join(d, "lines.txt.gz"), "wb") as f:
        f.write(gzip.compress(body.encode()))
    with open(os.path.join(d, "lines.txt.bz2"), "wb") as f:
        f.write(bz2.compress(body.encode()))
    with open(os.path.join(d, "lines.txt.deflate"), "wb") as f:
        f.write(zlib.compress(body.encode()))
    with open(os.path.join(d, "records.txt"), "w", newline="") as f:
        f.write("a|b||c|")
    csv = "id,name\n1,ann\n2,bob\n"
    with open(os.path.join(HERE, "csv", "people_small.csv.bz2"), "wb") as f:
        f.write(bz2.compress(csv.encode()))
    with open(os.path.join(HERE, "csv", "people_small.csv.deflate"), "wb") as f:
        f.write(zlib.compress(csv.encode()))


if __name__ == "__main__":
    text_fixtures()
    orc_fixtures()
    avro_fixtures()
