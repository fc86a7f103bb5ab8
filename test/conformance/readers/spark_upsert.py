"""Writes rows into an existing Hudi table with Spark 3.5 + the Hudi bundle, as the table itself says.

  spark_upsert.py --table P --rows rows.json --op upsert|insert|delete [--index BLOOM|SIMPLE|...]
                  [--read-back] [--option k=v ...] [--create-schema S.avsc]

Proves a table someone else wrote is a real Hudi table: Spark resolves the table schema from the
timeline (TableSchemaResolver), takes the record key, precombine and partition fields, key generator,
hive-style/url-encode flags and payload class from .hoodie/hoodie.properties, and writes with the BLOOM
index by default (per-file key ranges and bloom filters from the base files' footers). NOTE: Hudi 0.15's
own default for Spark is SIMPLE (it reads every _hoodie_record_key of the latest base files and ignores
footers); BLOOM is set explicitly here because it is the index that tests a writer's footers.
rows.json: a JSON list of objects, or JSON lines. Timestamp columns take epoch ms (or ISO strings).
For --op delete the rows need only the key, partition (and precombine) fields.
Prints one JSON object on stdout: {"instant", "operation", "commit": <the commit file's JSON>} and, with
--read-back, "rows": the snapshot Spark reads after the write (same conventions as spark_read.py).
With --create-schema and no table at P yet, Spark creates the table: the rows' schema is the Avro schema
S.avsc, and the table name, key, precombine and partition fields come from --option (hoodie.table.name,
hoodie.datasource.write.recordkey.field, ...).
Spark write options used: no metadata table, no embedded timeline server, direct markers; --option
adds or overrides any hoodie.* key. Errors: message on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from typing import Any, Dict, List

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reader_common import SPARK_WRITE_DEFAULTS, dumps, read_properties, run_main, spark_rows, spark_session  # noqa: E402

# hoodie.properties key -> Spark datasource write key
TABLE_TO_WRITE_KEYS = {
    "hoodie.table.name": "hoodie.table.name",
    "hoodie.table.type": "hoodie.datasource.write.table.type",
    "hoodie.table.recordkey.fields": "hoodie.datasource.write.recordkey.field",
    "hoodie.table.precombine.field": "hoodie.datasource.write.precombine.field",
    "hoodie.table.partition.fields": "hoodie.datasource.write.partitionpath.field",
    "hoodie.table.keygenerator.class": "hoodie.datasource.write.keygenerator.class",
    "hoodie.datasource.write.hive_style_partitioning": "hoodie.datasource.write.hive_style_partitioning",
    "hoodie.datasource.write.partitionpath.urlencode": "hoodie.datasource.write.partitionpath.urlencode",
    "hoodie.compaction.payload.class": "hoodie.datasource.write.payload.class",
    "hoodie.table.timeline.timezone": "hoodie.table.timeline.timezone",
}


def load_rows(path: str) -> List[Dict[str, Any]]:
    text = open(path, encoding="utf-8").read().strip()
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if not rows or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"{path}: expected a non-empty JSON list of objects (or JSON lines)")
    return rows


def table_struct(spark, path: str):
    """The table schema as Spark's Hudi resolves it (latest commit's schema), without meta fields."""
    from pyspark.sql.types import StructType

    jvm = spark._jvm
    conf = jvm.org.apache.hudi.storage.hadoop.HadoopStorageConfiguration(spark._jsc.hadoopConfiguration())
    meta = jvm.org.apache.hudi.common.table.HoodieTableMetaClient.builder().setConf(conf).setBasePath(path).build()
    avro = jvm.org.apache.hudi.common.table.TableSchemaResolver(meta).getTableAvroSchema(False)
    struct = jvm.org.apache.hudi.AvroConversionUtils.convertAvroSchemaToStructType(avro)
    return StructType.fromJson(json.loads(struct.json())), avro.toString()


def avro_struct(spark, avsc: str):
    """The Spark schema of an Avro schema file, converted as Hudi converts it."""
    from pyspark.sql.types import StructType

    jvm = spark._jvm
    with open(avsc, encoding="utf-8") as f:
        avro = jvm.org.apache.avro.Schema.Parser().parse(f.read())
    struct = jvm.org.apache.hudi.AvroConversionUtils.convertAvroSchemaToStructType(avro)
    return StructType.fromJson(json.loads(struct.json()))


def to_spark_value(v: Any, data_type) -> Any:
    """JSON value -> the Python value Spark's type verification accepts (JSON has no int/float split)."""
    import decimal

    from pyspark.sql.types import DateType, DecimalType, DoubleType, FloatType, TimestampType

    if v is None:
        return None
    if isinstance(data_type, (DoubleType, FloatType)) and isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(data_type, DecimalType):
        return decimal.Decimal(str(v))
    if isinstance(data_type, TimestampType):
        if isinstance(v, (int, float)):
            return dt.datetime.fromtimestamp(v / 1000, tz=dt.timezone.utc)
        return dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    if isinstance(data_type, DateType) and isinstance(v, str):
        return dt.date.fromisoformat(v)
    return v


