/**
 * Server diagnostics and trigger_crash_dump through one cell on the in-memory bus: the API port asks
 * the leaf conductor, which asks the guest's compute host, whose FakeDriver answers (diagnostics
 * sized from the flavor; the NMI crashes the guest, power state 6, recorded as the instance action).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { novaConfig } from '../../runtime/config/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { MemoryBus, MemoryHub } from '../../runtime/bus/index.ts';
import { InstanceInvalidState } from '../../runtime/errors/index.ts';
import { SingleCell } from '../../cells/single-cell.ts';
import { cellPrefix, conductorTopic } from '../../cells/topics.ts';
import { SingleCellPort } from '../../actors/api/single-cell-port.ts';
import { until } from '../support/waits.ts';

const flavor = { id: '3', name: 'm1.medium', vcpus: 2, memoryMb: 4096, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-diag' };

let cell: SingleCell | undefined;
let bus: MemoryBus | undefined;
afterEach(async () => {
  await bus?.close();
  await cell?.stop();
  cell = undefined;
  bus = undefined;
});

describe('diagnostics and crash dumps in one cell', () => {
  it('the compute host answers with its driver\'s figures; the NMI crashes the guest', async () => {
    const hub = new MemoryHub();
    const clock = new RealClock();
    const rng = new SeededRng('diag');
    cell = await SingleCell.start({
      name: 'c1', transport: { kind: 'memory', hub }, db: { file: ':memory:' },
      hosts: [{ name: 'h1', vcpus: 8, memoryMb: 16384, diskGb: 100 }], clock, rng, config: novaConfig(), log: createLogger({}, 'silent'),
    });
    const c = cell;
    await until('host registered', () => c.services.ctx.hostManager.hosts().length === 1);
    bus = new MemoryBus({ hub, clientId: 'c1:test-api', clock, rng: rng.stream('test-api'), topicPrefix: cellPrefix('c1') });
    const port = new SingleCellPort(bus, conductorTopic('c1'));
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'vm', flavor, image: { id: 'img', properties: {} } }, ctx);
    await until('ACTIVE', async () => (await c.api.get(uuid!, ctx)).vmState === 'active');

    const d = await port.getDiagnostics(uuid!, ctx.reqId);
    expect(d).toMatchObject({ state: 'running', driver: 'libvirt', num_cpus: 2, memory_details: { maximum: 4096, used: 4096 } });

    await port.instanceTask(uuid!, { kind: 'trigger_crash_dump' }, ctx);
    await until('crashed', async () => (await c.api.get(uuid!, ctx)).powerState === 6, 10_000);
    const actions = await c.api.actions(uuid!, ctx);
    expect(actions.map((a) => [a.action, a.finishTime !== null])).toContainEqual(['trigger_crash_dump', true]);
    await expect(port.getDiagnostics(uuid!, ctx.reqId)).rejects.toBeInstanceOf(InstanceInvalidState);
  });
});
