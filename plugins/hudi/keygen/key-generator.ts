// Hudi's built-in key generators, configured by Hudi's own keys: a row's record key (`_hoodie_record_key`, what
// upserts and deletes match on) and partition path (`_hoodie_partition_path`, its directory). Both must be the
// strings Spark Hudi computes, or a Spark upsert into our table (and ours into Spark's) misses existing records.
// The generator class is chosen as Spark's datasource chooses it (explicit class, else type, else inferred from
// the field counts), and its class name is what the table records as hoodie.table.keygenerator.class.
//
// Formats (Avro path of SimpleKeyGenerator / ComplexKeyGenerator / NonpartitionedKeyGenerator, the one Spark's
// upsert uses; checked against hudi-client-common 0.15.0 by test/fixtures/hudi/vectors):
//   one record key field      → the value                                   (null or "" is refused)
//   several record key fields → "f1:v1,f2:v2" with null → __null__, "" → __empty__ (all null/empty is refused)
//   ComplexKeyGenerator with ONE record key field: Hudi 0.14.1, 0.15.0 and 1.0.x write the bare value; 0.14.0 and
//   older, and 1.1+ by default, write "field:value" (HUDI-7001). We follow 0.15.0 (the bundle this project tests
//   against) unless `hoodie.write.complex.keygen.new.encoding` says otherwise: true = bare value, false = "field:value".
// No record key field (absent or empty) makes a keyless generator, as Hudi 0.14+ auto-generates keys: the class is
// inferred from the partition fields alone (as Hudi's inferKeyGeneratorTypeFromPartitionFields does) and the key
// comes from the record's source position (position-key.ts), not from its fields.
// Not supported (refused with a message): TimestampBased/Custom/GlobalDelete generators and
// consistent.logical.timestamp (which prints timestamps in the JVM's time zone).

import { ConfigError, DataError, type ConfigFieldError } from '../../../runtime/spi';
import { fieldReader, keyFieldTypeProblem, type FieldReader, type KeyFieldType } from './field-value';
import { formatPartitionPath } from './partition-path';
import { positionRecordKey, type SourcePosition } from './position-key';

export const KEYGEN_CONFIG = Object.freeze({
  recordKeyFields: 'hoodie.datasource.write.recordkey.field',
  partitionPathFields: 'hoodie.datasource.write.partitionpath.field',
  hiveStylePartitioning: 'hoodie.datasource.write.hive_style_partitioning',
  urlEncodePartitionPath: 'hoodie.datasource.write.partitionpath.urlencode',
  className: 'hoodie.datasource.write.keygenerator.class',
  type: 'hoodie.datasource.write.keygenerator.type',
  tableClassName: 'hoodie.table.keygenerator.class',
  consistentLogicalTimestamp: 'hoodie.datasource.write.keygenerator.consistent.logical.timestamp.enabled',
  complexKeyNewEncoding: 'hoodie.write.complex.keygen.new.encoding',
});

/** Hudi's KeyGeneratorType names for the generators Tributary implements. */
export type KeyGeneratorKind = 'SIMPLE' | 'COMPLEX' | 'NON_PARTITION';

/** The Spark class for each kind: what Spark's datasource records in hoodie.properties. */
export const KEY_GENERATOR_CLASSES: Readonly<Record<KeyGeneratorKind, string>> = Object.freeze({
  SIMPLE: 'org.apache.hudi.keygen.SimpleKeyGenerator',
  COMPLEX: 'org.apache.hudi.keygen.ComplexKeyGenerator',
  NON_PARTITION: 'org.apache.hudi.keygen.NonpartitionedKeyGenerator',
});

