/**
 * plainEnvelope (the decoder's hand-written check of the common envelope) accepts nothing the zod
 * envelope schema refuses, and gives the very object the schema would (fields, order, unknown ones
 * dropped); it takes the usual envelopes itself. Fuzzed from a seeded stream.
 */
import { describe, expect, it } from 'vitest';
import { envelopeSchema, messages, plainEnvelope } from '../../../../runtime/bus/messages.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';

const rng = new SeededRng('envelope-fuzz').stream('x');
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
const strOf = (n: number): string => 'x'.repeat(n);

function value(): unknown {
  return pick([
    undefined, null, 0, 1, -1, 1.5, 2 ** 60, 'a', '', strOf(128), strOf(129), strOf(255), strOf(256), strOf(512), strOf(513),
    true, [], ['r'], {}, { a: 1 },
  ]);
}

function envelope(): Record<string, unknown> {
  const good: Record<string, unknown> = {
    type: 'compute.build', v: 1, id: 'id-1', reqId: 'req-1', replyTo: 'cell/reply/x', corrId: 'c-1',
    context: { userId: 'u', projectId: 'p', roles: ['admin'] }, body: { a: [1, 2] },
  };
  const e: Record<string, unknown> = {};
  for (const k of Object.keys(good)) {
    const r = rng.next();
    if (r < 0.6) e[k] = good[k];
    else if (r < 0.75) continue;
    else if (k === 'context' && r < 0.9) e[k] = { userId: value(), projectId: pick(['p', value()]), ...(rng.next() < 0.5 ? { roles: pick([['a'], Array(65).fill('r'), Array(64).fill('r'), [1], 'a', [strOf(256)]]) } : {}), ...(rng.next() < 0.3 ? { extra: 1 } : {}) };
    else e[k] = value();
  }
  if (rng.next() < 0.2) e.extra = value();
  return rng.next() < 0.5 ? Object.fromEntries(Object.entries(e).reverse()) : e;
}

describe('plainEnvelope', () => {
  it('agrees with the zod envelope schema on 20,000 fuzzed envelopes', () => {
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = JSON.parse(JSON.stringify(envelope())) as unknown;
      const fast = plainEnvelope(x);
      if (fast === undefined) continue;
      taken++;
      const z = envelopeSchema.safeParse(x);
      expect(z.success, JSON.stringify(x)).toBe(true);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(z.data));
      expect(fast).toEqual(z.data);
    }
    expect(taken).toBeGreaterThan(500);
  });

  it('takes the usual envelope itself, and the decoder still explains a bad one', () => {
    const text = JSON.stringify({ type: 'reply', v: 1, id: 'i', corrId: 'c', body: { ok: true, result: 1 } });
    expect(plainEnvelope(JSON.parse(text))).toEqual({ type: 'reply', v: 1, id: 'i', corrId: 'c', body: { ok: true, result: 1 } });
    const bad = messages.decode(JSON.stringify({ type: 'reply', v: 0, id: 'i', body: {} }));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/bad envelope/);
    expect(messages.decode(text)).toEqual({ ok: true, msg: { type: 'reply', v: 1, id: 'i', corrId: 'c', body: { ok: true, result: 1 } } });
  });
});
