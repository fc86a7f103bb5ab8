// The streaming half of the Storage contract, shared by the local-disk unit test and the S3 integration
// test: ranged reads return exactly the bytes asked for, a file written in pieces appears whole at close and
// never after abort, and a missing file is NOT_FOUND.
import { expect } from 'vitest';
import type { Storage } from '../../plugins/hudi/storage/storage';
import { errorCode } from '../../runtime/spi';

/** Bytes whose every 4-byte word says where it is, so a misplaced range shows. */
export function patterned(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) b.writeUInt32BE(i, i);
  return b;
}

export async function checkStreamingContract(s: Storage, pieceSizes: number[]): Promise<void> {
  const whole = patterned(pieceSizes.reduce((n, x) => n + x, 0));
  const sink = await s.openWrite('p/streamed.parquet');
  let at = 0;
  for (const n of pieceSizes) {
    await sink.write(whole.subarray(at, at + n));
    at += n;
    // Not visible while it is being written.
    expect(await s.exists('p/streamed.parquet')).toBe(false);
  }
  expect(await sink.close()).toBe(whole.length);
  expect((await s.readFile('p/streamed.parquet')).equals(whole)).toBe(true);
  expect((await s.list('p')).map((f) => f.path)).toEqual(['p/streamed.parquet']);
  for (const [a, b] of [[0, 8], [5, 4099], [whole.length - 10, whole.length], [whole.length >> 1, (whole.length >> 1) + 65536]] as const) {
    const end = Math.min(b, whole.length);
    expect((await s.readRange('p/streamed.parquet', a, end)).equals(whole.subarray(a, end))).toBe(true);
  }
  expect((await s.readRange('p/streamed.parquet', 3, 3)).length).toBe(0);
  const dropped = await s.openWrite('p/dropped.parquet');
  await dropped.write(whole.subarray(0, pieceSizes[0]));
  await dropped.abort();
  expect(await s.exists('p/dropped.parquet')).toBe(false);
  expect((await s.list('p')).map((f) => f.path)).toEqual(['p/streamed.parquet']);
  let err: unknown;
  await s.readRange('p/missing.parquet', 0, 4).catch((e: unknown) => (err = e));
  expect(errorCode(err)).toBe('NOT_FOUND');
  // A writer that dies mid-stream neither closes nor aborts: discardPartial removes what it left.
  const interrupted = await s.openWrite('p/interrupted.parquet');
  at = 0;
  for (const n of pieceSizes) {
    await interrupted.write(whole.subarray(at, at + n));
    at += n;
  }
  await s.discardPartial('p/interrupted.parquet');
  await s.discardPartial('p/never-written.parquet');
  expect(await s.exists('p/interrupted.parquet')).toBe(false);
  expect((await s.list('p')).map((f) => f.path)).toEqual(['p/streamed.parquet']);
}
