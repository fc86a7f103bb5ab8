// Plain-text rendering for the CLI's human-readable output: aligned tables, key/value blocks and a
// generic rendering of any JSON for commands without a dedicated view. Pure functions returning strings
// (no trailing newline); the caller decides where they go. `--json` output bypasses this module.

/** Columns padded to their widest cell; the last column is not padded (no trailing spaces). */
export function renderTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows].map((r) => headers.map((_, i) => oneLine(r[i] ?? '')));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** `Label:  value` lines with the values aligned. */
export function renderKeyValues(pairs: [string, string][]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length + 1));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`).join('\n');
}

/** A scalar as a cell: strings as they are, everything else as compact JSON. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Indents every line of a multi-line text (traces). */
export function indent(text: string, by = '  '): string {
  return text.split('\n').map((l) => by + l).join('\n');
}

/** Any JSON value as text: arrays of objects as tables, objects as key/value blocks, scalars as they are. */
export function renderGeneric(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    if (value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
      const columns: string[] = [];
      for (const row of value as Record<string, unknown>[]) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
      return renderTable(columns.map((c) => c.toUpperCase()), (value as Record<string, unknown>[]).map((row) => columns.map((c) => cellText(row[c]))));
    }
    return value.map(cellText).join('\n');
  }
  if (typeof value === 'object' && value !== null) {
    return renderKeyValues(Object.entries(value).map(([k, v]) => [k, cellText(v)]));
  }
  return cellText(value);
}

function oneLine(s: string): string {
  return s.replace(/\r?\n/g, ' ');
}
