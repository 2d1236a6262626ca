/**
 * End to end: a real Prometheus scrapes `novacell up` (the quickstart) at /metrics on the API's
 * address. After 10 builds through the compute API, openstack_nova_total_vms and the build-outcome
 * counter read 10 through Prometheus's query API, and per-hypervisor usage adds up to the servers.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/process-tree.ts';
import { PROMETHEUS, Prometheus } from '../support/prometheus.ts';
import { NovaClient, startUp, type Up } from '../support/up-process.ts';
import { until } from '../support/waits.ts';

const TITLE = PROMETHEUS ? 'Prometheus scrapes novacell up' : 'Prometheus scrapes novacell up (SKIPPED: apt-get install -y prometheus)';

let up: Up | undefined;
let prom: Prometheus | undefined;

afterAll(async () => {
  await prom?.stop();
  await up?.proc.stop();
  if (up) rmSync(up.dir, { recursive: true, force: true });
});

async function value(p: Prometheus, q: string): Promise<number | undefined> {
  const r = await p.query(q);
  return r.length === 1 ? r[0]!.value : undefined;
}

describe.skipIf(!PROMETHEUS)(TITLE, () => {
  it('counts 10 builds: openstack_nova_total_vms and novacell_api_builds_total through the query API', { timeout: 240_000 }, async () => {
    up = await startUp();
    const [port] = await freePorts(1);
    prom = await Prometheus.start(up.dir, port!, [{ job: 'novacell', address: new URL(up.url).host }]);
    await until('the target is up', () => prom!.targetsUp(), 60_000);
    expect(await value(prom, 'openstack_nova_total_vms')).toBe(0);

    const nova = await NovaClient.login(up.url, 'demo', 'secretdemo', 'demo');
    const ids = await nova.createServers(10, 'prom');
    await nova.waitActive(ids, 120_000);

    // The next scrapes see them: every build ACTIVE, none failed, and 10 servers in the cloud.
    await until('Prometheus has 10 VMs', async () => (await value(prom!, 'openstack_nova_total_vms')) === 10, 60_000);
    await until('Prometheus has 10 active builds', async () => (await value(prom!, 'novacell_api_builds_total{outcome="active"}')) === 10, 60_000);
    expect(await value(prom, 'novacell_api_builds_total{outcome="error"}')).toBe(0);
    expect(await value(prom, 'sum(openstack_nova_running_vms)')).toBe(10);
    // m1.tiny: 1 vCPU and 512 MiB each.
    expect(await value(prom, 'sum(openstack_nova_vcpus_used)')).toBe(10);
    expect(await value(prom, 'sum(openstack_nova_memory_used_bytes)')).toBe(10 * 512 * 1024 * 1024);
    expect(await value(prom, 'sum(novacell_cell_builds_total{outcome="active"})')).toBe(10);
    expect(await value(prom, 'sum(novacell_build_duration_seconds_count{layer="api"})')).toBe(10);
    expect(await value(prom, 'sum(novacell_scheduler_decision_seconds_count)')).toBeGreaterThanOrEqual(10);
    expect(await value(prom, 'sum(openstack_nova_agent_state{service="nova-compute"})')).toBe(20);
    expect(await value(prom, 'sum(novacell_child_link_state{cell="api",state="up"})')).toBe(2);
    // Labels stay bounded: no series carries an instance uuid.
    const series = await fetch(`${prom.url}/api/v1/series?match[]=${encodeURIComponent('{job="novacell"}')}`).then((r) => r.json()) as { data: Array<Record<string, string>> };
    const labels = JSON.stringify(series.data);
    for (const id of ids) expect(labels).not.toContain(id);
  });
});
