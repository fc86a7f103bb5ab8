"""Reads a Hudi table with Spark 3.5 + the Hudi bundle and prints JSON lines on stdout.

  spark_read.py --table P                               snapshot: one JSON object per row
  spark_read.py --table P --as-of I                     time travel (as.of.instant), inclusive
  spark_read.py --table P --incremental-from I [--incremental-to J]
                                                        incremental query: commits in (I, J]
  spark_read.py --table P --queries JSON|@FILE          several reads, one JVM start; one line per
                                                        query: {"query": q, "rows": [...]} or
                                                        {"query": q, "error": "..."}
P may be s3://bucket/prefix (or s3a://), read through Hadoop's s3a; then HUDI_STORAGE_OPTIONS holds the store as
a JSON object of hudi-rs storage options (aws_endpoint_url, aws_access_key_id, ...; see reader_common.s3a_settings).
A query object: {"type": "snapshot", "asOf"?: I} | {"type": "incremental", "from": I, "to"?: J} |
{"type": "read_optimized"} (merge-on-read: base files only, no log files merged) |
{"type": "timeline"} (the instants Hudi's own HoodieTableMetaClient loads, one row each: {"timeline": "active" or
"archived", "timestamp", "action", "state"}; the archived ones read from .hoodie/archived/ by HoodieArchivedTimeline).
Rows: every column Spark returns, including the _hoodie_* meta columns; timestamps as epoch ms.
Errors: message on stderr, exit 1 (with --queries: after all queries ran).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reader_common import dumps, parse_queries, run_main, s3a_settings, short_error, spark_rows, spark_session, write_lines  # noqa: E402


def timeline(spark, path: str) -> List[Dict[str, Any]]:
    jvm = spark._jvm
    meta = jvm.org.apache.hudi.common.table.HoodieTableMetaClient.builder().setConf(
        jvm.org.apache.hudi.storage.hadoop.HadoopStorageConfiguration(spark._jsc.hadoopConfiguration())
    ).setBasePath(path).build()
    rows: List[Dict[str, Any]] = []
    for name, t in (("active", meta.getActiveTimeline()), ("archived", meta.getArchivedTimeline())):
        for i in t.getInstants():
            rows.append({"timeline": name, "timestamp": str(i.getTimestamp()), "action": str(i.getAction()), "state": str(i.getState().name())})
    return rows


def read(spark, path: str, q: Dict[str, Any]) -> List[Dict[str, Any]]:
    if q.get("type") == "timeline":
        return timeline(spark, path)
    reader = spark.read.format("hudi").option("hoodie.metadata.enable", "false")
    if q.get("type", "snapshot") == "incremental":
        if not q.get("from"):
            raise ValueError("an incremental query needs 'from' (exclusive start instant)")
        reader = reader.option("hoodie.datasource.query.type", "incremental").option(
            "hoodie.datasource.read.begin.instanttime", str(q["from"])
        )
        if q.get("to"):
            reader = reader.option("hoodie.datasource.read.end.instanttime", str(q["to"]))
    elif q.get("type") == "read_optimized":
        reader = reader.option("hoodie.datasource.query.type", "read_optimized")
    elif q.get("asOf"):
        reader = reader.option("as.of.instant", str(q["asOf"]))
    return spark_rows(reader.load(path))


def main(out) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", required=True)
    ap.add_argument("--as-of")
    ap.add_argument("--incremental-from")
    ap.add_argument("--incremental-to")
    ap.add_argument("--queries")
    args = ap.parse_args()
    s3a = None
    if args.table.startswith(("s3://", "s3a://")):
        # Hadoop has no filesystem for s3:// itself; s3a reads the same objects. The options come from the
        # environment, so no secret appears on a command line.
        path = "s3a://" + args.table.split("://", 1)[1]
        s3a = s3a_settings(json.loads(os.environ.get("HUDI_STORAGE_OPTIONS", "{}")))
    else:
        path = os.path.abspath(args.table)
        if not os.path.isdir(os.path.join(path, ".hoodie")):
            raise FileNotFoundError(f"{path} is not a Hudi table (no .hoodie directory)")
    queries = parse_queries(args.queries)
    if args.incremental_to and not args.incremental_from:
        raise ValueError("--incremental-to needs --incremental-from")

    spark = spark_session("tributary-spark-read", s3a)
    if queries is not None:
        failed = 0
        for q in queries:
            try:
                out.write(dumps({"query": q, "rows": read(spark, path, q)}) + "\n")
            except Exception as e:  # noqa: BLE001 - reported per query
                failed += 1
                msg = f"{type(e).__name__}: {short_error(e)}"
                out.write(dumps({"query": q, "error": msg}) + "\n")
                print(f"error: query {json.dumps(q)}: {msg}", file=sys.stderr)
            out.flush()
        return 1 if failed else 0

    q: Dict[str, Any] = {"type": "snapshot", "asOf": args.as_of}
    if args.incremental_from:
        q = {"type": "incremental", "from": args.incremental_from, "to": args.incremental_to}
    write_lines(out, read(spark, path, q))
    return 0


if __name__ == "__main__":
    run_main(main)
