/**
 * The in-memory broker of a simulation, with one fault added: heartbeats of hosts that are down are
 * dropped, so the conductor sees the service go down after `service_down_time`, as it would in a
 * deployment. Only messages on the report topic of a host that is down are inspected.
 */
import type { Clock } from '../../runtime/clock/index.ts';
import { MemoryHub, type Payload } from '../../runtime/bus/index.ts';

export class SimHub extends MemoryHub {
  /** Report topics (`conductor/<host>`) of the hosts that are down. */
  private readonly silenced = new Set<string>();
  dropped = 0;

  silence(hostReportTopic: string): void {
    this.silenced.add(hostReportTopic);
  }

  unsilence(hostReportTopic: string): void {
    this.silenced.delete(hostReportTopic);
  }

  override publish(topic: string, payload: Payload, delayMs = 0, clock?: Clock): void {
    if (this.silenced.size > 0 && this.silenced.has(topic) && isHeartbeat(payload)) {
      this.dropped++;
      return;
    }
    super.publish(topic, payload, delayMs, clock);
  }
}

const isHeartbeat = (p: Payload): boolean => (typeof p === 'string' ? p.includes('"service_heartbeat"') : p.type === 'service_heartbeat');
