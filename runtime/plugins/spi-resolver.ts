// Makes `require('tributary/spi')` (and `require('tributary')`) inside any plugin, wherever it is
// installed, return the SPI module of the runtime that is loading it — the way VS Code hands its
// `vscode` module to extensions. Invariant: one process, one SPI module instance for all plugins;
// the patch is installed at most once and never replaced.

import Module from 'node:module';
import { spiModulePath } from './dist-layout';

/** The bare specifiers a plugin may use for the SPI. */
export const SPI_SPECIFIERS: readonly string[] = ['tributary/spi', 'tributary'];

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, ...rest: unknown[]) => string;

// Symbol.for (not a module-local Symbol) so that two copies of this file in one process — the
// TypeScript source under vitest and the compiled copy in dist — recognise each other's patch.
const MARK = Symbol.for('tributary.spi-resolver');

interface MarkedResolve extends ResolveFilename {
  [MARK]?: { target: string };
}

interface ModuleInternals {
  _resolveFilename: MarkedResolve;
}

/** The SPI file the patch resolves to, or undefined when no patch is installed in this process. */
export function installedSpiTarget(): string | undefined {
  return (Module as unknown as ModuleInternals)._resolveFilename[MARK]?.target;
}

/**
 * Installs the resolver patch (idempotent) and returns the file `tributary/spi` resolves to.
 *
 * Why a patch of Module._resolveFilename: a plugin is a package anywhere on disk with its own
 * node_modules; it may have no copy of tributary at all, or an older one. Resolving the SPI through
 * normal lookup would either fail or load a second copy with its own classes and its own
 * ConfigDef, which the runtime could not treat as its own. Intercepting the two bare specifiers
 * before Node's lookup gives every plugin this runtime's SPI and leaves every other request alone.
 * It only affects CommonJS `require`; plugins are CommonJS packages (see docs/plugin-guide.md).
 * Plugins still must not use `instanceof` with SPI classes: errors carry `code` and `retriable`.
 */
export function installSpiResolver(target: string = spiModulePath()): string {
  const internals = Module as unknown as ModuleInternals;
  const current = internals._resolveFilename;
  const existing = current[MARK];
  // First installation wins: swapping the SPI under already-loaded plugins would split them between
  // two module instances.
  if (existing) return existing.target;

  const original = current;
  const patched: MarkedResolve = function (this: unknown, request: string, parent: unknown, isMain: boolean, ...rest: unknown[]): string {
    if (request === 'tributary/spi' || request === 'tributary') return target;
    return original.call(this, request, parent, isMain, ...rest);
  };
  patched[MARK] = { target };
  internals._resolveFilename = patched;
  return target;
}
