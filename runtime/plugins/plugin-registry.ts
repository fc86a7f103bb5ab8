// Discovers connector plugins in the worker's pluginPaths, loads them (CommonJS require) and answers
// "which connector is `connector.class`?". Invariants: a broken plugin is recorded in errors() and
// logged, never thrown, and never hides the others; a name (class, alias or export) denotes at most
// one connector — the first loaded in path order, subdirectories in name order; load and reload swap
// the whole table at once, so a concurrent resolve sees either the old or the new plugin set.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { ConnectError, type Connector, type ConnectorFactory, type Logger } from '../spi';
import type { PluginInfo, PluginLoadError } from '../herder/herder';
import { declaresPlugin, parsePluginManifest, readPackageJson, type ConnectorManifestEntry, type PluginManifest } from './plugin-manifest';
import { installSpiResolver } from './spi-resolver';

export interface PluginRegistryOptions {
  /** Directories to scan: each is a plugin package itself, or holds plugin packages as subdirectories. */
  paths: string[];
  logger: Logger;
}

export interface ResolvedConnector {
  info: PluginInfo;
  /** A new, unstarted connector instance. */
  create(): Connector;
}

export interface PluginLoadResult {
  plugins: PluginInfo[];
  errors: PluginLoadError[];
}

/** What register() needs: the class name, optionally aliases and where it came from. */
export type PluginRegistration = Pick<PluginInfo, 'class'> & Partial<Pick<PluginInfo, 'aliases' | 'plugin' | 'location'>>;

interface Entry {
  info: PluginInfo;
  /** Every name that resolves to this entry (class, aliases, export name). */
  names: string[];
  create: () => Connector;
}

interface Table {
  byClass: Map<string, Entry>;
  byName: Map<string, Entry>;
  errors: PluginLoadError[];
}

const REQUIRED_METHODS = ['version', 'config', 'start', 'taskConfigs', 'createTask', 'stop'] as const;

export class PluginRegistry {
  private readonly paths: string[];
  private readonly logger: Logger;
  private table: Table = { byClass: new Map(), byName: new Map(), errors: [] };
  /** In-memory plugins from register(); they survive reload and take their names first. */
  private readonly registered: Entry[] = [];
  /** Real paths of the plugin directories loaded last time, whose require cache reload clears. */
  private loadedDirs = new Set<string>();

  constructor(options: PluginRegistryOptions) {
    this.paths = options.paths.map((p) => path.resolve(p));
    this.logger = options.logger.child({ component: 'plugin-registry' });
  }

  /** Scans every plugin path and loads what it finds, replacing the current plugin set. Never rejects:
   *  problems are in the result's `errors` (and errors()). Async so that callers need not change if
   *  loading ever becomes asynchronous (ESM plugins); today the work is synchronous. */
  async load(): Promise<PluginLoadResult> {
    return this.loadNow();
  }

  /** Forgets the loaded modules (so changed files are read again) and loads every plugin path afresh. */
  async reload(): Promise<PluginLoadResult> {
    // Module._cache is keyed by real path; clear everything under a plugin directory, including the
    // plugin's own node_modules, but nothing outside it (in particular not the SPI module).
    const cache = createRequire(__filename).cache;
    const prefixes = [...this.loadedDirs].map((d) => d + path.sep);
    for (const key of Object.keys(cache)) {
      if (prefixes.some((p) => key.startsWith(p))) delete cache[key];
    }
    return this.loadNow();
  }

  private loadNow(): PluginLoadResult {
    const spi = installSpiResolver();
    if (!fs.existsSync(spi)) {
      this.logger.warn({ spi }, `The SPI module ${spi} does not exist, so plugins requiring "tributary/spi" will fail to load; build the runtime first (npm run build)`);
    }
    const table: Table = { byClass: new Map(), byName: new Map(), errors: [] };
    for (const entry of this.registered) addEntry(table, entry);
    const dirs = new Set<string>();
    for (const root of this.paths) {
      for (const candidate of this.discover(root, table)) {
        dirs.add(realpath(candidate.dir));
        this.loadPlugin(candidate.dir, candidate.pkg, table);
      }
    }
    this.table = table;
    this.loadedDirs = dirs;
    for (const e of table.errors) this.logger.error({ location: e.location }, e.message);
    this.logger.info({ plugins: this.list().map((p) => p.class), errors: table.errors.length, paths: this.paths }, 'plugins loaded');
    return { plugins: this.list(), errors: this.errors() };
  }

