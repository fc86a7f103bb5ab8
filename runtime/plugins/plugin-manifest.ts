// The plugin manifest: the `tributary` key of a plugin package's package.json, naming its connectors.
//   { "name": "@acme/plugin-x", "tributary": { "connectors": [
//       { "class": "file-sink", "module": "./file-sink", "export": "FileSinkConnector", "aliases": ["FileSinkConnector"] } ] } }
// Validation is strict and reports every problem at once, each naming the file and the field, so a
// plugin author fixes a manifest in one round. A package.json without the key is not a plugin.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConnectError } from '../spi';

export const MANIFEST_KEY = 'tributary';

export interface ConnectorManifestEntry {
  /** Canonical short name users put in `connector.class`, e.g. `file-sink`. */
  class: string;
  /** Module path relative to the package directory, starting with `./`; extension optional. */
  module: string;
  /** Named export of that module: a connector class (no-argument constructor) or a factory function. */
  export: string;
  /** Other names accepted for this connector (e.g. the RocketMQ Connect Java class name). */
  aliases: string[];
}

export interface PluginManifest {
  /** package.json `name`. */
  name: string;
  /** package.json `version`, when given. */
  version: string | undefined;
  /** Absolute path of the package directory. */
  dir: string;
  /** Absolute path of the package.json the manifest was read from. */
  file: string;
  connectors: ConnectorManifestEntry[];
}

const CLASS_NAME = /^[A-Za-z][A-Za-z0-9._$-]{0,199}$/;
const EXPORT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ALIAS = /^[A-Za-z_$][A-Za-z0-9._$-]{0,199}$/;
const ENTRY_KEYS = ['class', 'module', 'export', 'aliases'];
const MANIFEST_KEYS = ['connectors'];

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(file: string, problems: string[]): ConnectError {
  return new ConnectError('PLUGIN_LOAD_FAILED', `Invalid plugin manifest in ${file}: ${problems.join('; ')}. See docs/plugin-guide.md, "The manifest".`);
}

