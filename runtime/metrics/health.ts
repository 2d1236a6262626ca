/**
 * Health checks in oslo.middleware's shape: a list of named checks, each answering "OK" or a reason.
 * The process is healthy only when every check passes (oslo's `/healthcheck` answers 200 or 503).
 */
import type { Clock, TimerHandle } from '../clock/index.ts';
import { errorMessage } from '../errors/index.ts';

export interface HealthResult {
  /** Passed or not. */
  available: boolean;
  /** One line for the reason list ("OK" when it passed). */
  reason: string;
  /** What an admin needs to see (free-form, JSON). */
  details?: unknown;
}

export interface HealthCheck {
  /** oslo names its checks by class: BrokerHealthcheck, DatabaseHealthcheck, ... */
  readonly name: string;
  check(): Promise<HealthResult>;
}

export interface HealthReport {
  available: boolean;
  results: Array<HealthResult & { class: string }>;
}

/** Run every check at once; a check that throws or hangs past `timeoutMs` fails with its reason. */
export async function runHealthChecks(checks: readonly HealthCheck[], clock: Clock, timeoutMs = 2000): Promise<HealthReport> {
  const results = await Promise.all(checks.map(async (c) => {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<HealthResult>((resolve) => {
      timer = clock.setTimeout(() => resolve({ available: false, reason: `${c.name}: no answer within ${timeoutMs} ms` }), timeoutMs);
    });
    try {
      const r = await Promise.race([c.check(), timeout]);
      return { ...r, class: c.name };
    } catch (e) {
      return { available: false, reason: `${c.name}: ${errorMessage(e)}`, class: c.name };
    } finally {
      clock.clearTimer(timer);
    }
  }));
  return { available: results.every((r) => r.available), results };
}
