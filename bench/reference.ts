/**
 * References every bench measures in the same run as its own figures, so results from different
 * (or differently loaded) machines compare as ratios:
 * - referencePassMicros: one plain loop reading three fields of 1,000 objects (the scheduler's unit);
 * - aedesRoundTripsPerSecond: a bare aedes broker on loopback and two mqtt.js clients, one QoS 1
 *   publish at a time, timed from publish to delivery at the subscriber (the bus benches' unit).
 */
import net from 'node:net';
import { boundPort } from '../runtime/http/bound-port.ts';
import { performance } from 'node:perf_hooks';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';

/** Median over 200 rounds of 20 passes: microseconds for one pass over 1,000 objects. */
export function referencePassMicros(): number {
  const objs = Array.from({ length: 1000 }, (_, i) => ({ a: 131072, b: i, c: 512 }));
  const out = new Float64Array(objs.length);
  const times: number[] = [];
  for (let r = 0; r < 200; r++) {
    const t0 = performance.now();
    for (let k = 0; k < 20; k++) for (let i = 0; i < objs.length; i++) out[i] = objs[i]!.a - objs[i]!.b - objs[i]!.c;
    times.push(((performance.now() - t0) * 1000) / 20);
  }
  return times.sort((a, b) => a - b)[times.length >> 1]!;
}

/** Sequential QoS 1 round trips through a bare aedes for `ms` milliseconds (after a warm-up). */
export async function aedesRoundTripsPerSecond(ms = 1500): Promise<number> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer({ noDelay: true }, aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `mqtt://127.0.0.1:${boundPort(server)}`;
  const sub = await connectAsync(url, { clientId: 'ref-sub' });
  const pub = await connectAsync(url, { clientId: 'ref-pub' });
  await sub.subscribeAsync('ref/rt', { qos: 1 });
  let arrived: (() => void) | null = null;
  sub.on('message', () => arrived?.());
  const payload = Buffer.alloc(256, 120);
  const once = async (): Promise<void> => {
    const got = new Promise<void>((r) => (arrived = r));
    await pub.publishAsync('ref/rt', payload, { qos: 1 });
    await got;
  };
  for (let i = 0; i < 200; i++) await once();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await once();
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  await Promise.all([sub.endAsync(true), pub.endAsync(true)]);
  await new Promise<void>((r) => aedes.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  return rate;
}
