#!/usr/bin/env bash
# Installs the independent table readers the conformance tests use, into a cache outside the repo:
#   - a Python virtualenv with hudi (hudi-rs), pyarrow, pyspark 3.5 and fastavro;
#   - the Hudi Spark 3.5 bundle jar from Maven Central (checksum-verified);
#   - hadoop-aws and the AWS SDK modules it needs, for Spark reads of s3:// tables through s3a (checksum-verified).
# Idempotent: a warm cache costs a sha1 of each jar and a stamp comparison. Safe to run from several
# processes at once (one flock). Prints the paths as KEY=VALUE lines on stdout, progress on stderr.
# Env: TRIBUTARY_CACHE (default ~/.cache/tributary), PYTHON (interpreter for the venv, default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

log() { echo "readers-setup: $*" >&2; }
die() { echo "readers-setup: ERROR: $*" >&2; exit 1; }

mkdir -p "$READERS_DIR" "$READERS_JAR_DIR" "$READERS_M2"
exec 8>"$READERS_DIR/.setup.lock"
flock 8

# --- Java, javac and Maven (preinstalled on the project's machines; installed from Debian if missing) ---
# javac: the log format conformance test compiles its Hudi checker (test/conformance/readers/HudiLogCheck.java).
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "java, javac or mvn missing: installing openjdk-17-jdk-headless and maven from Debian"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >&2 \
      || die "apt-get install openjdk-17-jdk-headless maven failed"
  else
    die "java, javac and mvn are required (OpenJDK 17 JDK and Maven); install them and rerun"
  fi
fi