def latest_completed(path: str) -> str | None:
    names = [n for n in os.listdir(os.path.join(path, ".hoodie")) if n.endswith((".commit", ".deltacommit", ".replacecommit"))]
    return max(names) if names else None


def main(out) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", required=True)
    ap.add_argument("--rows", required=True)
    ap.add_argument("--op", required=True, choices=["upsert", "insert", "delete"])
    ap.add_argument("--index", default="BLOOM", help="hoodie.index.type (default BLOOM; Hudi 0.15's own default is SIMPLE)")
    ap.add_argument("--read-back", action="store_true")
    ap.add_argument("--option", action="append", default=[], help="extra write option k=v (repeatable)")
    ap.add_argument("--create-schema", help="Avro schema (.avsc) of a table Spark creates if P holds none")
    args = ap.parse_args()
    path = os.path.abspath(args.table)
    props_path = os.path.join(path, ".hoodie", "hoodie.properties")
    creating = args.create_schema is not None and not os.path.exists(props_path)
    if not creating and not os.path.exists(props_path):
        raise FileNotFoundError(f"{props_path} not found: not a Hudi table")
    props = {} if creating else read_properties(props_path)
    rows = load_rows(args.rows)

    options: Dict[str, str] = dict(SPARK_WRITE_DEFAULTS)
    for tkey, wkey in TABLE_TO_WRITE_KEYS.items():
        if props.get(tkey):
            options[wkey] = props[tkey]
    if "hoodie.datasource.write.partitionpath.field" not in options:
        options["hoodie.datasource.write.partitionpath.field"] = ""
    options["hoodie.datasource.write.operation"] = args.op
    options["hoodie.index.type"] = args.index
    for kv in args.option:
        k, sep, v = kv.partition("=")
        if not sep:
            raise ValueError(f"--option {kv!r}: expected key=value")
        options[k] = v

    spark = spark_session("tributary-spark-upsert")
    from pyspark.sql.types import StructType

    struct = avro_struct(spark, args.create_schema) if creating else table_struct(spark, path)[0]
    present = set().union(*(r.keys() for r in rows))
    unknown = sorted(present - {f.name for f in struct.fields})
    if unknown:
        raise ValueError(f"rows have fields the table schema lacks: {unknown}; table fields: {[f.name for f in struct.fields]}")
    fields = [f for f in struct.fields if f.name in present] if args.op == "delete" else list(struct.fields)
    schema = StructType(fields)
    data = [tuple(to_spark_value(r.get(f.name), f.dataType) for f in fields) for r in rows]
    before = None if creating else latest_completed(path)
    df = spark.createDataFrame(spark.sparkContext.parallelize(data, 2), schema)
    df.write.format("hudi").options(**options).mode("append").save(path)
    after = latest_completed(path)
    if after is None or after == before:
        raise RuntimeError(f"the write reported success but no new completed instant appeared (latest: {after})")
    with open(os.path.join(path, ".hoodie", after), encoding="utf-8") as f:
        commit = json.load(f)
    result: Dict[str, Any] = {"instant": after.split(".")[0], "operation": args.op, "options": options, "commit": commit}
    if args.read_back:
        result["rows"] = spark_rows(spark.read.format("hudi").option("hoodie.metadata.enable", "false").load(path))
    out.write(dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    run_main(main)
