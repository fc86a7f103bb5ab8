// What the file-backed stores of a standalone worker share: one JSON document `<dir>/<fileName>` held in
// memory, and the lifecycle new -> loaded -> closed. Reads and writes are allowed only while loaded; a
// closed store stays closed (load after close throws). Subclasses own the document's format.

import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { ConnectError } from '../spi';
import type { Logger } from '../spi';
import { JsonFile } from './json-file';

export interface JsonDocumentStoreOptions {
  /** Directory of the store's file; created if missing. */
  dir: string;
  logger?: Logger;
}

/** How a store names itself: its file, the words its errors use, and its log line after loading. */
export interface JsonDocumentStoreNaming {
  /** File name inside `dir`, e.g. `connectors.json`. */
  fileName: string;
  /** Subject of error messages, e.g. `config store`. */
  kind: string;
  /** Message of the info line logged after a successful load. */
  loadedMessage: string;
}

type StoreState = 'new' | 'loaded' | 'closed';

export abstract class JsonDocumentStore<Doc> {
  readonly dir: string;
  protected readonly file: JsonFile<Doc>;
  protected readonly logger: Logger | undefined;
  private readonly naming: JsonDocumentStoreNaming;
  private state: StoreState = 'new';

  protected constructor(options: JsonDocumentStoreOptions, naming: JsonDocumentStoreNaming) {
    this.dir = path.resolve(options.dir);
    this.file = new JsonFile<Doc>(path.join(this.dir, naming.fileName));
    this.logger = options.logger;
    this.naming = naming;
  }

  get path(): string {
    return this.file.path;
  }

  /** Creates the directory and reads the file (a missing file is an empty store). Throws on a closed store,
   *  an unreadable file or an invalid document; after a throw the store is not loaded. */
  async load(): Promise<void> {
    if (this.state === 'closed') throw this.closedError();
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (err) {
      throw new ConnectError('INTERNAL', `cannot create ${this.naming.kind} directory ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
    const doc = await this.file.read();
    const connectors = this.restore(doc);
    this.state = 'loaded';
    this.logger?.info({ path: this.file.path, connectors }, this.naming.loadedMessage);
  }

  /** Waits for writes already requested; later calls throw. Closing twice is a no-op. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.file.idle();
  }

  /**
   * Replaces the in-memory state with `doc` as read from disk (undefined: no file yet). Throws if the
   * document is invalid, naming the file. Returns the number of connectors it holds, for the log line.
   */
  protected abstract restore(doc: unknown): number;

  /** Call first in every read and write. */
  protected ensureLoaded(): void {
    if (this.state === 'closed') throw this.closedError();
    if (this.state === 'new') throw new ConnectError('ILLEGAL_STATE', `${this.naming.kind} ${this.file.path} is not loaded; call load() first`);
  }

  private closedError(): ConnectError {
    return new ConnectError('ILLEGAL_STATE', `${this.naming.kind} ${this.file.path} is closed`);
  }
}
