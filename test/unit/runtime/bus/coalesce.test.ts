/**
 * coalesceWrites: what one turn of the event loop writes (across several callbacks and ticks) reaches
 * the stream's writev once, in order, at the check phase; a later turn is a new batch; end() flushes.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../../../runtime/bus/mqtt/coalesce.ts';

function sink(): { stream: Writable; batches: string[][] } {
  const batches: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      batches.push([chunk.toString()]);
      cb();
    },
    writev(chunks, cb) {
      batches.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      cb();
    },
  });
  return { stream, batches };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('coalesceWrites', () => {
  it('sends what a turn wrote, across ticks and microtasks, as one batch', async () => {
    const { stream, batches } = sink();
    coalesceWrites(stream);
    stream.write('a');
    process.nextTick(() => stream.write('b'));
    await Promise.resolve();
    stream.write('c');
    expect(batches).toEqual([]);
    await turn();
    expect(batches.flat().sort()).toEqual(['a', 'b', 'c']);
    expect(batches).toHaveLength(1);
    stream.write('d');
    await turn();
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual(['d']);
  });

  it('keeps the order of writes', async () => {
    const { stream, batches } = sink();
    coalesceWrites(stream);
    for (let i = 0; i < 5; i++) stream.write(String(i));
    await turn();
    expect(batches).toEqual([['0', '1', '2', '3', '4']]);
  });

  it('end() flushes what is held, and a wrapped stream is not wrapped twice', async () => {
    const { stream, batches } = sink();
    coalesceWrites(stream);
    coalesceWrites(stream);
    stream.write('x');
    stream.end('y');
    await turn();
    expect(batches.flat()).toEqual(['x', 'y']);
    expect(stream.writableCorked).toBe(0);
  });
});
