// Worker-thread side of the encoder pool: receives an Arrow IPC stream (built and validated on the main
// thread), encodes it with encodeArrowIpc and transfers the Parquet bytes back. One job at a time; the
// pool queues. Runs only as compiled JavaScript (dist/plugins/hudi/parquet/encoder-worker.js).

import { parentPort } from 'node:worker_threads';
import type { ColumnSpec } from './column-spec';
import type { EncodeOptions } from './encode-options';
import { tableFromIPC } from 'apache-arrow';
import type { BloomPart } from '../index/bloom-filter';
import { bloomPartBuffers, type BloomPartRequest } from '../index/bloom-part';
import { bloomPartOfTable, encodeArrowIpc } from './parquet-codec';

export interface EncodeJob {
  id: number;
  columns: ColumnSpec[];
  ipc: Uint8Array;
  options: EncodeOptions;
  /** Also hash the record keys into a bloom filter part (bloom-part.ts). */
  bloom?: BloomPartRequest;
}

export type EncodeReply = { id: number; ok: true; data: Uint8Array; bloom?: BloomPart } | { id: number; ok: false; name: string; message: string; stack?: string };

const port = parentPort;
if (port !== null) {
  port.on('message', (job: EncodeJob) => {
    let reply: EncodeReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const bloom = job.bloom === undefined ? undefined : bloomPartOfTable(tableFromIPC(job.ipc), job.bloom);
      let data = encodeArrowIpc(job.columns, job.ipc, job.options);
      // Transfer rather than copy; a view into a larger buffer is copied first so only the file moves.
      if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || !(data.buffer instanceof ArrayBuffer)) data = data.slice();
      reply = { id: job.id, ok: true, data, ...(bloom !== undefined ? { bloom } : {}) };
      transfer = [data.buffer as ArrayBuffer, ...(bloom !== undefined ? bloomPartBuffers(bloom) : [])];
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      reply = { id: job.id, ok: false, name: e.name, message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}) };
    }
    port.postMessage(reply, transfer);
  });
}
