// Partition paths as Hudi's key generators build them: one part per partition field, joined by '/', each part
// `value` or, hive-style, `field=value`; a null or empty value becomes __HIVE_DEFAULT_PARTITION__; with
// url-encoding on, Hive's escaping (PartitionPathEncodeUtils.escapePathName) is applied to the value only —
// never to the field name, never to the default partition name.
// Invariant: the output is the directory (relative to the table base path) Hudi writes the record to, and the
// `_hoodie_partition_path` meta column; it must equal Spark Hudi's for the same input.

export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

// ASCII characters Hive escapes as %XX: all controls, DEL and  " # % ' * / : = ? \ { [ ] ^
// Nothing above 0x7F is escaped.
const ESCAPED = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 0x20; c++) t[c] = 1;
  for (const ch of '"#%\'*/:=?\\\u007f{[]^') t[ch.charCodeAt(0)] = 1;
  return t;
})();
const NEEDS_ESCAPE = /[\u0000-\u001f"#%'*/:=?\\\u007f{[\]^]/;

/** Hive's escapePathName for a non-empty value: each escaped character becomes '%' and two upper-case hex digits. */
export function escapePartitionValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    out += c < 128 && ESCAPED[c] === 1 ? '%' + c.toString(16).toUpperCase().padStart(2, '0') : value[i];
  }
  return out;
}

/** Joins the parts of a partition path; `values[i]` is the key-part string of `fields[i]` (null when missing). */
export function formatPartitionPath(
  fields: readonly string[],
  values: readonly (string | null)[],
  hiveStyle: boolean,
  urlEncode: boolean,
): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    const v = values[i];
    const part = v === null || v === undefined || v === '' ? HIVE_DEFAULT_PARTITION : urlEncode ? escapePartitionValue(v) : v;
    if (i > 0) out += '/';
    out += hiveStyle ? `${fields[i]}=${part}` : part;
  }
  return out;
}