/** Reads and parses a package.json. Throws PLUGIN_LOAD_FAILED naming the file if it is not a JSON object. */
export function readPackageJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConnectError('PLUGIN_LOAD_FAILED', `Cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (err) {
    throw new ConnectError('PLUGIN_LOAD_FAILED', `${file} is not valid JSON (${(err as Error).message}); fix the file or remove it from the plugin path`, { cause: err });
  }
  if (!isObject(pkg)) throw new ConnectError('PLUGIN_LOAD_FAILED', `${file} must hold a JSON object, got ${show(pkg)}`);
  return pkg;
}

/** True when a parsed package.json declares a plugin (has the `tributary` key, valid or not). */
export function declaresPlugin(pkg: Record<string, unknown>): boolean {
  return Object.prototype.hasOwnProperty.call(pkg, MANIFEST_KEY);
}

/**
 * Validates the manifest of a parsed package.json read from `file`. Returns undefined when the package
 * has no `tributary` key (it is not a plugin); throws ConnectError PLUGIN_LOAD_FAILED listing every
 * problem, each as `<field>: <what is wrong and what is expected>`.
 */
export function parsePluginManifest(pkg: Record<string, unknown>, file: string): PluginManifest | undefined {
  if (!declaresPlugin(pkg)) return undefined;
  const problems: string[] = [];
  const dir = path.dirname(path.resolve(file));

  const name = pkg['name'];
  if (typeof name !== 'string' || name.trim() === '') {
    problems.push(`name: expected the package name as a non-empty string (e.g. "@acme/tributary-plugin-x"), got ${show(name)}`);
  }
  const version = pkg['version'];
  if (version !== undefined && typeof version !== 'string') problems.push(`version: expected a string such as "1.0.0", got ${show(version)}`);

  const manifest = pkg[MANIFEST_KEY];
  const connectors: ConnectorManifestEntry[] = [];
  if (!isObject(manifest)) {
    problems.push(`${MANIFEST_KEY}: expected an object {"connectors": [...]}, got ${show(manifest)}`);
  } else {
    for (const key of Object.keys(manifest)) {
      if (!MANIFEST_KEYS.includes(key)) problems.push(`${MANIFEST_KEY}.${key}: unknown key; accepted keys are ${MANIFEST_KEYS.join(', ')}`);
    }
    const list = manifest['connectors'];
    if (!Array.isArray(list) || list.length === 0) {
      problems.push(`${MANIFEST_KEY}.connectors: expected a non-empty array of {"class", "module", "export", "aliases"} entries, got ${show(list)}`);
    } else {
      list.forEach((raw, i) => {
        const entry = parseEntry(raw, `${MANIFEST_KEY}.connectors[${i}]`, dir, problems);
        if (entry) connectors.push(entry);
      });
      checkUniqueNames(connectors, problems);
    }
  }

  if (problems.length > 0) throw invalid(file, problems);
  return { name: name as string, version: version as string | undefined, dir, file: path.resolve(file), connectors };
}

/** Reads `file` (a package.json); undefined when it declares no plugin. Throws PLUGIN_LOAD_FAILED when invalid. */
export function readPluginManifest(file: string): PluginManifest | undefined {
  return parsePluginManifest(readPackageJson(file), file);
}

function parseEntry(raw: unknown, at: string, dir: string, problems: string[]): ConnectorManifestEntry | undefined {
  if (!isObject(raw)) {
    problems.push(`${at}: expected an object {"class", "module", "export", "aliases"}, got ${show(raw)}`);
    return undefined;
  }
  const before = problems.length;
  for (const key of Object.keys(raw)) {
    if (!ENTRY_KEYS.includes(key)) problems.push(`${at}.${key}: unknown key; accepted keys are ${ENTRY_KEYS.join(', ')}`);
  }
  const cls = raw['class'];
  if (typeof cls !== 'string' || !CLASS_NAME.test(cls)) {
    problems.push(`${at}.class: expected a connector name starting with a letter (letters, digits, . _ - $), e.g. "file-sink", got ${show(cls)}`);
  }
  const mod = raw['module'];
  if (typeof mod !== 'string' || !mod.startsWith('./')) {
    problems.push(`${at}.module: expected a path relative to the package directory starting with "./" (e.g. "./file-sink"), got ${show(mod)}`);
  } else {
    const resolved = path.resolve(dir, mod);
    if (resolved !== dir && !resolved.startsWith(dir + path.sep)) {
      problems.push(`${at}.module: ${show(mod)} points outside the package directory ${dir}; keep plugin modules inside the package`);
    }
  }
  const exp = raw['export'];
  if (typeof exp !== 'string' || !EXPORT_NAME.test(exp)) {
    problems.push(`${at}.export: expected the name of an export of the module (a JavaScript identifier, e.g. "FileSinkConnector"), got ${show(exp)}`);
  }
  const aliases = raw['aliases'];
  const aliasList: string[] = [];
  if (aliases !== undefined) {
    if (!Array.isArray(aliases)) {
      problems.push(`${at}.aliases: expected an array of names, got ${show(aliases)}`);
    } else {
      aliases.forEach((a, j) => {
        if (typeof a !== 'string' || !ALIAS.test(a)) {
          problems.push(`${at}.aliases[${j}]: expected a name such as "FileSinkConnector" or "org.example.FileSinkConnector" (no spaces), got ${show(a)}`);
        } else if (aliasList.includes(a)) {
          problems.push(`${at}.aliases[${j}]: ${show(a)} is listed twice; remove the duplicate`);
        } else {
          aliasList.push(a);
        }
      });
    }
  }
  if (problems.length > before) return undefined;
  return { class: cls as string, module: mod as string, export: exp as string, aliases: aliasList.filter((a) => a !== cls) };
}

/** Within one manifest, no name (class or alias) may denote two connectors. */
function checkUniqueNames(entries: ConnectorManifestEntry[], problems: string[]): void {
  const owner = new Map<string, string>();
  for (const e of entries) {
    for (const n of [e.class, ...e.aliases]) {
      const prev = owner.get(n);
      if (prev !== undefined && prev !== e.class) {
        problems.push(`${MANIFEST_KEY}.connectors: name ${show(n)} is used by both connector ${show(prev)} and connector ${show(e.class)}; each class and alias must be unique`);
      } else if (prev === e.class && n === e.class) {
        problems.push(`${MANIFEST_KEY}.connectors: connector class ${show(n)} is declared twice; declare each connector once`);
      }
      owner.set(n, e.class);
    }
  }
}
