// Java-properties reading and writing, with java.util.Properties#load semantics, for worker configs
// (`conf/*.conf`), CLI `--file x.properties` and Hudi's `hoodie.properties`. Invariants: the parser
// keeps the 1-based line on which each logical line starts, so every later error can point at it;
// a key given twice is an error naming both lines (Java silently keeps the last one, which hides typos
// in long config files); `parseProperties(serializeProperties(x))` gives back `x` for any strings.
// Files are read as UTF-8 (Java's load(Reader)), not ISO-8859-1 (load(InputStream)).

import { ConfigError } from '../spi';

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line where the entry starts (its first natural line, if continued). */
  line: number;
}

export interface PropertyToWrite {
  key: string;
  value: string;
  /** Written above the entry as `# ` lines. */
  comment?: string;
  /** Written as `#key=value`: documented, but not set. */
  commentedOut?: boolean;
}

export interface ParsePropertiesOptions {
  /** Names the input in errors, e.g. the file path. */
  source?: string;
}

/** Java's whitespace for properties: space, tab and form feed (not newline, which ends a line). */
const WS = new Set([' ', '\t', '\f']);

function stripLeadingWs(s: string): string {
  let i = 0;
  while (i < s.length && WS.has(s[i]!)) i++;
  return s.slice(i);
}

function endsWithContinuation(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** Parses properties text into entries in file order; throws ConfigError on duplicate keys or bad escapes. */
export function parseProperties(text: string, options: ParsePropertiesOptions = {}): PropertyEntry[] {
  const where = options.source ?? 'properties';
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  const seen = new Map<string, number>();
  const problems: { name: string; message: string }[] = [];

  for (let i = 0; i < lines.length; i++) {
    const first = stripLeadingWs(lines[i]!);
    // Comment lines are never continued, even when they end in a backslash (as in Java).
    if (first === '' || first[0] === '#' || first[0] === '!') continue;
    const startLine = i + 1;
    let logical = first;
    while (endsWithContinuation(logical)) {
      logical = logical.slice(0, -1);
      if (i + 1 >= lines.length) break; // a continuation at end of input is dropped, as Java does
      i++;
      logical += stripLeadingWs(lines[i]!);
    }

    const { rawKey, rawValue } = splitKeyValue(logical);
    let key: string;
    let value: string;
    try {
      key = unescape(rawKey);
      value = unescape(rawValue);
    } catch (err) {
      problems.push({ name: rawKey, message: `line ${startLine}: ${(err as Error).message}` });
      continue;
    }
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({ name: key, message: `given twice, on line ${earlier} and line ${startLine}; keep only one of them` });
      continue;
    }
    seen.set(key, startLine);
    entries.push({ key, value, line: startLine });
  }
  if (problems.length > 0) throw new ConfigError(problems, `Invalid properties in ${where}`);
  return entries;
}

/** The entries as a plain map (keys are unique, parseProperties guarantees it). */
export function propertiesToMap(entries: readonly PropertyEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) out[e.key] = e.value;
  return out;
}

/** Splits a logical line at the first unescaped `=`, `:` or whitespace, as Properties#load does. */
function splitKeyValue(line: string): { rawKey: string; rawValue: string } {
  let keyEnd = line.length;
  let valueStart = line.length;
  let hasSep = false;
  let backslash = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (backslash) {
      backslash = false;
      continue;
    }
    if (c === '\\') {
      backslash = true;
      continue;
    }
    if (c === '=' || c === ':') {
      keyEnd = i;
      valueStart = i + 1;
      hasSep = true;
      break;
    }
    if (WS.has(c)) {
      keyEnd = i;
      valueStart = i + 1;
      break;
    }
  }
  // After the key: whitespace, at most one separator (if the key ended at whitespace), whitespace.
  while (valueStart < line.length) {
    const c = line[valueStart]!;
    if (!WS.has(c)) {
      if (!hasSep && (c === '=' || c === ':')) hasSep = true;
      else break;
    }
    valueStart++;
  }
  return { rawKey: line.slice(0, keyEnd), rawValue: line.slice(valueStart) };
}

function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= s.length) break;
    const e = s[i]!;
    switch (e) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw new Error(`malformed \\uXXXX escape "\\u${hex}"; write exactly four hex digits, e.g. \\u00e9`);
        }
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        out += e; // `\=`, `\:`, `\ `, `\\`, `\#` and any other escaped char stand for themselves
    }
  }
  return out;
}

function escape(s: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    switch (c) {
      // A space is escaped everywhere in a key, but only in first position in a value (where load
      // would otherwise strip it), exactly as Properties#store does.
      case ' ': out += isKey || i === 0 ? '\\ ' : ' '; break;
      case '\t': out += '\\t'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\f': out += '\\f'; break;
      case '\\': out += '\\\\'; break;
      // Separators and comment marks only need escaping in a key; in a value they are kept readable
      // (`host:port`), since everything after the separator is the value. Java escapes them anyway.
      case '=': case ':': case '#': case '!': out += isKey ? `\\${c}` : c; break;
      default:
        // Other control characters would be invisible or break lines; printable non-ASCII stays
        // readable, since files are UTF-8.
        out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, '0')}` : c;
    }
  }
  return out;
}

function commentLines(text: string): string {
  return text.split(/\r\n|\r|\n/).map((l) => (l === '' ? '#' : `# ${l}`)).join('\n') + '\n';
}

/** Writes properties text (`key=value`, `\n` line ends) that parseProperties reads back unchanged. */
export function serializeProperties(props: Record<string, string> | Iterable<PropertyToWrite>, options: { header?: string } = {}): string {
  const items: PropertyToWrite[] = isIterable(props) ? [...props] : Object.entries(props).map(([key, value]) => ({ key, value }));
  let out = options.header ? commentLines(options.header) : '';
  for (const p of items) {
    if (p.comment !== undefined) out += `${out === '' ? '' : '\n'}${commentLines(p.comment)}`;
    out += `${p.commentedOut ? '#' : ''}${escape(p.key, true)}=${escape(p.value, false)}\n`;
  }
  return out;
}

function isIterable(x: unknown): x is Iterable<PropertyToWrite> {
  return typeof x === 'object' && x !== null && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}
