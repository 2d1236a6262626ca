/**
 * Envelopes published to one topic in one turn of the event loop leave as one MQTT message: a JSON
 * array of the envelopes' texts (`[e1,e2,…]`, the texts joined, never encoded again). Each QoS 1
 * message costs a PUBLISH and a PUBACK on each side of the broker, the broker's routing and ACL check,
 * and mqtt.js' and aedes' per-packet work — about half of a build's CPU in the cell tree — while a
 * burst sends many envelopes to the same few topics per turn. Order per topic is kept (MQTT keeps it
 * per topic, nothing more); every envelope's promise settles with its batch's PUBACK. A batch holds at
 * most MAX_BATCH_ENVELOPES envelopes and MAX_BATCH_CHARS characters of text (more goes as further messages).
 * The receiver (BusEndpoint.receive) validates each envelope of a batch on its own, as if it had come
 * alone: the batch changes the framing, not what is trusted.
 */

export const MAX_BATCH_ENVELOPES = 256;
export const MAX_BATCH_CHARS = 256 * 1024;

interface Queued {
  text: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class PublishBatcher {
  private queues = new Map<string, Queued[]>();
  private scheduled = false;

  /** `send` publishes one MQTT message (QoS 1) and calls back once the broker acknowledged it. */
  constructor(private readonly send: (topic: string, text: string, done: (err?: Error) => void) => void) {}

  publish(topic: string, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let q = this.queues.get(topic);
      if (!q) this.queues.set(topic, (q = []));
      q.push({ text, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Publish what is queued now (a closing bus), not at the end of the turn. */
  flushNow(): void {
    if (this.scheduled) this.flush();
  }

  private readonly flush = (): void => {
    if (!this.scheduled) return;
    this.scheduled = false;
    const queues = this.queues;
    this.queues = new Map();
    for (const [topic, q] of queues) {
      let i = 0;
      while (i < q.length) {
        let chars = q[i]!.text.length;
        let j = i + 1;
        while (j < q.length && j - i < MAX_BATCH_ENVELOPES && chars + q[j]!.text.length + 1 <= MAX_BATCH_CHARS) chars += q[j++]!.text.length + 1;
        const part = q.slice(i, j);
        const text = part.length === 1 ? part[0]!.text : `[${part.map((p) => p.text).join(',')}]`;
        this.send(topic, text, (err) => {
          for (const p of part) if (err) p.reject(err); else p.resolve();
        });
        i = j;
      }
    }
  };
}
