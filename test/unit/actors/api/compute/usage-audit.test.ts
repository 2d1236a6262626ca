/**
 * os-simple-tenant-usage charges nothing beyond now (Nova caps the period's end at now) and
 * os-instance_usage_audit_log reports the last completed month with every compute host not run
 * (no audit task runs); both admin-only, a malformed timestamp is 400.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../../../../support/api-fixture.ts';
import { lastCompletedMonth, parseBefore } from '../../../../../actors/api/compute/instance-usage-audit-log.ts';

let fx: ApiFixture;
beforeEach(async () => { fx = await apiFixture(); });
afterEach(async () => { await fx.close(); });

describe('os-simple-tenant-usage', () => {
  it('caps the end of the period at now: a server 30 minutes old is charged 0.5 hours up to a date next year', async () => {
    await fx.createServer();
    await fx.clock.advance(1_800_000);
    const end = new Date(fx.clock.now() + 365 * 86_400_000).toISOString().slice(0, 19);
    const start = new Date(fx.clock.now() - 86_400_000).toISOString().slice(0, 19);
    const res = await fx.call('GET', `/compute/v2.1/os-simple-tenant-usage/${fx.project.demo}?start=${start}&end=${end}`);
    const u = (res.json() as { tenant_usage: Record<string, unknown> }).tenant_usage;
    expect(u['total_hours']).toBe(0.5);
    expect(Date.parse(`${String(u['stop'])}Z`)).toBe(fx.clock.now());
  });
});

describe('os-instance_usage_audit_log', () => {
  it('the last completed month, every compute host not run', async () => {
    const res = await fx.call('GET', '/compute/v2.1/os-instance_usage_audit_log', { as: 'admin' });
    expect(res.statusCode).toBe(200);
    const log = (res.json() as { instance_usage_audit_logs: Record<string, unknown> }).instance_usage_audit_logs;
    const { begin, end } = lastCompletedMonth(fx.clock.now());
    expect(log).toMatchObject({
      num_hosts: 2, num_hosts_done: 0, num_hosts_not_run: 2, num_hosts_running: 0, hosts_not_run: ['host-a', 'host-b'],
      total_instances: 0, total_errors: 0, log: {}, overall_status: '0 of 2 hosts done. 0 errors.',
      period_beginning: new Date(begin).toISOString().replace('T', ' ').slice(0, 19),
      period_ending: new Date(end).toISOString().replace('T', ' ').slice(0, 19),
    });
    const show = await fx.call('GET', `/compute/v2.1/os-instance_usage_audit_log/${encodeURIComponent('2026-03-15 10:00:00')}`, { as: 'admin' });
    expect((show.json() as { instance_usage_audit_log: Record<string, unknown> }).instance_usage_audit_log).toMatchObject({
      period_beginning: '2026-02-01 00:00:00', period_ending: '2026-03-01 00:00:00',
    });
  });

  it('is admin-only; a malformed timestamp is 400', async () => {
    expect((await fx.call('GET', '/compute/v2.1/os-instance_usage_audit_log')).statusCode).toBe(403);
    expect((await fx.call('GET', '/compute/v2.1/os-instance_usage_audit_log/2026-03-15%2010%3A00%3A00')).statusCode).toBe(403);
    expect((await fx.call('GET', '/compute/v2.1/os-instance_usage_audit_log/invalid_time', { as: 'admin' })).statusCode).toBe(400);
    expect(() => parseBefore('2026-02-30 00:00:00')).toThrow(/Invalid timestamp/);
    expect(parseBefore('2026-01-31 23:59:59.5')).toBe(Date.UTC(2026, 0, 31, 23, 59, 59, 500));
    expect(lastCompletedMonth(Date.UTC(2026, 0, 10))).toEqual({ begin: Date.UTC(2025, 11, 1), end: Date.UTC(2026, 0, 1) });
  });
});

describe('os-agents', () => {
  it('answers 410 Gone as Nova has since Victoria', async () => {
    const res = await fx.call('GET', '/compute/v2.1/os-agents', { as: 'admin' });
    expect(res.statusCode).toBe(410);
    expect((await fx.call('POST', '/compute/v2.1/os-agents', { as: 'admin', body: { agent: {} } })).statusCode).toBe(410);
  });
});
