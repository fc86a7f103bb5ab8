"""Reads a Hudi table with hudi-rs (PyPI `hudi`) and prints JSON lines on stdout.

  hudi_rs_read.py --table P                          snapshot: one JSON object per row
  hudi_rs_read.py --table P --as-of I                time travel to instant I (inclusive)
  hudi_rs_read.py --table P --incremental-from I [--incremental-to J]
                                                     rows written by commits in (I, J] (J: latest)
  hudi_rs_read.py --table P --timeline               completed commits: one object per instant
                                                     {timestamp, action, state, epochMillis, metadata}
  hudi_rs_read.py --table P --queries JSON|@FILE     several reads in one run; one line per query:
                                                     {"query": q, "rows": [...]} (or "instants")
  hudi_rs_read.py --table P --file-slices [--as-of I] the file slices a snapshot would read
P may be s3://bucket/prefix; then HUDI_STORAGE_OPTIONS holds hudi-rs storage options as a JSON object.
A query object: {"type": "snapshot", "asOf"?: I} | {"type": "incremental", "from": I, "to"?: J} |
{"type": "timeline"}. Rows include the _hoodie_* meta columns; values follow reader_common's
conventions (timestamps as epoch ms); columns of the table schema (latest commit) that a base file
lacks are filled with null. Errors: message on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reader_common import TIMESTAMP_MICROS, dumps, json_value, parse_queries, run_main, sort_rows, write_lines  # noqa: E402


def _table(path: str):
    from hudi import HudiTableBuilder

    if path.startswith("s3://"):
        # Object storage: hudi-rs's object_store options (aws_endpoint_url, aws_access_key_id, ...) come as a
        # JSON object in HUDI_STORAGE_OPTIONS, so no secret appears on a command line.
        options = json.loads(os.environ.get("HUDI_STORAGE_OPTIONS", "{}"))
        return HudiTableBuilder.from_base_uri(path).with_storage_options(options).build()
    return HudiTableBuilder.from_base_uri(os.path.abspath(path)).build()


def _options(q: Dict[str, Any]):
    from hudi import HudiQueryType, HudiReadOptions

    opts = HudiReadOptions()
    if q.get("type", "snapshot") == "incremental":
        if not q.get("from"):
            raise ValueError("an incremental query needs 'from' (exclusive start instant)")
        opts = opts.with_query_type(HudiQueryType.Incremental).with_start_timestamp(str(q["from"]))
        if q.get("to"):
            opts = opts.with_end_timestamp(str(q["to"]))
    elif q.get("asOf"):
        opts = opts.with_as_of_timestamp(str(q["asOf"]))
    return opts


def _arrow_rows(batches) -> List[Dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.compute as pc

    rows: List[Dict[str, Any]] = []
    for batch in batches:
        cols = {}
        for name, col in zip(batch.schema.names, batch.columns):
            if pa.types.is_timestamp(col.type):
                # Raw integers in the column's unit, scaled to ms: no zone handling to get wrong.
                raw = col.cast(pa.int64())
                scale = {"s": 1000, "ms": 1, "us": 1 / 1000, "ns": 1 / 1_000_000}[col.type.unit]
                if TIMESTAMP_MICROS:
                    scale *= 1000
                if scale >= 1:
                    cols[name] = pc.multiply(raw, int(scale)).to_pylist()
                else:
                    cols[name] = pc.floor(pc.divide(raw.cast(pa.float64()), int(1 / scale))).cast(pa.int64()).to_pylist()
            elif pa.types.is_time(col.type):
                # Times of day as the raw integer in the column's unit (ms for time32, µs for time64), as Spark reads them.
                cols[name] = col.cast(pa.int32() if pa.types.is_time32(col.type) else pa.int64()).to_pylist()
            else:
                cols[name] = [json_value(v) for v in col.to_pylist()]
        for i in range(batch.num_rows):
            rows.append({name: cols[name][i] for name in batch.schema.names})
    return sort_rows(rows)


def read_rows(table, q: Dict[str, Any]) -> List[Dict[str, Any]]:
    rows = _arrow_rows(table.read(_options(q)))
    # hudi-rs returns each base file's own columns (no evolution to the table schema): a file written
    # before a column was added lacks it. Fill such columns with null, as Spark reads them.
    columns = table.get_schema_with_meta_fields().names
    for r in rows:
        for c in columns:
            r.setdefault(c, None)
    return rows


def timeline(table) -> List[Dict[str, Any]]:
    tl = table.get_timeline()
    instants = list(tl.get_completed_commits()) + list(tl.get_completed_deltacommits()) + list(tl.get_completed_replacecommits())
    out = []
    for inst in sorted(instants, key=lambda i: i.timestamp):
        meta = tl.get_instant_metadata_in_json(inst)
        out.append(
            {
                "timestamp": inst.timestamp,
                "action": inst.action,
                "state": inst.state,
                "epochMillis": inst.epoch_mills,
                "metadata": json.loads(meta) if meta else None,
            }
        )
    return out


def file_slices(table, q: Dict[str, Any]) -> List[Dict[str, Any]]:
    return sorted(
        (
            {
                "partitionPath": s.partition_path,
                "fileId": s.file_id,
                "creationInstantTime": s.creation_instant_time,
                "baseFileName": s.base_file_name,
                "baseFileSize": s.base_file_size,
                "numRecords": s.num_records,
                "logFileNames": list(s.log_file_names),
            }
            for s in table.get_file_slices(_options(q))
        ),
        key=lambda s: (s["partitionPath"], s["fileId"]),
    )


def main(out) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", required=True)
    ap.add_argument("--as-of")
    ap.add_argument("--incremental-from")
    ap.add_argument("--incremental-to")
    ap.add_argument("--timeline", action="store_true")
    ap.add_argument("--file-slices", action="store_true")
    ap.add_argument("--queries")
    args = ap.parse_args()
    if not args.table.startswith("s3://") and not os.path.isdir(os.path.join(args.table, ".hoodie")):
        raise FileNotFoundError(f"{args.table} is not a Hudi table (no .hoodie directory)")
    table = _table(args.table)

    queries = parse_queries(args.queries)
    if queries is not None:
        failed = 0
        for q in queries:
            try:
                if q.get("type") == "timeline":
                    out.write(dumps({"query": q, "instants": timeline(table)}) + "\n")
                else:
                    out.write(dumps({"query": q, "rows": read_rows(table, q)}) + "\n")
            except Exception as e:  # noqa: BLE001 - reported per query
                failed += 1
                out.write(dumps({"query": q, "error": f"{type(e).__name__}: {e}"}) + "\n")
                print(f"error: query {json.dumps(q)}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1 if failed else 0

    if args.incremental_to and not args.incremental_from:
        raise ValueError("--incremental-to needs --incremental-from")
    if args.as_of and args.incremental_from:
        raise ValueError("--as-of and --incremental-from exclude each other")
    q: Dict[str, Any] = {"type": "snapshot", "asOf": args.as_of}
    if args.incremental_from:
        q = {"type": "incremental", "from": args.incremental_from, "to": args.incremental_to}
    if args.timeline:
        write_lines(out, timeline(table))
    elif args.file_slices:
        write_lines(out, file_slices(table, q))
    else:
        write_lines(out, read_rows(table, q))
    return 0


if __name__ == "__main__":
    run_main(main)
