/**
 * os-instance_usage_audit_log (admin): how far each compute host got with the periodic usage audit
 * of the last completed audit period (nova/api/openstack/compute/instance_usage_audit_log.py, with
 * Nova's default `instance_usage_audit_period = month`). This cloud runs no usage audit task
 * (Nova's `[DEFAULT] instance_usage_audit` is off by default too), so no task log exists and every
 * compute host — disabled ones included, as in Nova — is listed as not run.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest } from '../../../runtime/errors/index.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Nova's accepted formats: '%Y-%m-%d %H:%M:%S' and '%Y-%m-%d %H:%M:%S.%f' (UTC). */
export function parseBefore(s: string): number {
  const m = TIMESTAMP.exec(s);
  const t = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000)) : NaN;
  const d = new Date(t);
  if (!m || Number.isNaN(t) || d.getUTCMonth() !== +m[2]! - 1 || d.getUTCDate() !== +m[3]!) {
    throw new BadRequest(`Invalid timestamp for date ${s}`);
  }
  return t;
}

/** nova.utils.last_completed_audit_period(unit='month'): the month before the one `before` is in. */
export function lastCompletedMonth(before: number): { begin: number; end: number } {
  const d = new Date(before);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const begin = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  return { begin, end };
}

/** Python's str(datetime): "2026-11-01 00:00:00". */
function pyDatetime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

async function auditLog(deps: ComputeDeps, request: FastifyRequest, before: number): Promise<Record<string, unknown>> {
  const { begin, end } = lastCompletedMonth(before);
  const services = await deps.compute.services(contextOf(request));
  const hosts = [...new Set(services.filter((s) => s.binary === 'nova-compute').map((s) => s.host))].sort();
  return {
    period_beginning: pyDatetime(begin), period_ending: pyDatetime(end),
    num_hosts: hosts.length, num_hosts_done: 0, num_hosts_running: 0, num_hosts_not_run: hosts.length, hosts_not_run: hosts,
    total_instances: 0, total_errors: 0, log: {},
    overall_status: `${hosts.length === 0 ? 'ALL' : `0 of ${hosts.length}`} hosts done. 0 errors.`,
  };
}

export function registerInstanceUsageAuditLogRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const rule = 'os_compute_api:os-instance-usage-audit-log:list';
  app.get('/os-instance_usage_audit_log', async (request) => {
    requireAdmin(request, rule);
    return { instance_usage_audit_logs: await auditLog(deps, request, deps.clock.now()) };
  });
  app.get<{ Params: { before: string } }>('/os-instance_usage_audit_log/:before', async (request) => {
    requireAdmin(request, 'os_compute_api:os-instance-usage-audit-log:show');
    return { instance_usage_audit_log: await auditLog(deps, request, parseBefore(request.params.before)) };
  });
}