  list(): PluginInfo[] {
    return [...this.table.byClass.values()].map((e) => copyInfo(e.info)).sort((a, b) => a.class.localeCompare(b.class));
  }

  errors(): PluginLoadError[] {
    return this.table.errors.map((e) => ({ ...e }));
  }

  has(classOrAlias: string): boolean {
    return this.table.byName.has(classOrAlias);
  }

  /** The connector a class name or alias denotes. Throws ConnectError NOT_FOUND listing the known classes. */
  resolve(classOrAlias: string): ResolvedConnector {
    const entry = this.table.byName.get(classOrAlias);
    if (!entry) {
      const known = [...this.table.byClass.keys()].sort();
      const failed = this.table.errors.length > 0 ? ` ${this.table.errors.length} plugin problem(s) were reported at load (see the plugin errors or the worker log).` : '';
      throw new ConnectError(
        'NOT_FOUND',
        `Unknown connector class ${JSON.stringify(classOrAlias)}; known classes are ${known.length > 0 ? known.join(', ') : '(none)'}, ` +
          `and their aliases. Install the plugin in one of the plugin paths (${this.paths.join(', ') || 'none configured'}) and reload plugins.${failed}`,
      );
    }
    return { info: copyInfo(entry.info), create: entry.create };
  }

  /**
   * Adds an in-memory connector (tests, embedded use). The factory is instantiated once to read its type
   * and version. Throws ALREADY_EXISTS when a name is taken, PLUGIN_LOAD_FAILED when it is no connector.
   */
  register(registration: PluginRegistration, factory: ConnectorFactory): PluginInfo {
    const where = `registered connector ${JSON.stringify(registration.class)}`;
    const create = toCreate(factory);
    const probe = probeConnector(create, where);
    const aliases = unique((registration.aliases ?? []).filter((a) => a !== registration.class));
    const entry: Entry = {
      info: {
        class: registration.class,
        type: probe.type,
        version: probe.version,
        aliases,
        plugin: registration.plugin ?? '(in-memory)',
        location: registration.location ?? '(in-memory)',
      },
      names: [registration.class, ...aliases],
      create,
    };
    const taken = entry.names.find((n) => this.table.byName.has(n));
    if (taken !== undefined) {
      const other = this.table.byName.get(taken)!;
      throw new ConnectError('ALREADY_EXISTS', `Cannot register ${where}: name ${JSON.stringify(taken)} is already used by connector ${JSON.stringify(other.info.class)} from ${other.info.location}`);
    }
    this.registered.push(entry);
    addEntry(this.table, entry);
    return copyInfo(entry.info);
  }

