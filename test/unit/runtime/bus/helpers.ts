/**
 * Test helpers for the bus suites: a private message registry, a logger that records warnings, and a
 * handler that lets a test await the n-th delivery instead of sleeping.
 */
import { z } from 'zod';
import type { BusLogger, Envelope, MessageContext } from '../../../../runtime/bus/index.ts';
import { MessageRegistry } from '../../../../runtime/bus/index.ts';

export function testRegistry(): MessageRegistry {
  const r = new MessageRegistry();
  r.define('test.ping', 1, z.object({ n: z.number().int() }));
  r.define('test.echo', 1, z.object({ text: z.string() }));
  r.define('test.fail', 1, z.object({ kind: z.enum(['nova', 'plain', 'cast']) }));
  return r;
}

/** A BusLogger that keeps what was logged at warn and error, and can be awaited on. */
export class RecordingLog implements BusLogger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  private waiters: { level: 'warn' | 'error'; count: number; resolve: () => void }[] = [];

  debug = (): void => {};
  info = (): void => {};
  warn = ((obj: unknown, msg?: string) => this.record('warn', obj, msg)) as BusLogger['warn'];
  error = ((obj: unknown, msg?: string) => this.record('error', obj, msg)) as BusLogger['error'];

  /** Resolves once `count` entries have been logged at `level` in total. */
  until(level: 'warn' | 'error', count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ level, count, resolve });
      this.wake();
    });
  }

  private record(level: 'warn' | 'error', obj: unknown, msg?: string): void {
    const detail = typeof obj === 'object' && obj !== null && 'error' in obj ? ` (${String((obj as { error: unknown }).error)})` : '';
    (level === 'warn' ? this.warnings : this.errors).push(`${msg ?? String(obj)}${detail}`);
    this.wake();
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      const have = (w.level === 'warn' ? this.warnings : this.errors).length;
      if (have >= w.count) w.resolve();
      return have < w.count;
    });
  }
}

/** A handler that records deliveries; `nth(k)` resolves when k messages have arrived in total. */
export function collector(answer?: (msg: Envelope) => unknown) {
  const received: { msg: Envelope; topic: string }[] = [];
  let waiters: { k: number; resolve: () => void }[] = [];
  const handler = (msg: Envelope, ctx: MessageContext): unknown => {
    received.push({ msg, topic: ctx.topic });
    waiters = waiters.filter((w) => (received.length >= w.k ? (w.resolve(), false) : true));
    return answer?.(msg);
  };
  const nth = (k: number): Promise<void> =>
    new Promise((resolve) => {
      if (received.length >= k) resolve();
      else waiters.push({ k, resolve });
    });
  return { handler, received, nth, bodies: () => received.map((r) => r.msg.body) };
}
