/**
 * A Prometheus registry for one process (prom-client): the process's own metrics (CPU, memory, event
 * loop lag, GC) plus whatever the process's components register. Exposition is collected on scrape;
 * nothing here runs on a timer.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry };

/** A registry with the standard process_* and nodejs_* metrics. */
export function processRegistry(): Registry {
  const r = new Registry();
  collectDefaultMetrics({ register: r });
  return r;
}

/** The text exposition format and its content type, for an HTTP handler. */
export async function exposition(r: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: r.contentType, body: await r.metrics() };
}