  /** Plugin package directories under one path root, in a stable order. */
  private discover(root: string, table: Table): { dir: string; pkg: Record<string, unknown> }[] {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(root);
    } catch {
      table.errors.push({ location: root, message: `Plugin path ${root} does not exist; create it or remove it from pluginPaths` });
      return [];
    }
    if (!stat.isDirectory()) {
      table.errors.push({ location: root, message: `Plugin path ${root} is not a directory; pluginPaths lists directories holding plugin packages` });
      return [];
    }
    const own = this.candidate(root, table);
    if (own === 'broken') return [];
    if (own) return [own];
    const found: { dir: string; pkg: Record<string, unknown> }[] = [];
    const children = fs.readdirSync(root, { withFileTypes: true })
      .filter((d) => !d.name.startsWith('.') && d.name !== 'node_modules')
      .map((d) => d.name)
      .sort();
    for (const name of children) {
      const dir = path.join(root, name);
      if (!isDirectory(dir)) continue;
      const c = this.candidate(dir, table);
      if (c && c !== 'broken') found.push(c);
    }
    return found;
  }

  /** A directory's package.json if it declares a plugin; undefined if it has none or it is no plugin. */
  private candidate(dir: string, table: Table): { dir: string; pkg: Record<string, unknown> } | 'broken' | undefined {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) return undefined;
    try {
      const pkg = readPackageJson(file);
      if (!declaresPlugin(pkg)) {
        this.logger.debug({ dir }, 'package without a "tributary" manifest is not a plugin; skipped');
        return undefined;
      }
      return { dir, pkg };
    } catch (err) {
      // An unreadable package.json in a plugin path was almost certainly meant to be a plugin.
      table.errors.push({ location: dir, message: (err as Error).message });
      return 'broken';
    }
  }

  private loadPlugin(dir: string, pkg: Record<string, unknown>, table: Table): void {
    const file = path.join(dir, 'package.json');
    let manifest: PluginManifest;
    try {
      manifest = parsePluginManifest(pkg, file)!;
    } catch (err) {
      table.errors.push({ location: dir, message: (err as Error).message });
      return;
    }
    const req = createRequire(file);
    const loaded: string[] = [];
    manifest.connectors.forEach((connector, i) => {
      try {
        const entry = this.loadConnector(manifest, connector, i, req);
        const conflict = entry.names.find((n) => table.byName.has(n));
        if (conflict !== undefined) {
          const other = table.byName.get(conflict)!;
          throw new ConnectError(
            'PLUGIN_LOAD_FAILED',
            `Connector ${JSON.stringify(connector.class)} (${file}, tributary.connectors[${i}]) was not loaded: the name ${JSON.stringify(conflict)} already denotes ` +
              `connector ${JSON.stringify(other.info.class)} from ${other.info.location}. Rename the class or drop the alias in one of the two manifests.`,
          );
        }
        // The export name is a convenience alias only; a clash there (two plugins exporting
        // "Connector") is no reason to reject a connector whose own names are unique.
        if (!entry.names.includes(connector.export) && connector.export !== 'default' && !table.byName.has(connector.export)) {
          entry.names.push(connector.export);
          entry.info.aliases.push(connector.export);
        }
        addEntry(table, entry);
        loaded.push(entry.info.class);
      } catch (err) {
        table.errors.push({ location: dir, message: (err as Error).message });
        this.logger.debug({ err }, 'plugin connector failed to load');
      }
    });
    if (loaded.length > 0) this.logger.info({ plugin: manifest.name, location: dir, connectors: loaded }, 'loaded plugin');
  }

  private loadConnector(manifest: PluginManifest, connector: ConnectorManifestEntry, i: number, req: NodeJS.Require): Entry {
    const at = `${manifest.file}, tributary.connectors[${i}]`;
    const target = path.resolve(manifest.dir, connector.module);
    let modulePath: string;
    try {
      modulePath = req.resolve(target);
    } catch (err) {
      throw new ConnectError(
        'PLUGIN_LOAD_FAILED',
        `Module ${JSON.stringify(connector.module)} of connector ${JSON.stringify(connector.class)} (${at}) was not found: expected ${target}.js or ${target}/index.js. ` +
          `Fix "module" in the manifest, or build the plugin if it is written in TypeScript.`,
        { cause: err },
      );
    }
    let mod: unknown;
    try {
      mod = req(modulePath);
    } catch (err) {
      throw new ConnectError(
        'PLUGIN_LOAD_FAILED',
        `Loading ${modulePath} (connector ${JSON.stringify(connector.class)}, ${at}) threw: ${(err as Error)?.message ?? String(err)}. Fix the module; the full error is in the worker log at debug level.`,
        { cause: err },
      );
    }
    const exported = mod !== null && (typeof mod === 'object' || typeof mod === 'function') ? (mod as Record<string, unknown>)[connector.export] : undefined;
    if (exported === undefined) {
      const names = mod !== null && (typeof mod === 'object' || typeof mod === 'function') ? Object.keys(mod as object) : [];
      throw new ConnectError(
        'PLUGIN_LOAD_FAILED',
        `${modulePath} has no export ${JSON.stringify(connector.export)} (connector ${JSON.stringify(connector.class)}, ${at}); its exports are ${names.length > 0 ? names.join(', ') : '(none)'}. ` +
          `Fix "export" in the manifest or export the connector class from the module.`,
      );
    }
    if (typeof exported !== 'function') {
      throw new ConnectError(
        'PLUGIN_LOAD_FAILED',
        `Export ${JSON.stringify(connector.export)} of ${modulePath} (${at}) is ${describe(exported)}, not a connector class or factory; export a class with a no-argument constructor or a function returning a connector.`,
      );
    }
    const create = toCreate(exported as ConnectorFactory);
    const probe = probeConnector(create, `export ${JSON.stringify(connector.export)} of ${modulePath} (${at})`);
    return {
      info: {
        class: connector.class,
        type: probe.type,
        version: probe.version,
        aliases: [...connector.aliases],
        plugin: manifest.name,
        location: manifest.dir,
      },
      names: [connector.class, ...connector.aliases],
      create,
    };
  }
}

