/**
 * Back-pressure of the dashboard's live updates: one snapshot in flight per browser, newer ones
 * replace the waiting one, unchanged ones are not sent, a full socket buffer holds everything back.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { LiveHub, MAX_BUFFERED } from '../../../web/server/live.ts';
import type { Snapshot } from '../../../web/shared/model.ts';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: Array<{ seq: number; snapshot: Snapshot }> = [];
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  ack(seq: number) {
    this.emit('message', Buffer.from(JSON.stringify({ type: 'ack', seq })));
  }
  close() {}
}

const snap = (instances: number, at = 0): Snapshot => ({
  at, cells: [], hosts: [], instances: [], instancesOmitted: 0, totals: { instances, buildsPerMin: 0 },
});

describe('LiveHub', () => {
  it('sends the next snapshot only after the browser acknowledged the last, and only the newest', () => {
    const hub = new LiveHub();
    const ws = new FakeSocket();
    hub.add(ws as unknown as WebSocket);
    hub.publish(snap(1));
    for (let i = 2; i <= 1000; i++) hub.publish(snap(i));
    expect(ws.sent.map((m) => m.snapshot.totals.instances)).toEqual([1]);
    ws.ack(ws.sent[0]!.seq);
    expect(ws.sent.map((m) => m.snapshot.totals.instances)).toEqual([1, 1000]);
    expect(hub.skipped).toBe(999);
  });

  it('does not resend an unchanged snapshot, whatever its time stamp', () => {
    const hub = new LiveHub();
    const ws = new FakeSocket();
    hub.add(ws as unknown as WebSocket);
    hub.publish(snap(5, 1));
    ws.ack(ws.sent[0]!.seq);
    hub.publish(snap(5, 2));
    expect(ws.sent).toHaveLength(1);
  });

  it('holds back while the socket buffer is full, and ignores acks for other snapshots', () => {
    const hub = new LiveHub();
    const ws = new FakeSocket();
    hub.add(ws as unknown as WebSocket);
    hub.publish(snap(1));
    ws.ack(999);
    hub.publish(snap(2));
    expect(ws.sent).toHaveLength(1);
    ws.bufferedAmount = MAX_BUFFERED + 1;
    ws.ack(ws.sent[0]!.seq);
    expect(ws.sent).toHaveLength(1);
    ws.bufferedAmount = 0;
    hub.publish(snap(3));
    expect(ws.sent.map((m) => m.snapshot.totals.instances)).toEqual([1, 3]);
  });
});
