/**
 * Fixed IPs from the cell's fixed_range (conductor/tasks/fixed-ips.ts) through one cell: one block
 * per project, the lowest free address in it, freed on delete, carried to the compute host in the
 * build message and shown by the instance record; no fixed_range, no allocation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { novaConfig } from '../../runtime/config/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { MemoryBus, MemoryHub, type Envelope } from '../../runtime/bus/index.ts';
import { SingleCell } from '../../cells/single-cell.ts';
import { cellPrefix, computeWildcard } from '../../cells/topics.ts';
import { until } from '../support/waits.ts';

const tiny = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
let cell: SingleCell | undefined;
let spy: MemoryBus | undefined;

afterEach(async () => {
  await spy?.close();
  await cell?.stop();
  cell = spy = undefined;
});

async function start(fixedRange: string | null) {
  const clock = new RealClock();
  const hub = new MemoryHub();
  const rng = new SeededRng('ips');
  cell = await SingleCell.start({
    name: 'c1', transport: { kind: 'memory', hub }, db: { file: ':memory:' },
    hosts: [{ name: 'h1', vcpus: 64, memoryMb: 65536, diskGb: 1000 }],
    clock, rng, config: novaConfig({ DEFAULT: { fixed_range: fixedRange, network_size: 16 } }), log: createLogger({}, 'silent'),
  });
  const c = cell;
  await until('host registered', () => c.services.ctx.hostManager.hosts().length === 1);
  spy = new MemoryBus({ hub, clientId: 'c1:spy', clock, rng: rng.stream('spy'), topicPrefix: cellPrefix('c1') });
  const builds: Envelope[] = [];
  await spy.subscribe(computeWildcard('c1'), (m: Envelope) => {
    if (m.type === 'build_and_run_instance') builds.push(m);
    return undefined;
  });
  const boot = async (projectId: string) => {
    const ctx = { projectId, userId: 'u', reqId: `req-${projectId}` };
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'vm', flavor: tiny, image: { id: 'img', properties: {} } }, ctx);
    await until('ACTIVE', async () => (await c.api.get(uuid!, ctx)).vmState === 'active');
    const inst = await c.api.get(uuid!, ctx);
    return { uuid: uuid!, ip: inst.systemMetadata['fixed_ip'], net: inst.systemMetadata['fixed_network'], ctx };
  };
  return { c, boot, builds };
}

describe('fixed IPs on per-project flat networks', () => {
  it('one block per project, lowest free address, freed on delete, sent to the compute host', async () => {
    const { c, boot, builds } = await start('10.100.0.0/16');
    const a = await boot('p');
    const b = await boot('p');
    const q = await boot('q');
    expect([a.ip, a.net]).toEqual(['10.100.0.10', '10.100.0.0/28']);
    expect([b.ip, b.net]).toEqual(['10.100.0.11', '10.100.0.0/28']);
    expect([q.ip, q.net]).toEqual(['10.100.0.26', '10.100.0.16/28']);
    await until('build messages seen', () => builds.length === 3);
    const sent = builds.map((m) => (m.body as { instance: { uuid: string; network?: { address: string; gateway: string } } }).instance);
    expect(sent.find((i) => i.uuid === q.uuid)?.network).toMatchObject({ address: '10.100.0.26', gateway: '10.100.0.17' });
    await c.api.delete(a.uuid, a.ctx);
    await until('deleted', async () => (await c.api.get(a.uuid, a.ctx).catch(() => undefined))?.deleted !== false);
    expect((await boot('p')).ip).toBe('10.100.0.10');
  });

  it('allocates nothing without fixed_range', async () => {
    const { boot } = await start(null);
    expect((await boot('p')).ip).toBeUndefined();
  });
});
