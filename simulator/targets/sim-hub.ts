/**
 * The in-memory broker of a simulation, with one fault added: heartbeats of hosts that are down are
 * dropped, so the conductor sees the service go down after `service_down_time`, as it would in a
 * deployment. Only messages on the conductor topic of a cell with a host down are inspected.
 */
import type { Clock } from '../../runtime/clock/index.ts';
import { MemoryHub } from '../../runtime/bus/index.ts';

export class SimHub extends MemoryHub {
  /** Conductor topic → hosts of that cell that are down. */
  private readonly silenced = new Map<string, Set<string>>();
  dropped = 0;

  silence(conductorTopic: string, host: string): void {
    let s = this.silenced.get(conductorTopic);
    if (!s) this.silenced.set(conductorTopic, (s = new Set()));
    s.add(host);
  }

  unsilence(conductorTopic: string, host: string): void {
    const s = this.silenced.get(conductorTopic);
    s?.delete(host);
    if (s?.size === 0) this.silenced.delete(conductorTopic);
  }

  override publish(topic: string, text: string, delayMs = 0, clock?: Clock): void {
    const s = this.silenced.size > 0 ? this.silenced.get(topic) : undefined;
    if (s && text.includes('"service_heartbeat"')) {
      const host = (JSON.parse(text) as { body?: { host?: string } }).body?.host;
      if (host !== undefined && s.has(host)) {
        this.dropped++;
        return;
      }
    }
    super.publish(topic, text, delayMs, clock);
  }
}
