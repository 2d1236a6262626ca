/**
 * Unshelve to a named host (2.91) through one cell: an offloaded server is scheduled onto exactly
 * the requested host (the filters still run), whichever host it was on before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { novaConfig } from '../../runtime/config/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { MemoryBus, MemoryHub } from '../../runtime/bus/index.ts';
import { SingleCell } from '../../cells/single-cell.ts';
import { cellPrefix, conductorTopic } from '../../cells/topics.ts';
import { SingleCellPort } from '../../actors/api/single-cell-port.ts';
import { until } from '../support/waits.ts';

const tiny = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-unshelve' };

let cell: SingleCell | undefined;
let bus: MemoryBus | undefined;
afterEach(async () => {
  await bus?.close();
  await cell?.stop();
  cell = undefined;
  bus = undefined;
});

describe('unshelve to a host', () => {
  it('lands on the named host each time, away from where the server was', async () => {
    const hub = new MemoryHub();
    const clock = new RealClock();
    const rng = new SeededRng('unshelve-host');
    cell = await SingleCell.start({
      name: 'c1', transport: { kind: 'memory', hub }, db: { file: ':memory:' },
      hosts: [{ name: 'h1', vcpus: 8, memoryMb: 16384, diskGb: 100 }, { name: 'h2', vcpus: 8, memoryMb: 16384, diskGb: 100 }],
      clock, rng, config: novaConfig(), log: createLogger({}, 'silent'),
    });
    const c = cell;
    await until('hosts registered', () => c.services.ctx.hostManager.hosts().length === 2);
    bus = new MemoryBus({ hub, clientId: 'c1:test-api', clock, rng: rng.stream('test-api'), topicPrefix: cellPrefix('c1') });
    const port = new SingleCellPort(bus, conductorTopic('c1'));
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