# --- Python virtualenv ---
requirements="hudi==$HUDI_RS_VERSION pyspark==$PYSPARK_VERSION pyarrow==$PYARROW_VERSION fastavro==$FASTAVRO_VERSION"
stamp="$READERS_VENV/.tributary-requirements"
if [ -x "$READERS_PYTHON" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$requirements" ]; then
  log "venv up to date: $READERS_VENV"
else
  python="${PYTHON:-python3}"
  command -v "$python" >/dev/null 2>&1 || die "$python not found (need Python >= 3.9 with venv)"
  if [ ! -x "$READERS_PYTHON" ]; then
    log "creating venv $READERS_VENV with $($python --version 2>&1)"
    "$python" -m venv "$READERS_VENV" >&2 || die "'$python -m venv' failed (on Debian: apt-get install python3-venv)"
  fi
  log "pip install $requirements"
  start=$SECONDS
  "$READERS_PYTHON" -m pip install --disable-pip-version-check -q $requirements >&2 \
    || die "pip install $requirements failed"
  "$READERS_PYTHON" -c 'import hudi, pyspark, pyarrow, fastavro' >&2 || die "installed packages do not import"
  echo "$requirements" >"$stamp"
  log "venv ready in $((SECONDS - start)) s"
fi

# --- Jars ---
# Each jar is fetched into the cache's own Maven repository (mvn verifies it against the repository's .sha1 with
# --strict-checksums) and copied to a stable path; the .sha1 beside the copy is checked on every run.
jar_ok() {
  local jar="$1"
  [ -f "$jar" ] && [ -f "$jar.sha1" ] || return 1
  [ "$(sha1sum "$jar" | cut -d' ' -f1)" = "$(cut -d' ' -f1 <"$jar.sha1")" ]
}
mvn_get() {  # ARTIFACT [TRANSITIVE]
  log "mvn dependency:get $1${2:+ (transitive)}"
  local out
  if ! out=$(mvn -B -q --strict-checksums -Dmaven.repo.local="$READERS_M2" \
      org.apache.maven.plugins:maven-dependency-plugin:3.6.1:get \
      -Dartifact="$1" -Dtransitive="${2:-false}" 2>&1); then
    echo "$out" | tail -20 >&2
    return 1
  fi
}
fetch_jar() {
  local group="$1" artifact="$2" version="$3"
  local m2dir="$READERS_M2/${group//.//}/$artifact/$version"
  local name="$artifact-$version.jar"
  # mvn stores a jar only once it matched its .sha1, so one already there (fetched as a dependency) needs no mvn run.
  jar_ok "$m2dir/$name" || mvn_get "$group:$artifact:$version" || return 1
  [ -f "$m2dir/$name" ] && [ -f "$m2dir/$name.sha1" ] || { log "mvn reported success but $m2dir/$name is missing"; return 1; }
  cp "$m2dir/$name" "$READERS_JAR_DIR/$name.tmp"
  cut -d' ' -f1 <"$m2dir/$name.sha1" >"$READERS_JAR_DIR/$name.sha1"
  mv "$READERS_JAR_DIR/$name.tmp" "$READERS_JAR_DIR/$name"
  jar_ok "$READERS_JAR_DIR/$name" || { log "sha1 of $name does not match the repository's"; return 1; }
}

# --- Hudi Spark bundle jar ---
bundle=""
for v in "$HUDI_BUNDLE_VERSION" "$HUDI_BUNDLE_FALLBACK_VERSION"; do
  jar="$READERS_JAR_DIR/$HUDI_BUNDLE_ARTIFACT-$v.jar"
  if jar_ok "$jar"; then bundle="$jar"; log "bundle present, sha1 ok: $jar"; break; fi
  start=$SECONDS
  if fetch_jar org.apache.hudi "$HUDI_BUNDLE_ARTIFACT" "$v"; then bundle="$jar"; log "bundle fetched in $((SECONDS - start)) s: $jar"; break; fi
  log "could not fetch $HUDI_BUNDLE_ARTIFACT $v"
done
[ -n "$bundle" ] || die "no Hudi Spark bundle could be fetched ($HUDI_BUNDLE_VERSION, $HUDI_BUNDLE_FALLBACK_VERSION)"
echo "$bundle" >"$READERS_DIR/bundle-jar"

# --- s3a jars (Spark reads of s3:// tables) ---
# pyspark ships Hadoop's client jars but not hadoop-aws. hadoop-aws must match them exactly, and the AWS SDK must be
# the version that Hadoop release was built against: the aws-java-sdk.version of its hadoop-project pom, which mvn
# fetched (and verified) as hadoop-aws's parent.
shopt -s nullglob
client_api=("$READERS_VENV"/lib/python3*/site-packages/pyspark/jars/hadoop-client-api-*.jar)
shopt -u nullglob
[ "${#client_api[@]}" -eq 1 ] || die "expected one hadoop-client-api jar in the venv's pyspark/jars, found ${#client_api[@]}"
hadoop_version="$(basename "${client_api[0]}" .jar)"
hadoop_version="${hadoop_version#hadoop-client-api-}"
s3a_jars=()
fetched=0
start=$SECONDS
need_jar() {
  local jar="$READERS_JAR_DIR/$2-$3.jar"
  if ! jar_ok "$jar"; then
    fetch_jar "$@" || die "could not fetch $1:$2:$3"
    fetched=$((fetched + 1))
  fi
  s3a_jars+=("$jar")
}
need_jar org.apache.hadoop hadoop-aws "$hadoop_version"
hadoop_pom="$READERS_M2/org/apache/hadoop/hadoop-project/$hadoop_version/hadoop-project-$hadoop_version.pom"
[ -f "$hadoop_pom" ] || mvn_get "org.apache.hadoop:hadoop-project:$hadoop_version:pom" || die "could not fetch the hadoop-project $hadoop_version pom"
sdk_version="$(sed -n 's:.*<aws-java-sdk.version>\([^<]*\)</aws-java-sdk.version>.*:\1:p' "$hadoop_pom" | head -1)"
[ -n "$sdk_version" ] || die "hadoop-project $hadoop_version names no aws-java-sdk.version (Hadoop 3.4+ uses the AWS SDK v2): revise S3A_SDK_ARTIFACTS"
# aws-java-sdk-dynamodb depends on all the other modules: resolving it transitively takes one mvn start (~2 s) where
# one per jar would take five.
for a in $S3A_SDK_ARTIFACTS; do
  jar_ok "$READERS_JAR_DIR/$a-$sdk_version.jar" && continue
  mvn_get "com.amazonaws:aws-java-sdk-dynamodb:$sdk_version" true || die "could not fetch aws-java-sdk-dynamodb $sdk_version"
  break
done
for a in $S3A_SDK_ARTIFACTS; do need_jar com.amazonaws "$a" "$sdk_version"; done
if [ "$fetched" -gt 0 ]; then log "s3a jars fetched in $((SECONDS - start)) s (hadoop-aws $hadoop_version, AWS SDK $sdk_version)"
else log "s3a jars present, sha1 ok (hadoop-aws $hadoop_version, AWS SDK $sdk_version)"; fi
(IFS=,; echo "${s3a_jars[*]}") >"$READERS_DIR/s3a-jars"

flock -u 8
"$here/env.sh"
