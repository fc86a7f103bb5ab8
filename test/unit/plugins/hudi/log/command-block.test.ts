import { describe, expect, it } from 'vitest';
import { decodeCommandBlock, encodeRollbackBlock } from '../../../../../plugins/hudi/log/command-block';
import { decodeLogFile } from '../../../../../plugins/hudi/log/log-block';

describe('command-block', () => {
  it('encodeRollbackBlock then decodeCommandBlock gives the rollback and its target, with empty content', () => {
    const [block] = decodeLogFile(encodeRollbackBlock({ instantTime: '20240101000000005', targetInstantTime: '20240101000000001' }));
    expect(block!.type).toBe('command');
    expect(block!.content.length).toBe(0);
    expect(block!.header).toEqual({ INSTANT_TIME: '20240101000000005', TARGET_INSTANT_TIME: '20240101000000001', COMMAND_BLOCK_TYPE: '0' });
    expect(decodeCommandBlock(block!)).toEqual({ command: 'ROLLBACK_BLOCK', instantTime: '20240101000000005', targetInstantTime: '20240101000000001', header: block!.header });
  });

  it('decodeCommandBlock refuses a command type Hudi does not define', () => {
    const [block] = decodeLogFile(encodeRollbackBlock({ instantTime: '2', targetInstantTime: '1', header: {} }));
    expect(() => decodeCommandBlock({ ...block!, header: { ...block!.header, COMMAND_BLOCK_TYPE: '1' } })).toThrow(/COMMAND_BLOCK_TYPE "1"/);
  });
});
