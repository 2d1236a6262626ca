/**
 * Coalesce a socket's writes per turn of the event loop. mqtt-packet corks a stream for each packet
 * and uncorks it at the next tick, so packets written in one callback leave in one writev(2); under
 * load, though, each incoming packet is its own callback and its PUBACK or forwarded PUBLISH its own
 * system call (on loopback, the receiver's TCP work is done inside the sender's writev). Holding the
 * cork until the event loop's check phase (setImmediate) sends everything a turn of I/O callbacks
 * wrote as one writev: the same bytes in the same order, no timer and no waiting beyond the current
 * turn (Nagle stays off). A stream that ends or is destroyed meanwhile flushes or drops its buffer as
 * it would have anyway.
 */
import type { Writable } from 'node:stream';

const coalesced = new WeakSet<Writable>();

export function coalesceWrites(stream: Writable): void {
  if (coalesced.has(stream)) return;
  coalesced.add(stream);
  let corked = false;
  const flush = (): void => {
    corked = false;
    if (stream.writableCorked > 0) stream.uncork();
  };
  const write = stream.write;
  stream.write = function (this: Writable, ...args: Parameters<Writable['write']>): boolean {
    if (!corked && !stream.destroyed && !stream.writableEnded) {
      corked = true;
      stream.cork();
      setImmediate(flush);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Writable['write'];
}
