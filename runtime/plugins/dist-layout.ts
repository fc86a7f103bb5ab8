// Where the compiled runtime lives, seen from this file. Plugins are plain CommonJS and can only load
// compiled JavaScript, so even when the runtime itself runs from TypeScript sources (vitest), the SPI
// module plugins get and the built-in plugins live under `<repo>/dist` (tests build first).
// Invariant: from dist (`dist/runtime/plugins/dist-layout.js`) and from source
// (`runtime/plugins/dist-layout.ts`) these functions name the same files.

import * as path from 'node:path';

/** True when this module runs from its TypeScript source rather than from dist/. */
export function runningFromSource(): boolean {
  return __filename.endsWith('.ts');
}

/** The dist/ directory of the running runtime. */
export function distRoot(): string {
  return runningFromSource() ? path.resolve(__dirname, '..', '..', 'dist') : path.resolve(__dirname, '..', '..');
}

/** The compiled SPI entry point (`dist/runtime/spi/index.js`) that `tributary/spi` resolves to. */
export function spiModulePath(): string {
  return path.join(distRoot(), 'runtime', 'spi', 'index.js');
}

/** The directory holding the compiled built-in plugins (`dist/plugins`), one plugin package per subdirectory. */
export function builtinPluginsPath(): string {
  return path.join(distRoot(), 'plugins');
}
