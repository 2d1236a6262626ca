/**
 * The parts many instance records have in common, shared: a million servers hold a handful of flavors
 * and images and mostly empty metadata, not a million copies of each (~450 B per record, measured on a
 * 10,000-host simulation). A shared part is a frozen copy, so code that changed one in place would
 * throw instead of changing every record that shares it (records are replaced, never changed in
 * place), and one the in-process bus need not copy (markWireSafe). The pools are bounded: past
 * POOL_LIMIT distinct values a part is kept as it came.
 */
import { markWireSafe } from '../../runtime/bus/json-copy.ts';
import type { Flavor } from './flavor.ts';
import type { Image } from './image.ts';

export const POOL_LIMIT = 1000;

const EMPTY: Readonly<Record<string, never>> = Object.freeze({});
markWireSafe(EMPTY);

class Pool<T extends { id: string }> {
  /** Per id, the distinct values seen (a flavor's extra specs or an image's properties may differ). */
  private readonly byId = new Map<string, T[]>();
  private size = 0;

  /** The shared copy of `v`; `held`, the part its record had so far, is taken as it is when equal. */
  share(v: T, held?: T): T {
    if (held !== undefined && Object.isFrozen(held) && sameValue(v, held)) return held;
    const known = this.byId.get(v.id);
    if (known) for (const k of known) if (sameValue(v, k)) return k;
    if (this.size >= POOL_LIMIT) return v;
    const frozen = deepFreeze(structuredClone(v));
    // The simulator's in-process bus then hands it over instead of copying it into every message.
    markWireSafe(frozen);
    if (known) known.push(frozen);
    else this.byId.set(v.id, [frozen]);
    this.size++;
    return frozen;
  }
}

/** Equal as JSON values (the parts are plain data: strings, numbers, booleans, records of them). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

const flavors = new Pool<Flavor>();
const images = new Pool<Image>();

export function sharedFlavor(f: Flavor, held?: Flavor): Flavor {
  return flavors.share(f, held);
}

export function sharedImage(i: Image, held?: Image): Image {
  return images.share(i, held);
}

/** An empty record (metadata, system metadata, extra) as the one frozen empty object; others as they are. */
export function sharedIfEmpty<T extends Record<string, unknown>>(r: T): T {
  for (const _ in r) return r;
  return EMPTY as T;
}
