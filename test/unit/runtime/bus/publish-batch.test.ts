/**
 * PublishBatcher: what one turn publishes to a topic leaves as one message (a JSON array of the texts,
 * in order; one text alone as it is), per topic; a later turn is a new batch; the caps split a batch;
 * every promise settles with its message's acknowledgement.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_CHARS, MAX_BATCH_ENVELOPES, PublishBatcher } from '../../../../runtime/bus/mqtt/publish-batch.ts';

function wire() {
  const sent: { topic: string; text: string; done: (err?: Error) => void }[] = [];
  const b = new PublishBatcher((topic, text, done) => sent.push({ topic, text, done }));
  return { b, sent };
}
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const env = (n: number): string => JSON.stringify({ type: 't', v: 1, id: `m${n}`, body: { n } });

describe('PublishBatcher', () => {
  it('sends a turn\'s texts per topic as one JSON array, in order, and a single text as it is', async () => {
    const { b, sent } = wire();
    void b.publish('a', env(1));
    void b.publish('b', env(2));
    await Promise.resolve();
    void b.publish('a', env(3));
    expect(sent).toEqual([]);
    await turn();
    expect(sent.map((s) => s.topic)).toEqual(['a', 'b']);
    expect(JSON.parse(sent[0]!.text)).toEqual([JSON.parse(env(1)), JSON.parse(env(3))]);
    expect(sent[1]!.text).toBe(env(2));
    void b.publish('a', env(4));
    await turn();
    expect(sent).toHaveLength(3);
    expect(sent[2]!.text).toBe(env(4));
  });

  it('settles each promise with its message\'s acknowledgement, and rejects a failed message\'s all', async () => {
    const { b, sent } = wire();
    const settled: string[] = [];
    const p = [1, 2].map((n) => b.publish('a', env(n)).then(() => settled.push(`ok${n}`), (e: Error) => settled.push(`${e.message}${n}`)));
    const q = b.publish('b', env(3)).then(() => settled.push('ok3'), (e: Error) => settled.push(`${e.message}3`));
    await turn();
    expect(settled).toEqual([]);
    sent[1]!.done();
    sent[0]!.done(new Error('lost'));
    await Promise.all([...p, q]);
    expect(settled.sort()).toEqual(['lost1', 'lost2', 'ok3']);
  });

  it('splits a turn that exceeds the envelope or size cap, keeping the order', async () => {
    const { b, sent } = wire();
    const n = MAX_BATCH_ENVELOPES + 5;
    for (let i = 0; i < n; i++) void b.publish('a', env(i));
    const big = 'x'.repeat(MAX_BATCH_CHARS - 2);
    void b.publish('big', big);
    void b.publish('big', '"y"');
    await turn();
    const a = sent.filter((s) => s.topic === 'a');
    expect(a).toHaveLength(2);
    const got = a.flatMap((s) => (s.text.startsWith('[') ? (JSON.parse(s.text) as { body: { n: number } }[]) : [JSON.parse(s.text)]));
    expect(got.map((e: { body: { n: number } }) => e.body.n)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(sent.filter((s) => s.topic === 'big').map((s) => s.text)).toEqual([big, '"y"']);
  });

  it('flushNow publishes at once what the turn queued, and the turn\'s end adds nothing', async () => {
    const { b, sent } = wire();
    void b.publish('a', env(1));
    b.flushNow();
    expect(sent).toHaveLength(1);
    await turn();
    expect(sent).toHaveLength(1);
  });
});
