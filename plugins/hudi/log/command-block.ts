// COMMAND_BLOCK (HoodieCommandBlock): no content, only a header. The one command Hudi defines, ROLLBACK_BLOCK
// (COMMAND_BLOCK_TYPE "0"), tells readers to drop the blocks of TARGET_INSTANT_TIME written earlier in the file
// slice's logs; INSTANT_TIME is the rollback's own instant.

import { encodeLogBlock, LogFormatError, type LogBlock, type LogBlockMetadata } from './log-block';

/** HoodieCommandBlock.HoodieCommandBlockTypeEnum, by ordinal. */
export const COMMAND_BLOCK_TYPES = ['ROLLBACK_BLOCK'] as const;
export type CommandBlockType = (typeof COMMAND_BLOCK_TYPES)[number];

export interface CommandBlock {
  command: CommandBlockType;
  instantTime: string;
  targetInstantTime: string;
  header: LogBlockMetadata;
}

/** A whole ROLLBACK_BLOCK command block (framing included) undoing `targetInstantTime`'s blocks. */
export function encodeRollbackBlock(input: { instantTime: string; targetInstantTime: string; header?: LogBlockMetadata }): Buffer {
  return encodeLogBlock({
    type: 'command',
    header: { ...input.header, INSTANT_TIME: input.instantTime, TARGET_INSTANT_TIME: input.targetInstantTime, COMMAND_BLOCK_TYPE: String(COMMAND_BLOCK_TYPES.indexOf('ROLLBACK_BLOCK')) },
    content: Buffer.alloc(0),
  });
}

export function decodeCommandBlock(block: LogBlock): CommandBlock {
  if (block.type !== 'command') throw new LogFormatError(`block at offset ${block.offset} is a ${block.type} block, not command`);
  const { INSTANT_TIME: instantTime, TARGET_INSTANT_TIME: targetInstantTime, COMMAND_BLOCK_TYPE: typeText } = block.header;
  const command = typeText !== undefined && /^\d+$/.test(typeText) ? COMMAND_BLOCK_TYPES[Number(typeText)] : undefined;
  if (command === undefined) throw new LogFormatError(`command block at offset ${block.offset} has COMMAND_BLOCK_TYPE ${JSON.stringify(typeText)}; Hudi defines only 0 (ROLLBACK_BLOCK)`);
  if (instantTime === undefined || targetInstantTime === undefined) throw new LogFormatError(`command block at offset ${block.offset} has no ${instantTime === undefined ? 'INSTANT_TIME' : 'TARGET_INSTANT_TIME'} header`);
  return { command, instantTime, targetInstantTime, header: block.header };
}
