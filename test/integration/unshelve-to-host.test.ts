/**
 * Unshelve to a named host (2.91) through one cell: an offloaded server is scheduled onto exactly
 * the requested host (the filters still run), whichever host it was on before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startOneCell, type OneCell } from '../support/one-cell.ts';
import { until } from '../support/waits.ts';

const tiny = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-unshelve' };

let one: OneCell | undefined;
afterEach(async () => {
  await one?.stop();
  one = undefined;
});

describe('unshelve to a host', () => {
  it('lands on the named host each time, away from where the server was', async () => {
    one = await startOneCell('unshelve-host', ['h1', 'h2']);
    const { cell: c, port } = one;
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'vm', flavor: tiny, image: { id: 'img', properties: {} } }, ctx);
    const state = async () => { const i = await c.api.get(uuid!, ctx); return `${i.vmState}/${i.taskState ?? '-'}`; };
    await until('ACTIVE', async () => (await state()) === 'active/-');
    for (let round = 0; round < 2; round++) {
      const before = (await c.api.get(uuid!, ctx)).host!;
      const target = before === 'h1' ? 'h2' : 'h1';
      await port.instanceTask(uuid!, { kind: 'shelve', offload: true, imageId: null }, ctx);
      await until('offloaded', async () => (await state()) === 'shelved_offloaded/-', 10_000);
      await port.instanceTask(uuid!, { kind: 'unshelve', availabilityZone: null, host: target }, ctx);
      await until('active again', async () => (await state()) === 'active/-', 10_000);
      expect((await c.api.get(uuid!, ctx)).host).toBe(target);
      expect(c.services.ctx.placement.allocationsOf(uuid!)).toHaveLength(1);
    }
  });
});
