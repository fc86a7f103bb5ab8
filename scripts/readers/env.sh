#!/usr/bin/env bash
# Prints the reader paths as KEY=VALUE lines (run it), or exports them (source it).
# It installs nothing: run setup.sh first. Exits non-zero when run and something is missing.
_readers_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
. "$_readers_here/versions.sh"

HUDI_BUNDLE_JAR=""
if [ -f "$READERS_DIR/bundle-jar" ]; then HUDI_BUNDLE_JAR="$(cat "$READERS_DIR/bundle-jar")"; fi
# Comma-separated, as spark.jars takes them.
S3A_JARS=""
if [ -f "$READERS_DIR/s3a-jars" ]; then S3A_JARS="$(cat "$READERS_DIR/s3a-jars")"; fi
export TRIBUTARY_CACHE READERS_VENV READERS_PYTHON HUDI_BUNDLE_JAR S3A_JARS

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "TRIBUTARY_CACHE=$TRIBUTARY_CACHE"
  echo "READERS_VENV=$READERS_VENV"
  echo "READERS_PYTHON=$READERS_PYTHON"
  echo "HUDI_BUNDLE_JAR=$HUDI_BUNDLE_JAR"
  echo "S3A_JARS=$S3A_JARS"
  echo "HUDI_RS_VERSION=$HUDI_RS_VERSION"
  echo "PYSPARK_VERSION=$PYSPARK_VERSION"
  echo "JAVA_VERSION=$(java -version 2>&1 | head -1 | sed 's/.*version "\([^"]*\)".*/\1/')"
  [ -x "$READERS_PYTHON" ] && [ -f "$HUDI_BUNDLE_JAR" ] && [ -n "$S3A_JARS" ] || { echo "readers not installed: run scripts/readers/setup.sh" >&2; exit 1; }
fi
