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
# s3a: setup.sh takes hadoop-aws at the Hadoop version of pyspark's jars and these AWS SDK v1 modules at the SDK
# version that Hadoop release names. They are the com.amazonaws part of what aws-java-sdk-s3 and -dynamodb depend
# on (dynamodb: S3AFileSystem in Hadoop 3.3 links S3Guard's DynamoDB classes even with S3Guard off); their other
# dependencies (jackson, httpclient, joda-time, commons-*) are in pyspark's jars, and ion-java and
# jackson-dataformat-cbor serve protocols S3 does not use. About 6 MB, where aws-java-sdk-bundle (every service,
# shaded) is 281 MB.
S3A_SDK_ARTIFACTS="aws-java-sdk-core aws-java-sdk-s3 aws-java-sdk-kms aws-java-sdk-dynamodb jmespath-java"

TRIBUTARY_CACHE="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
READERS_DIR="$TRIBUTARY_CACHE/readers"
READERS_VENV="$READERS_DIR/venv"
READERS_PYTHON="$READERS_VENV/bin/python"
READERS_JAR_DIR="$READERS_DIR/jars"
READERS_M2="$TRIBUTARY_CACHE/m2"
