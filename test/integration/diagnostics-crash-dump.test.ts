/**
 * Server diagnostics and trigger_crash_dump through one cell on the in-memory bus: the API port asks
 * the leaf conductor, which asks the guest's compute host, whose FakeDriver answers (diagnostics
 * sized from the flavor; the NMI crashes the guest, power state 6, recorded as the instance action).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InstanceInvalidState } from '../../runtime/errors/index.ts';
import { startOneCell, type OneCell } from '../support/one-cell.ts';
import { until } from '../support/waits.ts';

const flavor = { id: '3', name: 'm1.medium', vcpus: 2, memoryMb: 4096, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-diag' };

let one: OneCell | undefined;
afterEach(async () => {
  await one?.stop();
  one = undefined;
});

describe('diagnostics and crash dumps in one cell', () => {
  it('the compute host answers with its driver\'s figures; the NMI crashes the guest', async () => {
    one = await startOneCell('diag');
    const { cell: c, port } = one;
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
