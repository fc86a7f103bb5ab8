// Off-main-thread Parquet encoding: the main thread converts rows to Arrow (validating them, so a bad value
// still fails the caller with ColumnValueError) and serializes to IPC; a small pool of worker threads runs
// the encoder. With two cores, the second one encodes file N while the main thread converts file N+1 —
// provided the caller starts the next encode before awaiting the previous one.
// Invariants: results resolve per call regardless of completion order; a crashed worker fails only its own
// jobs and is replaced on next use; close() rejects what is still queued. Where no compiled worker script
// exists (TypeScript sources without a build), the pool encodes in-thread with the same results.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { tableToIPC, type Table } from 'apache-arrow';
import type { ColumnSpec, Row } from './column-spec';
import { checkEncodeOptions, type EncodeOptions } from './encode-options';
import type { EncodeJob, EncodeReply } from './encoder-worker';
import type { BloomPart } from '../index/bloom-filter';
import type { BloomPartRequest } from '../index/bloom-part';
import { encodeParquet, encodeWithBloomPart, toArrowTable, withDictionaryChoice } from './parquet-codec';

export interface EncoderPoolOptions {
  /** Worker threads (default 1: the main thread converts, one worker encodes). 0 = encode in-thread. */
  workers?: number;
  /** Compiled encoder-worker.js; default: next to this module, else under the repository's dist/. */
  workerScript?: string;
}

interface Pending {
  resolve: (reply: { data: Uint8Array; bloom?: BloomPart }) => void;
  reject: (err: Error) => void;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  private worker: Worker | undefined;

  constructor(private readonly script: string) {}

  get load(): number {
    return this.pending.size;
  }

  submit(job: EncodeJob, pending: Pending): void {
    const w = this.ensure();
    this.pending.set(job.id, pending);
    w.ref(); // keep the process alive while a job is out
    w.postMessage(job, [job.ipc.buffer as ArrayBuffer]);
  }

  async terminate(reason: Error): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(reason);
    if (w) await w.terminate();
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script);
    w.on('message', (reply: EncodeReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) w.unref();
      if (reply.ok) p.resolve(reply);
      else {
        const err = new Error(reply.message);
        err.name = reply.name;
        if (reply.stack !== undefined) err.stack = reply.stack;
        p.reject(err);
      }
    });
    w.on('error', (err: Error) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(new Error(`Parquet encoder worker failed: ${err.message}`, { cause: err }));
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(new Error(`Parquet encoder worker exited with code ${code}`));
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}

/** The compiled worker script, or undefined when only TypeScript sources exist (e.g. under vitest without a build). */
export function defaultWorkerScript(): string | undefined {
  const candidates = [
    path.join(__dirname, 'encoder-worker.js'),
    // Running from sources (plugins/hudi/parquet/*.ts): the build's copy.
    path.resolve(__dirname, '..', '..', '..', 'dist', 'plugins', 'hudi', 'parquet', 'encoder-worker.js'),
  ];
  return candidates.find((p) => fs.existsSync(p));
}

export class EncoderPool {
  /** 'worker': encoding runs on worker threads; 'in-thread': no workers (configured 0, or no compiled script). */
  readonly mode: 'worker' | 'in-thread';
  private readonly workers: PoolWorker[];
  private nextId = 1;
  private closed = false;

  constructor(options: EncoderPoolOptions = {}) {
    const count = options.workers ?? 1;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`workers must be a non-negative integer, got ${count}`);
    const script = options.workerScript ?? defaultWorkerScript();
    if (options.workerScript !== undefined && !fs.existsSync(options.workerScript)) {
      throw new Error(`encoder worker script ${options.workerScript} does not exist; build with npm run build`);
    }
    this.workers = count > 0 && script !== undefined ? Array.from({ length: count }, () => new PoolWorker(script)) : [];
    this.mode = this.workers.length > 0 ? 'worker' : 'in-thread';
  }

  /** Same contract as encodeParquet, asynchronous. Validation errors (ColumnValueError) reject before any thread hop. */
  async encode(columns: readonly ColumnSpec[], data: readonly Row[] | Table, options: EncodeOptions = {}): Promise<Uint8Array> {
    if (this.closed) throw new Error('encoder pool is closed');
    checkEncodeOptions(options);
    if (this.mode === 'in-thread') return encodeParquet(columns, data, options);
    return (await this.submit(columns, data, options, undefined)).data;
  }

  /** encode, and the rows' record keys hashed into a bloom filter part on the worker (bloom-part.ts). */
  async encodeWithBloomPart(columns: readonly ColumnSpec[], rows: readonly Row[], options: EncodeOptions, bloom: BloomPartRequest): Promise<{ data: Uint8Array; bloom: BloomPart }> {
    if (this.closed) throw new Error('encoder pool is closed');
    checkEncodeOptions(options);
    if (this.mode === 'in-thread') return encodeWithBloomPart(columns, rows, options, bloom);
    const reply = await this.submit(columns, rows, options, bloom);
    if (reply.bloom === undefined) throw new Error('encoder worker returned no bloom filter part');
    return { data: reply.data, bloom: reply.bloom };
  }

  private submit(columns: readonly ColumnSpec[], data: readonly Row[] | Table, options: EncodeOptions, bloom: BloomPartRequest | undefined): Promise<{ data: Uint8Array; bloom?: BloomPart }> {
    const ipc = tableToIPC(toArrowTable(columns, data), 'stream');
    const worker = this.workers.reduce((a, b) => (b.load < a.load ? b : a));
    const job: EncodeJob = { id: this.nextId++, columns: [...columns], ipc: ownBuffer(ipc), options: withDictionaryChoice(columns, data, options), ...(bloom !== undefined ? { bloom } : {}) };
    return new Promise((resolve, reject) => worker.submit(job, { resolve, reject }));
  }

  /** Stops the workers; encodes still queued reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate(new Error('encoder pool closed'))));
  }
}

/** A view covering its whole ArrayBuffer, so the buffer can be transferred without moving unrelated bytes. */
function ownBuffer(u: Uint8Array): Uint8Array {
  return u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && u.buffer instanceof ArrayBuffer ? u : u.slice();
}
