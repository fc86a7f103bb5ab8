// Which queue a keyed message goes to; shared by every transport so a key keeps its queue whichever
// transport a worker uses.

/**
 * Queue of a keyed message: FNV-1a (32-bit) of the key's UTF-8 bytes, modulo the queue count.
 * Part of the on-disk contract: changing it would route a key to another queue and break per-key order
 * for topics that already hold data.
 */
export function queueForKey(key: string, queueCount: number): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(key, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % queueCount;
}
