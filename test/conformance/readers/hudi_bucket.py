"""Hudi 0.15's own simple-bucket-index arithmetic, run in the JVM of the Hudi Spark bundle (py4j), so that
our bucket ids and file ids are checked against Hudi's code, not against numbers copied by hand.

  hudi_bucket.py --cases cases.json
      cases.json: a JSON list of {"key": record key, "hashFields": "f1,f2" (hoodie.bucket.index.hash.field
      as Hudi holds it), "numBuckets": n}. Prints one JSON line per case:
        {"key", "hashFields", "numBuckets",
         "bucket": BucketIdentifier.getBucketId(HoodieKey, List<String> hash fields, n)  (HoodieSimpleBucketIndex's call),
         "bucketByString": BucketIdentifier.getBucketId(String key, String hash fields, n) (the partitioner's call),
         "hashKeys": BucketIdentifier.getHashKeys(HoodieKey, String) as a JSON list,
         "bucketIdStr": BucketIdentifier.bucketIdStr(bucket),
         "newFileIdPrefix": BucketIdentifier.newBucketFileIdPrefix(bucket),
         "bucketFromFileId": BucketIdentifier.bucketIdFromFileId(newFileIdPrefix)}
      A case Hudi throws on prints {"key", ..., "error": the Java exception's first line}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reader_common import dumps, run_main, short_error, spark_session  # noqa: E402


def main(out) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", required=True)
    args = ap.parse_args()
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)
    spark = spark_session("tributary-hudi-bucket")
    jvm = spark._jvm
    ident = jvm.org.apache.hudi.index.bucket.BucketIdentifier
    for c in cases:
        result = dict(c)
        try:
            key = jvm.org.apache.hudi.common.model.HoodieKey(c["key"], "")
            fields = jvm.java.util.ArrayList()
            for f in c["hashFields"].split(","):  # as HoodieBucketIndex splits hoodie.bucket.index.hash.field
                fields.add(f)
            bucket = ident.getBucketId(key, fields, c["numBuckets"])
            result["bucket"] = bucket
            result["bucketByString"] = ident.getBucketId(c["key"], c["hashFields"], c["numBuckets"])
            result["hashKeys"] = [str(v) if v is not None else None for v in ident.getHashKeys(key, c["hashFields"])]
            result["bucketIdStr"] = ident.bucketIdStr(bucket)
            prefix = ident.newBucketFileIdPrefix(bucket)
            result["newFileIdPrefix"] = prefix
            result["bucketFromFileId"] = ident.bucketIdFromFileId(prefix)
        except Exception as e:  # noqa: BLE001 - reported per case
            result["error"] = short_error(e)
        out.write(dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    run_main(main)
