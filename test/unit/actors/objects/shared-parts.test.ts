/**
 * Shared record parts: equal flavors and images come back as one frozen copy (the caller's object is
 * neither kept nor frozen), an empty record as the one frozen empty object, a held part is reused when
 * equal, and past the pool's limit a part is kept as it came.
 */
import { describe, expect, it } from 'vitest';
import { POOL_LIMIT, sharedFlavor, sharedIfEmpty, sharedImage, type Flavor } from '../../../../actors/objects/index.ts';

const flavor = (id: string, extraSpecs: Record<string, string> = {}): Flavor => ({
  id, name: `f${id}`, vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs,
});

describe('shared record parts', () => {
  it('gives equal flavors one frozen copy, and leaves the caller\'s object alone', () => {
    const a = flavor('shared-1', { 'hw:cpu_policy': 'dedicated' });
    const b = flavor('shared-1', { 'hw:cpu_policy': 'dedicated' });
    const sa = sharedFlavor(a);
    expect(sharedFlavor(b)).toBe(sa);
    expect(sa).not.toBe(a);
    expect(sa).toEqual(a);
    expect(Object.isFrozen(sa) && Object.isFrozen(sa.extraSpecs)).toBe(true);
    expect(Object.isFrozen(a)).toBe(false);
    expect(() => {
      (sa.extraSpecs as Record<string, string>)['x'] = 'y';
    }).toThrow(TypeError);
    // A different extra spec is a different part.
    expect(sharedFlavor(flavor('shared-1', { 'hw:cpu_policy': 'shared' }))).not.toBe(sa);
  });

  it('reuses the part a record held when the new one is equal, and not when it differs', () => {
    const held = sharedImage({ id: 'img-held', properties: { hw_architecture: 'x86_64' } });
    expect(sharedImage({ id: 'img-held', properties: { hw_architecture: 'x86_64' } }, held)).toBe(held);
    const other = sharedImage({ id: 'img-held', properties: { hw_architecture: 'aarch64' } }, held);
    expect(other).not.toBe(held);
    expect(other.properties).toEqual({ hw_architecture: 'aarch64' });
    // A held part that is not a shared one is not trusted as such.
    const loose = { id: 'img-loose', properties: {} };
    expect(sharedImage({ id: 'img-loose', properties: {} }, loose)).not.toBe(loose);
  });

  it('shares empty records only', () => {
    const e1 = sharedIfEmpty({});
    expect(sharedIfEmpty({})).toBe(e1);
    expect(Object.isFrozen(e1)).toBe(true);
    const full = { k: 'v' };
    expect(sharedIfEmpty(full)).toBe(full);
  });

  it('keeps parts as they came once the pool holds POOL_LIMIT distinct ones', () => {
    for (let i = 0; i < POOL_LIMIT; i++) sharedFlavor(flavor(`fill-${i}`));
    const late = flavor('after-the-limit');
    expect(sharedFlavor(late)).toBe(late);
    expect(Object.isFrozen(late)).toBe(false);
  });
});
