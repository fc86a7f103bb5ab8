"""Shared by the reader scripts: JSON output conventions, the Spark session, error reporting.

Output convention (the same for every reader, so rows compare as plain JSON):
  - timestamps (any unit, any zone) -> epoch milliseconds as an integer (UTC);
  - dates -> "YYYY-MM-DD"; decimals -> string; bytes -> base64 string; floats stay JSON numbers;
  - rows are sorted by (_hoodie_partition_path, _hoodie_record_key, _hoodie_commit_time) when present.
Only the JSON results go to stdout: the real stdout is kept for them and fd 1 is pointed at stderr, so a
library (or the JVM Spark starts) that prints cannot corrupt the output.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import json
import os
import shutil
import sys
import tempfile
import traceback
from typing import Any, Callable, Dict, Iterable, List, Optional

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_SCRATCH: List[str] = []  # Spark scratch directories, removed by cleanup()


def cleanup() -> None:
    """Stops a running Spark session and removes its scratch directories (call before os._exit)."""
    try:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()
    except Exception:  # noqa: BLE001 - best effort on the way out
        pass
    for d in _SCRATCH:
        shutil.rmtree(d, ignore_errors=True)


def claim_stdout():
    """Returns a text stream on the original stdout and redirects fd 1 (and sys.stdout) to stderr."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def json_value(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=_dt.timezone.utc)
        delta = v - _EPOCH
        return (delta.days * 86_400_000) + (delta.seconds * 1000) + (delta.microseconds // 1000)
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(v)).decode("ascii")
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    return str(v)


def sort_rows(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    def key(r):
        return tuple(str(r.get(k, "")) for k in ("_hoodie_partition_path", "_hoodie_record_key", "_hoodie_commit_time"))

    return sorted(rows, key=key)


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=False, allow_nan=True)


def run_main(main: Callable[[Any], int]) -> None:
    """Runs main(out) and turns any exception into a one-line message on stderr and exit code 1."""
    out = claim_stdout()
    try:
        code = main(out)
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - report whatever the engine threw
        traceback.print_exc(file=sys.stderr)
        print(f"error: {type(e).__name__}: {short_error(e)}", file=sys.stderr)
        code = 1
    out.flush()
    cleanup()
    sys.stderr.flush()
    # os._exit: do not wait for the JVM's shutdown hooks to print over stderr after the result.
    os._exit(code)


def short_error(e: BaseException) -> str:
    text = str(e).strip()
    # py4j errors carry the whole Java stack trace: keep the first line of the Java exception.
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("An error occurred while calling", "at ", ": ")):
            return line[:2000]
        if line.startswith(": "):
            return line[2:][:2000]
    return text[:2000]


def parse_queries(arg: Optional[str]) -> Optional[List[Dict[str, Any]]]:
    """--queries takes a JSON list inline, or @FILE with one."""
    if arg is None:
        return None
    text = open(arg[1:], encoding="utf-8").read() if arg.startswith("@") else arg
    queries = json.loads(text)
    if not isinstance(queries, list):
        raise ValueError("--queries must be a JSON list of query objects")
    for q in queries:
        if not isinstance(q, dict) or q.get("type", "snapshot") not in ("snapshot", "incremental", "timeline"):
            raise ValueError(f"bad query {q!r}: expected {{type: snapshot|incremental|timeline, ...}}")
    return queries


# ---------------------------------------------------------------------------------------------------
# Spark


def bundle_jar() -> str:
    jar = os.environ.get("HUDI_BUNDLE_JAR")
    if not jar:
        cache = os.environ.get("TRIBUTARY_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "tributary")
        pointer = os.path.join(cache, "readers", "bundle-jar")
        if os.path.exists(pointer):
            jar = open(pointer, encoding="utf-8").read().strip()
    if not jar or not os.path.exists(jar):
        raise RuntimeError("Hudi Spark bundle jar not found: run scripts/readers/setup.sh (or set HUDI_BUNDLE_JAR)")
    return jar


def spark_session(app: str):
    """A local[2] session with the Hudi bundle, bound to loopback, no UI, 1g driver."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("SPARK_LOCAL_HOSTNAME", "localhost")
    from pyspark.sql import SparkSession

    scratch = tempfile.mkdtemp(prefix="tributary-spark-")
    _SCRATCH.append(scratch)
    log4j = os.path.join(os.path.dirname(os.path.abspath(__file__)), "log4j2.properties")
    java_opts = f"-Dlog4j2.configurationFile=file:{log4j} -Djava.io.tmpdir={scratch}"
    spark = (
        SparkSession.builder.master("local[2]")
        .appName(app)
        .config("spark.jars", bundle_jar())
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "org.apache.spark.HoodieSparkKryoRegistrar")
        .config("spark.sql.extensions", "org.apache.spark.sql.hudi.HoodieSparkSessionExtension")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", java_opts)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.local.dir", scratch)
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# Hudi write options every Spark write here uses: no metadata table, no embedded timeline server (it
# would open a port), direct markers (files under .hoodie/.temp/<instant>/, which a rollback reads).
SPARK_WRITE_DEFAULTS = {
    "hoodie.metadata.enable": "false",
    "hoodie.embed.timeline.server": "false",
    "hoodie.write.markers.type": "DIRECT",
    "hoodie.datasource.write.hive_style_partitioning": "false",
}


def spark_rows(df) -> List[Dict[str, Any]]:
    """Collects a DataFrame as JSON-ready dicts; top-level timestamps are converted in Spark to epoch ms."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampNTZType, TimestampType

    cols = []
    for f in df.schema.fields:
        if isinstance(f.dataType, TimestampType):
            cols.append(F.unix_millis(F.col(f"`{f.name}`")).alias(f.name))
        elif isinstance(f.dataType, TimestampNTZType):
            cols.append(F.unix_millis(F.to_utc_timestamp(F.col(f"`{f.name}`").cast("timestamp"), "UTC")).alias(f.name))
        else:
            cols.append(F.col(f"`{f.name}`"))
    return sort_rows([json_value(r.asDict(recursive=True)) for r in df.select(*cols).collect()])


def read_properties(path: str) -> Dict[str, str]:
    """A minimal java.util.Properties reader (hoodie.properties has no continuation lines)."""
    props: Dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(("#", "!")):
                continue
            sep = min([i for i in (line.find("="), line.find(":")) if i >= 0], default=-1)
            if sep < 0:
                props[line] = ""
                continue
            key, value = line[:sep].strip(), line[sep + 1 :].strip()
            props[key.replace("\\:", ":")] = value.replace("\\:", ":").replace("\\=", "=")
    return props


def write_lines(out, rows: Iterable[Any]) -> None:
    for r in rows:
        out.write(dumps(r) + "\n")
