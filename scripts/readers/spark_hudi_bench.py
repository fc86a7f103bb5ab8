"""Apache Hudi's own writer as the peer of `npm run bench:table`: Spark 3.5 + the Hudi 0.15 bundle, local[2].

  spark_hudi_bench.py --table DIR --input DIR --operation bulk_insert|insert|upsert [--index BLOOM]
                      [--verify-against OUR_TABLE] [--driver-memory 1g]

--input holds the workload as JSON lines, one file per commit: load-NNNNN.jsonl, then upsert-NNNNN.jsonl (written
by scripts/bench-table.ts from the same record function the writer child uses). Every file is read, given the
table's types (timestamps from epoch ms, non-null where the Avro schema is non-null), spread over 2 partitions and
cached before any clock starts: the timed part is Hudi's write, from an in-memory DataFrame to a completed commit,
as the writer child's timed part starts from in-memory JS objects.
Warm-up (untimed, own table, deleted), as the writer child's: the first load file's commit, then an upsert of a
tenth of its keys. Then one commit per load
file with --operation, one upsert commit per upsert file, each timed. Write options: the table's keys
(orderId / version / orderStatus, SimpleKeyGenerator, COPY_ON_WRITE or, with --table-type, MERGE_ON_READ without inline compaction), Hudi 0.15's defaults (table version 6,
bulk_insert row writer, sort mode NONE), plus SPARK_WRITE_DEFAULTS (no metadata table, as our tables have none; no
embedded timeline server; direct markers) and --index for the upsert's lookup (default BLOOM, our writer's default;
Hudi 0.15's Spark default would be SIMPLE).
--verify-against: reads both tables' snapshots with Spark and prints fingerprints of their data columns, so the
caller can check that both writers ended with the same rows.
Prints one JSON object on stdout (see the keys at the end of main). Errors: message on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import sys
import time
from typing import Any, Dict, List

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "conformance", "readers"))
from reader_common import SPARK_WRITE_DEFAULTS, dumps, run_main, spark_session  # noqa: E402

# schemas/order-generator.avsc as Spark types: (name, type, nullable). Timestamps arrive as epoch ms.
FIELDS = [
    ("orderId", "string", False),
    ("orderStatus", "string", False),
    ("userPhoneNo", "string", False),
    ("prodId", "string", False),
    ("prodName", "string", False),
    ("chargeMoney", "double", False),
    ("chargeTime", "timestamp", False),
    ("finishTime", "timestamp", True),
    ("version", "long", False),
    ("_hoodie_is_deleted", "boolean", False),
]
DATA_COLUMNS = [name for name, _, _ in FIELDS]


def load_input(spark, path: str):
    """One commit's records, typed as the table and cached in 2 partitions (the count materializes the cache)."""
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructField, StructType

    json_types = {"timestamp": "long"}
    read_schema = StructType([StructField(n, _type(json_types.get(t, t)), True) for n, t, _ in FIELDS])
    raw = spark.read.schema(read_schema).json(path)
    typed = raw.select(*[F.expr(f"timestamp_millis(`{n}`)").alias(n) if t == "timestamp" else F.col(f"`{n}`") for n, t, _ in FIELDS])
    # Non-null where the Avro schema is: re-apply the strict schema on the JVM side (no rows through Python).
    strict = StructType([StructField(n, _type(t), nullable) for n, t, nullable in FIELDS])
    jstrict = spark._jvm.org.apache.spark.sql.types.DataType.fromJson(strict.json())
    jdf = spark._jsparkSession.createDataFrame(typed._jdf.rdd(), jstrict)
    df = DataFrame(jdf, spark).repartition(2).cache()
    n = df.count()
    return df, n


def _type(name: str):
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, TimestampType

    return {"string": StringType(), "double": DoubleType(), "timestamp": TimestampType(), "long": LongType(), "boolean": BooleanType()}[name]


def write_options(operation: str, index: str, table_type: str) -> Dict[str, str]:
    options = dict(SPARK_WRITE_DEFAULTS)
    options.update(
        {
            "hoodie.table.name": "orders",
            "hoodie.datasource.write.table.type": table_type,
            "hoodie.datasource.write.recordkey.field": "orderId",
            "hoodie.datasource.write.precombine.field": "version",
            "hoodie.datasource.write.partitionpath.field": "orderStatus",
            "hoodie.datasource.write.keygenerator.class": "org.apache.hudi.keygen.SimpleKeyGenerator",
            "hoodie.datasource.write.operation": operation,
            "hoodie.index.type": index,
        }
    )
    return options


def table_bytes(path: str) -> int:
    """Bytes of the table's files; Hadoop's client-side .crc checksum files are not part of the table."""
    total = 0
    for root, _dirs, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files if not f.endswith(".crc"))
    return total


