/** Stable compute node uuids: derived from the cell and host name, so a restarted host keeps its provider. */
import { createHash } from 'node:crypto';

export function nodeUuidFor(cell: string, host: string): string {
  const h = createHash('sha256').update(`compute-node:${cell}:${host}`).digest('hex');
  // Joined, not a template of slices: a template keeps a rope of eleven pieces and the whole 64-digit
  // digest alive for as long as the uuid lives (~350 bytes against ~56 flat; one per host, 10^5 of them
  // in the simulator).
  return [h.slice(0, 8), h.slice(8, 12), `4${h.slice(13, 16)}`, `${'89ab'[parseInt(h[16]!, 16) & 3]}${h.slice(17, 20)}`, h.slice(20, 32)].join('-');
}