function addEntry(table: Table, entry: Entry): void {
  table.byClass.set(entry.info.class, entry);
  for (const n of entry.names) table.byName.set(n, entry);
}

function copyInfo(info: PluginInfo): PluginInfo {
  return { ...info, aliases: [...info.aliases] };
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v)})`;
}

/**
 * Classes are constructed with `new`; anything else is called as a factory. A pre-ES2015 constructor
 * function (methods on its prototype) is also constructed, because calling it without `new` would
 * write to the global object instead of a new connector.
 */
function toCreate(factory: ConnectorFactory): () => Connector {
  const fn = factory as unknown as { prototype?: object };
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(factory));
  const hasPrototypeMethods = fn.prototype !== undefined && Object.getOwnPropertyNames(fn.prototype).some((n) => n !== 'constructor');
  if (isClass || hasPrototypeMethods) return () => new (factory as new () => Connector)();
  return () => (factory as () => Connector)();
}

/** Instantiates once to read type and version and to prove the export really is a connector. */
function probeConnector(create: () => Connector, where: string): { type: 'source' | 'sink'; version: string } {
  let instance: unknown;
  try {
    instance = create();
  } catch (err) {
    throw new ConnectError('PLUGIN_LOAD_FAILED', `Creating a connector from ${where} threw: ${(err as Error)?.message ?? String(err)}. The constructor or factory must succeed without arguments.`, { cause: err });
  }
  if (instance === null || typeof instance !== 'object') {
    throw new ConnectError('PLUGIN_LOAD_FAILED', `${where} produced ${describe(instance)}, not a connector object; return a SourceConnector or SinkConnector (see docs/plugin-guide.md).`);
  }
  const c = instance as Record<string, unknown>;
  const problems: string[] = [];
  if (c['type'] !== 'source' && c['type'] !== 'sink') problems.push(`"type" is ${JSON.stringify(c['type'])} but must be "source" or "sink"`);
  const missing = REQUIRED_METHODS.filter((m) => typeof c[m] !== 'function');
  if (missing.length > 0) problems.push(`it lacks the method(s) ${missing.map((m) => `${m}()`).join(', ')}`);
  if (problems.length > 0) {
    throw new ConnectError('PLUGIN_LOAD_FAILED', `${where} is not a connector: ${problems.join('; ')}. Implement SourceConnector or SinkConnector from tributary/spi.`);
  }
  let version: unknown;
  let config: unknown;
  try {
    version = (c['version'] as () => unknown).call(instance);
    config = (c['config'] as () => unknown).call(instance);
  } catch (err) {
    throw new ConnectError('PLUGIN_LOAD_FAILED', `${where}: version() or config() threw: ${(err as Error)?.message ?? String(err)}. Both must work before start().`, { cause: err });
  }
  if (typeof version !== 'string' || version === '') {
    throw new ConnectError('PLUGIN_LOAD_FAILED', `${where}: version() returned ${JSON.stringify(version)}; return a non-empty version string such as "1.0.0".`);
  }
  const cfg = config as { keys?: unknown; validate?: unknown } | null;
  if (cfg === null || typeof cfg !== 'object' || typeof cfg.keys !== 'function' || typeof cfg.validate !== 'function') {
    throw new ConnectError('PLUGIN_LOAD_FAILED', `${where}: config() must return a ConfigDef from tributary/spi, got ${describe(config)}.`);
  }
  return { type: c['type'] as 'source' | 'sink', version };
}
