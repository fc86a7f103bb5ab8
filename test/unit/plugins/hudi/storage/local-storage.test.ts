// LocalStorage's streaming reads and writes (what row-group streaming merges rely on) on a real directory.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../../../plugins/hudi/storage/local-storage';
import { checkStreamingContract } from '../../../../helpers/storage-streaming';

describe('LocalStorage streaming', () => {
  it('readRange, openWrite and discardPartial keep the streaming contract, leaving no temporary file behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-storage-'));
    const s = new LocalStorage(dir);
    await checkStreamingContract(s, [1, 4096, 100_000, 3]);
    expect(readdirSync(path.join(dir, 'p'))).toEqual(['streamed.parquet']);
  });

  it('readRange past the end of the file fails naming the file and the offset', async () => {
    const s = new LocalStorage(mkdtempSync(path.join(tmpdir(), 'local-storage-')));
    await s.writeFile('f.bin', Buffer.alloc(10));
    await expect(s.readRange('f.bin', 5, 20)).rejects.toThrow(/file f\.bin in .* ends before byte 20/);
  });
});
