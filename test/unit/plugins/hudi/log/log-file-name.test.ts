import { describe, expect, it } from 'vitest';
import { logFileName, newWriteToken, parseLogFileName } from '../../../../../plugins/hudi/log/log-file-name';

describe('log-file-name', () => {
  it('logFileName builds Hudi names and parseLogFileName reads them back', () => {
    const n = { fileId: 'ff32ab89-5ad0-4968-83b4-89a34c95d32f-0', baseInstant: '20250316025816068', version: 1, writeToken: '0-54-122' };
    const name = logFileName(n);
    expect(name).toBe('.ff32ab89-5ad0-4968-83b4-89a34c95d32f-0_20250316025816068.log.1_0-54-122');
    expect(parseLogFileName(name)).toEqual(n);
  });

  it('parseLogFileName accepts what Hudi 0.15 LOG_FILE_PATTERN accepts', () => {
    expect(parseLogFileName('.f1_001.log.12_1-2-3.cdc')).toEqual({ fileId: 'f1', baseInstant: '001', version: 12, writeToken: '1-2-3', cdc: true });
    expect(parseLogFileName('.commits_.archive.3_1-0-1')).toEqual({ fileId: 'commits', baseInstant: '', version: 3, writeToken: '1-0-1', extension: 'archive' });
    // Legacy names without a write token, and file ids holding "_" (Hudi's greedy group takes up to the last "_").
    expect(parseLogFileName('.f1_001.log.2')).toEqual({ fileId: 'f1', baseInstant: '001', version: 2, writeToken: '' });
    expect(parseLogFileName('.a_b_001.log.1_1-2-3')).toEqual({ fileId: 'a_b', baseInstant: '001', version: 1, writeToken: '1-2-3' });
  });

  it('parseLogFileName refuses base files, other extensions and malformed tokens', () => {
    for (const name of ['f1_1-2-3_001.parquet', 'f1_001.log.1_1-2-3', '.f1_001.log.x_1-2-3', '.f1_001.log.1_1-2', '.f1_001.log.1_a-2-3', '.f1_001.log.1_1-2-3.tmp', '.f1_001.hfile.1_1-2-3']) {
      expect(parseLogFileName(name), name).toBeUndefined();
    }
  });

  it('logFileName refuses a token or version Hudi would not parse', () => {
    expect(() => logFileName({ fileId: 'f', baseInstant: '001', version: 1, writeToken: 'abc' })).toThrow(/write token "abc"/);
    expect(() => logFileName({ fileId: 'f', baseInstant: '001', version: 0, writeToken: '1-2-3' })).toThrow(/log version 0/);
  });

  it('newWriteToken is of Hudi shape and differs between calls', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newWriteToken()));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^\d+-\d+-\d+$/);
    const name = logFileName({ fileId: 'f', baseInstant: '001', version: 1, writeToken: [...tokens][0]! });
    expect(parseLogFileName(name)?.writeToken).toBe([...tokens][0]);
  });
});