def fingerprint(spark, path: str) -> Dict[str, Any]:
    """Order-independent fingerprint of a Hudi table's snapshot over the data columns."""
    from pyspark.sql import functions as F

    df = spark.read.format("hudi").option("hoodie.metadata.enable", "false").load(path)
    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.countDistinct("orderId").alias("keys"),
        F.sum("version").alias("versionSum"),
        F.count("finishTime").alias("finishTimes"),
        F.expr("bit_xor(xxhash64(" + ", ".join(f"`{c}`" for c in DATA_COLUMNS) + "))").alias("hash"),
        F.min("chargeTime").cast("long").alias("minChargeTimeSec"),
    ).collect()[0]
    # As strings: a 64-bit hash does not survive JSON numbers in JavaScript.
    return {k: (str(v) if v is not None else None) for k, v in row.asDict().items()}


def jvm_status(spark) -> Dict[str, int]:
    """The driver JVM's VmHWM (peak RSS) and VmRSS from /proc, and its total GC time so far."""
    jvm = spark._jvm
    pid = int(jvm.java.lang.ProcessHandle.current().pid())
    status = open(f"/proc/{pid}/status", encoding="utf-8").read()

    def kb(field: str) -> int:
        m = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
        if not m:
            raise RuntimeError(f"/proc/{pid}/status has no {field}")
        return int(m.group(1)) * 1024

    gc_ms = sum(int(b.getCollectionTime()) for b in jvm.java.lang.management.ManagementFactory.getGarbageCollectorMXBeans())
    return {"pid": pid, "peakRss": kb("VmHWM"), "rss": kb("VmRSS"), "gcMs": gc_ms}


def main(out) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--operation", required=True, choices=["bulk_insert", "insert", "upsert"])
    ap.add_argument("--index", default="BLOOM")
    ap.add_argument("--table-type", default="COPY_ON_WRITE", choices=["COPY_ON_WRITE", "MERGE_ON_READ"])
    ap.add_argument("--verify-against")
    ap.add_argument("--driver-memory", default="1g")
    args = ap.parse_args()
    table = os.path.abspath(args.table)
    loads = sorted(glob.glob(os.path.join(args.input, "load-*.jsonl")))
    upserts = sorted(glob.glob(os.path.join(args.input, "upsert-*.jsonl")))
    if not loads:
        raise FileNotFoundError(f"no load-*.jsonl in {args.input}")

    started = time.perf_counter()
    spark = spark_session("tributary-bench-spark-hudi", driver_memory=args.driver_memory)
    session_ms = (time.perf_counter() - started) * 1000
    t = time.perf_counter()
    load_dfs = [load_input(spark, p) for p in loads]
    upsert_dfs = [load_input(spark, p) for p in upserts]
    input_ms = (time.perf_counter() - t) * 1000

    # Warm-up: class loading, JIT, Hudi's first-write paths, on a table of its own.
    warm = table + "-warmup"
    t = time.perf_counter()
    first, first_rows = load_dfs[0]
    first.write.format("hudi").options(**write_options(args.operation, args.index, args.table_type)).mode("append").save(warm)
    if upsert_dfs:
        # The first upsert file's records start with the first load file's keys (every 10th).
        upsert_dfs[0][0].limit(max(1, first_rows // 10)).write.format("hudi").options(**write_options("upsert", args.index, args.table_type)).mode("append").save(warm)
    warmup_ms = (time.perf_counter() - t) * 1000
    shutil.rmtree(warm, ignore_errors=True)
    before = jvm_status(spark)

    def commits(dfs, operation: str) -> List[float]:
        times = []
        for df, _n in dfs:
            t0 = time.perf_counter()
            df.write.format("hudi").options(**write_options(operation, args.index, args.table_type)).mode("append").save(table)
            times.append((time.perf_counter() - t0) * 1000)
        return times

    load_ms = commits(load_dfs, args.operation)
    load_bytes = table_bytes(table)
    upsert_ms = commits(upsert_dfs, "upsert")
    after = jvm_status(spark)
    result: Dict[str, Any] = {
        "sparkVersion": spark.version,
        "sessionStartMs": session_ms,
        "inputCacheMs": input_ms,
        "warmupMs": warmup_ms,
        "loadRows": sum(n for _df, n in load_dfs),
        "upsertRows": sum(n for _df, n in upsert_dfs),
        "loadCommitMs": load_ms,
        "upsertCommitMs": upsert_ms,
        "loadBytes": load_bytes,
        "totalBytes": table_bytes(table),
        "jvm": {"pid": after["pid"], "peakRss": after["peakRss"], "rssAfterWarmup": before["rss"], "gcMsTimed": after["gcMs"] - before["gcMs"]},
        "options": write_options(args.operation, args.index, args.table_type),
    }
    for df, _n in load_dfs + upsert_dfs:
        df.unpersist()
    if args.verify_against:
        result["fingerprint"] = {"spark": fingerprint(spark, table), "ours": fingerprint(spark, os.path.abspath(args.verify_against))}
    out.write(dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    run_main(main)
