/**
 * Health checks of the cells a process runs (oslo.middleware's shape, runtime/metrics): its brokers
 * (every bus client of the cell connected), its databases (a `select 1` answers) and its link to the
 * parent (connected). A child's link is reported in the details but does not fail the parent: the
 * parent works on, with the child muted, and a load balancer must not take it out for that.
 */
import type { HealthCheck, HealthResult } from '../../runtime/metrics/index.ts';
import type { WatchedCell } from './watched-cell.ts';
import { errorMessage } from '../../runtime/errors/index.ts';

function result(failed: string[], what: string, details: unknown): HealthResult {
  return failed.length ? { available: false, reason: `${what}: ${failed.join('; ')}`, details } : { available: true, reason: 'OK', details };
}

export function cellHealthChecks(cells: () => readonly WatchedCell[]): HealthCheck[] {
  return [
    {
      name: 'BrokerHealthcheck',
      async check() {
        const failed: string[] = [];
        const details: Record<string, unknown> = {};
        for (const w of cells()) {
          const down = w.rc.buses.filter((b) => !b.connected()).map((b) => b.clientId);
          details[w.path] = { clients: w.rc.buses.length, disconnected: down, broker: w.rc.broker?.url ?? (w.rc.plan.broker.kind === 'external' ? 'external' : 'in-memory') };
          if (down.length) failed.push(`cell ${w.path} cannot reach its broker (${down.length} of ${w.rc.buses.length} clients disconnected)`);
        }
        return result(failed, 'broker unreachable', details);
      },
    },
    {
      name: 'DatabaseHealthcheck',
      async check() {
        const failed: string[] = [];
        const details: Record<string, string> = {};
        for (const w of cells()) {
          try {
            if (w.apiCell) await w.apiCell.pingDatabase();
            else if (w.rc.leaf) await w.rc.leaf.ctx.db.raw('select 1');
            else if (w.rc.db) await w.rc.db.raw('select 1');
            details[w.path] = 'ok';
          } catch (e) {
            details[w.path] = errorMessage(e);
            failed.push(`cell ${w.path}: ${errorMessage(e)}`);
          }
        }
        return result(failed, 'database unavailable', details);
      },
    },
    {
      name: 'LinkHealthcheck',
      async check() {
        const failed: string[] = [];
        const details: Record<string, unknown> = {};
        for (const w of cells()) {
          const role = w.apiCell?.role ?? w.rc.role;
          const children = Object.fromEntries((role?.children.paths() ?? []).map((c) => [c, role!.children.linkState(c)?.link ?? 'down']));
          const parent = w.rc.parentBus ? (w.rc.parentBus.connected() ? 'up' : 'down') : null;
          details[w.path] = { parent, children };
          if (parent === 'down') failed.push(`cell ${w.path} has lost its link to ${w.rc.plan.parentPath}`);
        }
        return result(failed, 'link down', details);
      },
    },
  ];
}
