/**
 * Live updates to browsers over websockets (ws), with back-pressure: a browser has at most one
 * snapshot in flight. The next is sent only after it acknowledges the last one it drew (and while
 * the socket's send buffer is small); meanwhile newer snapshots replace the waiting one, so a slow
 * browser or a 1,000-host cloud skips frames instead of piling them up. Unchanged snapshots are not
 * sent at all.
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { ClientMessage, ServerMessage, Snapshot } from '../shared/model.ts';

/** What a browser may send: an acknowledgement of the snapshot it drew. */
const clientMessage = z.object({ type: z.literal('ack'), seq: z.number() }) satisfies z.ZodType<ClientMessage>;

/** Above this many bytes waiting in a socket's buffer, nothing more is queued on it. */
export const MAX_BUFFERED = 1 << 20;

interface Viewer {
  ws: WebSocket;
  inFlight: number | null;
  lastSentText: string | undefined;
}

export class LiveHub {
  private readonly viewers = new Set<Viewer>();
  private seq = 0;
  private latest: { snapshot: Snapshot; text: string } | undefined;
  /** Snapshots skipped because a browser had not acknowledged the previous one (a figure for tests). */
  skipped = 0;

  get size(): number {
    return this.viewers.size;
  }

  add(ws: WebSocket): void {
    const v: Viewer = { ws, inFlight: null, lastSentText: undefined };
    this.viewers.add(v);
    ws.on('message', (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        return;
      }
      const msg = clientMessage.safeParse(parsed);
      if (msg.success && msg.data.seq === v.inFlight) {
        v.inFlight = null;
        this.offer(v);
      }
    });
    ws.on('close', () => this.viewers.delete(v));
    ws.on('error', () => this.viewers.delete(v));
    this.offer(v);
  }

  /** A new snapshot: sent to every browser that is ready for it. */
  publish(snapshot: Snapshot): void {
    // `at` changes every time; compare what a viewer would see without it.
    const text = JSON.stringify({ ...snapshot, at: 0 });
    this.latest = { snapshot, text };
    for (const v of this.viewers) this.offer(v);
  }

  private offer(v: Viewer): void {
    const l = this.latest;
    if (!l || l.text === v.lastSentText) return;
    if (v.inFlight !== null || v.ws.bufferedAmount > MAX_BUFFERED || v.ws.readyState !== v.ws.OPEN) {
      this.skipped++;
      return;
    }
    const seq = ++this.seq;
    const msg: ServerMessage = { type: 'snapshot', seq, snapshot: l.snapshot };
    v.inFlight = seq;
    v.lastSentText = l.text;
    v.ws.send(JSON.stringify(msg));
  }

  close(): void {
    for (const v of this.viewers) v.ws.close(1001, 'server stopping');
    this.viewers.clear();
  }
}