/** Class names (Spark and Avro variants) and type names, each resolving to a kind. */
const KIND_BY_NAME: ReadonlyMap<string, KeyGeneratorKind> = new Map<string, KeyGeneratorKind>([
  ['org.apache.hudi.keygen.SimpleKeyGenerator', 'SIMPLE'],
  ['org.apache.hudi.keygen.SimpleAvroKeyGenerator', 'SIMPLE'],
  ['org.apache.hudi.keygen.ComplexKeyGenerator', 'COMPLEX'],
  ['org.apache.hudi.keygen.ComplexAvroKeyGenerator', 'COMPLEX'],
  ['org.apache.hudi.keygen.NonpartitionedKeyGenerator', 'NON_PARTITION'],
  ['org.apache.hudi.keygen.NonpartitionedAvroKeyGenerator', 'NON_PARTITION'],
  ['SIMPLE', 'SIMPLE'],
  ['COMPLEX', 'COMPLEX'],
  ['NON_PARTITION', 'NON_PARTITION'],
  ['NON_PARTITIONED', 'NON_PARTITION'],
]);

/** How a ComplexKeyGenerator with a single record key field writes the key (see the module comment). */
export type ComplexKeyEncoding = 'VALUE_ONLY' | 'FIELD_PREFIXED';

export type KeyRow = Readonly<Record<string, unknown>>;

export interface KeyGenerator {
  /** The Java class name; goes into hoodie.properties as hoodie.table.keygenerator.class. */
  readonly className: string;
  readonly kind: KeyGeneratorKind;
  readonly recordKeyFields: readonly string[];
  /** Empty for NON_PARTITION (configured partition fields are ignored, as Hudi ignores them). */
  readonly partitionPathFields: readonly string[];
  readonly hiveStylePartitioning: boolean;
  readonly urlEncodePartitionPath: boolean;
  /** Set only for a ComplexKeyGenerator with one record key field, where Hudi releases disagree. */
  readonly complexKeyEncoding?: ComplexKeyEncoding;
  /** No record key field: keys come from the source position (recordKeyFields is empty). */
  readonly keyless: boolean;
  /** The record key; throws DataError (CONVERSION_FAILED) for a row Hudi would refuse. A keyless generator
   *  derives it from `position` alone (a random UUID without one); the others ignore `position`. */
  recordKey(row: KeyRow, position?: SourcePosition): string;
  /** The partition path relative to the table base path; '' when non-partitioned. */
  partitionPath(row: KeyRow): string;
}

export interface KeyGeneratorOptions {
  /** Avro types of the key fields, by field name as configured ("a" or "a.b"); see field-value.ts. */
  fieldTypes?: Readonly<Record<string, KeyFieldType>>;
}

/** Hudi's placeholders inside a composite record key. */
export const NULL_RECORD_KEY_PLACEHOLDER = '__null__';
export const EMPTY_RECORD_KEY_PLACEHOLDER = '__empty__';

/** Java's String.split(",").length: trailing empty strings do not count, inner ones do. */
function javaSplitCount(s: string): number {
  const parts = s.split(',');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.length;
}

/** Comma-separated field names, trimmed, empty ones dropped (KeyGenUtils.getRecordKeyFields). */
function fieldList(s: string | undefined): string[] {
  return s === undefined ? [] : s.split(',').map((f) => f.trim()).filter((f) => f !== '');
}

/**
 * The kind Spark's datasource infers when neither class nor type is configured (KeyGenUtils.inferKeyGeneratorType):
 * no partition field → NON_PARTITION; one record key field and one partition field → SIMPLE; otherwise COMPLEX.
 * Counts follow Java's split, so "p," is one field and ",p" two.
 */
export function inferKeyGeneratorKind(recordKeyFields: string | undefined, partitionPathFields: string | undefined): KeyGeneratorKind {
  if (partitionPathFields === undefined || partitionPathFields === '') return 'NON_PARTITION';
  const parts = javaSplitCount(partitionPathFields);
  if (recordKeyFields === undefined) return parts === 1 ? 'SIMPLE' : 'COMPLEX';
  return parts === 1 && javaSplitCount(recordKeyFields) === 1 ? 'SIMPLE' : 'COMPLEX';
}

