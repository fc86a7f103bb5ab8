# Sourced by setup.sh and env.sh: the reader versions and where they live in the cache.
# pyspark: the newest 3.5.x on PyPI (Spark 3.5 is Scala 2.12, matching the _2.12 bundle).
# Hudi bundle 0.15.0 writes table version 6 by default; 1.0.x (fallback) would need
# hoodie.write.table.version=6 for writing, but reads version 6 tables as they are.
HUDI_RS_VERSION=0.5.0
PYSPARK_VERSION=3.5.9
PYARROW_VERSION=26.0.1
FASTAVRO_VERSION=1.13.1
HUDI_BUNDLE_ARTIFACT=hudi-spark3.5-bundle_2.12
HUDI_BUNDLE_VERSION=0.15.0
HUDI_BUNDLE_FALLBACK_VERSION=1.0.2

TRIBUTARY_CACHE="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
READERS_DIR="$TRIBUTARY_CACHE/readers"
READERS_VENV="$READERS_DIR/venv"
READERS_PYTHON="$READERS_VENV/bin/python"
READERS_JAR_DIR="$READERS_DIR/jars"
READERS_M2="$TRIBUTARY_CACHE/m2"
