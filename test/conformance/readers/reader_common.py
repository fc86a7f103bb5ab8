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
import time
import traceback
from typing import Any, Callable, Dict, Iterable, List, Optional

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

# Every convention here is UTC: naive datetimes (pyspark's collect gives them in the process's zone, nested ones
# included) must mean UTC, and so must the JVM a Spark session starts.
os.environ["TZ"] = "UTC"
if hasattr(time, "tzset"):
    time.tzset()

# Timestamps as epoch milliseconds (the default) or, with TRIBUTARY_READER_TIMESTAMPS=micros, epoch microseconds
# (for tables whose timestamps carry microseconds that must compare exactly).
TIMESTAMP_MICROS = os.environ.get("TRIBUTARY_READER_TIMESTAMPS", "ms") == "micros"
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
        if TIMESTAMP_MICROS:
            return (delta.days * 86_400_000_000) + (delta.seconds * 1_000_000) + delta.microseconds
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
        if not isinstance(q, dict) or q.get("type", "snapshot") not in ("snapshot", "incremental", "timeline", "read_optimized"):
            raise ValueError(f"bad query {q!r}: expected {{type: snapshot|incremental|timeline|read_optimized, ...}}")
    return queries


# ---------------------------------------------------------------------------------------------------
# Spark


def _from_setup(env_var: str, pointer_name: str) -> str:
    """A path list that scripts/readers/setup.sh recorded in the cache (or the environment variable overriding it)."""
    value = os.environ.get(env_var)
    if not value:
        cache = os.environ.get("TRIBUTARY_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "tributary")
        pointer = os.path.join(cache, "readers", pointer_name)
        if os.path.exists(pointer):
            value = open(pointer, encoding="utf-8").read().strip()
    return value or ""


def bundle_jar() -> str:
    jar = _from_setup("HUDI_BUNDLE_JAR", "bundle-jar")
    if not jar or not os.path.exists(jar):
        raise RuntimeError("Hudi Spark bundle jar not found: run scripts/readers/setup.sh (or set HUDI_BUNDLE_JAR)")
    return jar


def s3a_jars() -> List[str]:
    paths = [j for j in _from_setup("S3A_JARS", "s3a-jars").split(",") if j]
    if not paths or not all(os.path.exists(j) for j in paths):
        raise RuntimeError("hadoop-aws / AWS SDK jars not found: run scripts/readers/setup.sh (or set S3A_JARS)")
    return paths


# hudi-rs (object_store) storage options and the s3a settings that mean the same, so one description of the store
# serves both readers.
_S3A_SETTING = {
    "aws_endpoint_url": "fs.s3a.endpoint",
    "aws_endpoint": "fs.s3a.endpoint",
    "aws_access_key_id": "fs.s3a.access.key",
    "aws_secret_access_key": "fs.s3a.secret.key",
    "aws_region": "fs.s3a.endpoint.region",
}


def s3a_settings(storage_options: Dict[str, str]) -> Dict[str, str]:
    """Hadoop s3a settings for the store that `storage_options` (hudi-rs's names, or fs.s3a.* as they are) describe."""
    # object_store's default, and what a server without virtual-host bucket names (MinIO here) needs.
    conf = {"fs.s3a.path.style.access": "true"}
    for key, value in storage_options.items():
        name = key.lower()
        if name in _S3A_SETTING:
            conf[_S3A_SETTING[name]] = value
        elif name == "aws_virtual_hosted_style_request":
            conf["fs.s3a.path.style.access"] = "false" if value.lower() == "true" else "true"
        elif name == "aws_allow_http":
            pass  # s3a goes by the endpoint's scheme (below)
        elif key.startswith("fs.s3a."):
            conf[key] = value
        else:
            raise ValueError(f"storage option {key!r} has no s3a equivalent here")
    if conf.get("fs.s3a.endpoint", "").startswith("http://"):
        conf["fs.s3a.connection.ssl.enabled"] = "false"
    if "fs.s3a.access.key" in conf:
        # Given keys, then only those: no fallback to the environment or to an instance metadata endpoint.
        conf.setdefault("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
    return conf


def spark_session(app: str, s3a: Optional[Dict[str, str]] = None, driver_memory: str = "1g"):
    """A local[2] session with the Hudi bundle, bound to loopback, no UI, a 1g driver unless `driver_memory` says
    otherwise; with `s3a` (fs.s3a.* settings, see s3a_settings), also hadoop-aws and the AWS SDK, so s3a:// paths
    can be read."""
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
        .config("spark.jars", ",".join([bundle_jar(), *(s3a_jars() if s3a is not None else [])]))
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "org.apache.spark.HoodieSparkKryoRegistrar")
        .config("spark.sql.extensions", "org.apache.spark.sql.hudi.HoodieSparkSessionExtension")
        .config("spark.driver.memory", driver_memory)
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
    if s3a:
        # Set on the running context, not as spark.hadoop.* builder options: pyspark hands those to spark-submit as
        # --conf arguments, which would put the secret key on a command line.
        hadoop_conf = spark.sparkContext._jsc.hadoopConfiguration()
        for key, value in s3a.items():
            hadoop_conf.set(key, value)
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

    unix = F.unix_micros if TIMESTAMP_MICROS else F.unix_millis
    cols = []
    for f in df.schema.fields:
        if isinstance(f.dataType, TimestampType):
            cols.append(unix(F.col(f"`{f.name}`")).alias(f.name))
        elif isinstance(f.dataType, TimestampNTZType):
            cols.append(unix(F.to_utc_timestamp(F.col(f"`{f.name}`").cast("timestamp"), "UTC")).alias(f.name))
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