function text(config: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

/** The class (or type) named by config, resolved to its kind; undefined when nothing is configured. */
function configuredGenerator(
  config: Readonly<Record<string, unknown>>,
  errors: ConfigFieldError[],
): { kind: KeyGeneratorKind; className: string } | undefined {
  const supported = `${Object.values(KEY_GENERATOR_CLASSES).join(', ')} (or their Avro variants), or the types SIMPLE, COMPLEX, NON_PARTITION`;
  const resolve = (key: string): { kind: KeyGeneratorKind; className: string } | undefined => {
    const raw = text(config, key)?.trim();
    if (raw === undefined || raw === '') return undefined;
    const kind = KIND_BY_NAME.get(raw) ?? KIND_BY_NAME.get(raw.toUpperCase());
    if (kind === undefined) {
      errors.push({
        name: key,
        message:
          `"${raw}" is not a key generator Tributary implements; use ${supported}. ` +
          '(Timestamp-based, custom and global-delete generators are not supported.)',
      });
      return undefined;
    }
    return { kind, className: raw.includes('.') ? raw : KEY_GENERATOR_CLASSES[kind] };
  };
  const byClass = resolve(KEYGEN_CONFIG.className);
  const byTable = resolve(KEYGEN_CONFIG.tableClassName);
  const byType = resolve(KEYGEN_CONFIG.type);
  if (byClass && byTable && byClass.kind !== byTable.kind) {
    errors.push({
      name: KEYGEN_CONFIG.className,
      message:
        `"${byClass.className}" conflicts with the table's ${KEYGEN_CONFIG.tableClassName}="${byTable.className}"; ` +
        'a table keeps the key generator it was created with: remove the setting or use the table\'s class',
    });
  }
  return byClass ?? byTable ?? byType;
}

function flag(config: Readonly<Record<string, unknown>>, key: string, errors: ConfigFieldError[]): boolean | undefined {
  const v = config[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  errors.push({ name: key, message: `"${String(v)}" is not a boolean; use true or false` });
  return undefined;
}

/** Builds the key generator Hudi would use for this config. Throws ConfigError naming each bad key. */
export function createKeyGenerator(config: Readonly<Record<string, unknown>>, options: KeyGeneratorOptions = {}): KeyGenerator {
  const errors: ConfigFieldError[] = [];
  const rawKeys = text(config, KEYGEN_CONFIG.recordKeyFields);
  const rawPartitions = text(config, KEYGEN_CONFIG.partitionPathFields);
  const recordKeyFields = fieldList(rawKeys);
  let partitionPathFields = fieldList(rawPartitions);
  const keyless = rawKeys === undefined || rawKeys.trim() === '';
  if (recordKeyFields.length === 0 && !keyless) {
    errors.push({
      name: KEYGEN_CONFIG.recordKeyFields,
      message:
        `"${rawKeys}" names no field; name the field(s) that identify a record, e.g. "order_id" or "order_id,line_no", ` +
        'or leave it unset for a keyless table (each row keyed by its source position)',
    });
  }
  const hiveStylePartitioning = flag(config, KEYGEN_CONFIG.hiveStylePartitioning, errors) ?? false;
  const urlEncodePartitionPath = flag(config, KEYGEN_CONFIG.urlEncodePartitionPath, errors) ?? false;
  if (flag(config, KEYGEN_CONFIG.consistentLogicalTimestamp, errors) === true) {
    errors.push({
      name: KEYGEN_CONFIG.consistentLogicalTimestamp,
      message:
        'true is not supported: Hudi then prints timestamp keys in the writing JVM\'s time zone, which a Node.js writer ' +
        'cannot reproduce; set it to false (the default), which keys timestamps by their long value',
    });
  }
  const newEncoding = flag(config, KEYGEN_CONFIG.complexKeyNewEncoding, errors);
  const fieldTypes = options.fieldTypes ?? {};
  for (const [field, type] of Object.entries(fieldTypes)) {
    const problem = keyFieldTypeProblem(type);
    if (problem !== undefined) errors.push({ name: `fieldTypes.${field}`, message: problem });
  }

  const chosen = configuredGenerator(config, errors);
  const kind = chosen?.kind ?? inferKeyGeneratorKind(keyless ? undefined : rawKeys, rawPartitions === undefined ? undefined : rawPartitions.trim());
  const className = chosen?.className ?? KEY_GENERATOR_CLASSES[kind];
  if (kind === 'SIMPLE') {
    if (recordKeyFields.length > 1) {
      errors.push({
        name: KEYGEN_CONFIG.recordKeyFields,
        message: `SimpleKeyGenerator takes a single record key field, got "${rawKeys}"; use ComplexKeyGenerator for several`,
      });
    }
    if (partitionPathFields.length !== 1) {
      errors.push({
        name: KEYGEN_CONFIG.partitionPathFields,
        message:
          `SimpleKeyGenerator takes exactly one partition path field, got ${rawPartitions === undefined ? 'none' : `"${rawPartitions}"`}; ` +
          'use ComplexKeyGenerator for several, NonpartitionedKeyGenerator for none',
      });
    }
  }
  if (errors.length > 0) throw new ConfigError(errors, 'Invalid Hudi key generator configuration');
  if (kind === 'NON_PARTITION') partitionPathFields = [];

  const keyReaders = recordKeyFields.map((f) => fieldReader(f, fieldTypes[f], 'record key'));
  const partitionReaders = partitionPathFields.map((f) => fieldReader(f, fieldTypes[f], 'partition path'));
  const complexKeyEncoding: ComplexKeyEncoding | undefined =
    kind === 'COMPLEX' && recordKeyFields.length === 1 ? (newEncoding === false ? 'FIELD_PREFIXED' : 'VALUE_ONLY') : undefined;
  const composite = recordKeyFields.length > 1 || complexKeyEncoding === 'FIELD_PREFIXED';

  const recordKey = keyless
    ? (_row: KeyRow, position?: SourcePosition): string => positionRecordKey(position)
    : composite
      ? compositeRecordKey(recordKeyFields, keyReaders)
      : singleRecordKey(recordKeyFields[0]!, keyReaders[0]!);
  const partitionPath =
    partitionReaders.length === 0
      ? (): string => ''
      : (row: KeyRow): string =>
          formatPartitionPath(partitionPathFields, partitionReaders.map((read) => read(row)), hiveStylePartitioning, urlEncodePartitionPath);

  return Object.freeze({
    className,
    kind,
    recordKeyFields: Object.freeze([...recordKeyFields]),
    partitionPathFields: Object.freeze([...partitionPathFields]),
    hiveStylePartitioning,
    urlEncodePartitionPath,
    ...(complexKeyEncoding === undefined ? {} : { complexKeyEncoding }),
    keyless,
    recordKey,
    partitionPath,
  });
}

function singleRecordKey(field: string, read: FieldReader): (row: KeyRow) => string {
  return (row) => {
    const v = read(row);
    if (v === null || v === '') {
      throw new DataError(
        `Record key field "${field}" is ${v === null ? 'null or missing' : 'an empty string'} in this record; Hudi refuses a ` +
          `record without a record key. Give every record a non-empty "${field}", or set ` +
          `${KEYGEN_CONFIG.recordKeyFields} to a field that always has a value`,
      );
    }
    return v;
  };
}

function compositeRecordKey(fields: readonly string[], readers: readonly FieldReader[]): (row: KeyRow) => string {
  return (row) => {
    let out = '';
    let anyValue = false;
    const seen: string[] = [];
    for (let i = 0; i < fields.length; i++) {
      const v = readers[i]!(row);
      if (i > 0) out += ',';
      if (v === null) {
        out += `${fields[i]}:${NULL_RECORD_KEY_PLACEHOLDER}`;
        seen.push(`${fields[i]}=null`);
      } else if (v === '') {
        out += `${fields[i]}:${EMPTY_RECORD_KEY_PLACEHOLDER}`;
        seen.push(`${fields[i]}=""`);
      } else {
        out += `${fields[i]}:${v}`;
        anyValue = true;
      }
    }
    if (!anyValue) {
      throw new DataError(
        `Record key fields ${fields.map((f) => `"${f}"`).join(', ')} are all null or empty in this record (${seen.join(', ')}); ` +
          'Hudi refuses a record key without any value. Give each record a value in at least one of them, or change ' +
          KEYGEN_CONFIG.recordKeyFields,
      );
    }
    return out;
  };
}
