/**
 * Instance updates of one batch, less those a later update in the same batch supersedes: same
 * instance, same cell, higher version. The parent applies a batch in order and keeps the highest version
 * per cell, so it ends with the same copy either way; the batch carries (and every hop up copies) fewer
 * records. An update from another cell, or not newer, is kept: a move between cells resolves by order.
 */
import type { InstanceState } from '../messages.ts';

export function latestUpdates(all: InstanceState[]): InstanceState[] {
  if (all.length < 2) return all;
  const lastAt = new Map<string, number>();
  for (let i = 0; i < all.length; i++) lastAt.set(all[i]!.uuid, i);
  if (lastAt.size === all.length) return all;
  return all.filter((u, i) => {
    const last = all[lastAt.get(u.uuid)!]!;
    return last === u || last.cell !== u.cell || last.version <= u.version;
  });
}
