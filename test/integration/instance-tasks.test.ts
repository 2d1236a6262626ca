/**
 * Instance tasks through one cell (conductor, placement, compute manager, FakeDriver) on the
 * in-memory bus: rebuild keeps the power state, resize swaps the claim on the same host until
 * confirmed or reverted, shelve offloads (frees the host) and unshelve schedules anew, rescue and
 * unrescue, reset-state; a wrong state is 409.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InstanceInvalidState } from '../../runtime/errors/index.ts';
import type { InstanceTask } from '../../actors/conductor/messages.ts';
import { startOneCell, type OneCell } from '../support/one-cell.ts';
import { until } from '../support/waits.ts';

const tiny = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const small = { id: '2', name: 'm1.small', vcpus: 2, memoryMb: 2048, rootGb: 20, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const image = { id: 'img-1', properties: {} };
const image2 = { id: 'img-2', properties: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-tasks' };

let one: OneCell | undefined;
afterEach(async () => {
  await one?.stop();
  one = undefined;
});

async function start() {
  one = await startOneCell('tasks', ['h1', 'h2']);
  const { cell: c, port } = one;
  const task = (uuid: string, t: InstanceTask) => port.instanceTask(uuid, t, ctx);
  const { instanceUuids: [uuid] } = await c.api.create({ name: 'vm', flavor: tiny, image }, ctx);
  await until('ACTIVE', async () => (await c.api.get(uuid!, ctx)).vmState === 'active');
  const state = async () => {
    const i = await c.api.get(uuid!, ctx);
    return `${i.vmState}/${i.taskState ?? '-'}/${i.powerState}`;
  };
  const settled = (want: string) => until(want, async () => (await state()) === want, 10_000);
  return { c, uuid: uuid!, task, state, settled };
}

describe('instance tasks in one cell', () => {
  it('rebuild from active and from stopped keeps the power state and takes the new image', async () => {
    const { c, uuid, task, settled } = await start();
    await task(uuid, { kind: 'rebuild', image: image2, imageRef: image2.id });
    await settled('active/-/1');
    expect((await c.api.get(uuid, ctx)).imageRef).toBe('img-2');
    await c.api.powerAction(uuid, 'stop', ctx);
    await settled('stopped/-/4');
    await task(uuid, { kind: 'rebuild', image, imageRef: image.id });
    await settled('stopped/-/4');
    const actions = (await c.api.actions(uuid, ctx)).map((a) => [a.action, a.finishTime !== null]);
    expect(actions).toEqual([['create', true], ['rebuild', true], ['stop', true], ['rebuild', true]]);
  });

  it('resize claims the new flavor on the same host; revert gives the old one back; confirm keeps the new', async () => {
    const { c, uuid, task, settled } = await start();
    const usage = () => c.services.ctx.placement.allocationsOf(uuid).map((a) => a.resources['MEMORY_MB']);
    await task(uuid, { kind: 'resize', flavor: small });
    await settled('resized/-/1');
    expect(usage()).toEqual([2048]);
    await task(uuid, { kind: 'revert_resize' });
    await settled('active/-/1');
    expect(usage()).toEqual([512]);
    expect((await c.api.get(uuid, ctx)).flavor.name).toBe('m1.tiny');
    await task(uuid, { kind: 'resize', flavor: small });
    await settled('resized/-/1');
    await task(uuid, { kind: 'confirm_resize' });
    await settled('active/-/1');
    expect(usage()).toEqual([2048]);
    await expect(task(uuid, { kind: 'confirm_resize' })).rejects.toBeInstanceOf(InstanceInvalidState);
  });

  it('shelve offloads (no host, no claim, guest gone); unshelve schedules and spawns it again', async () => {
    const { c, uuid, task, settled } = await start();
    const host = (await c.api.get(uuid, ctx)).host!;
    await task(uuid, { kind: 'shelve', offload: true, imageId: 'snap-1' });
    await settled('shelved_offloaded/-/4');
    expect((await c.api.get(uuid, ctx)).host).toBeNull();
    expect(c.services.ctx.placement.allocationsOf(uuid)).toEqual([]);
    expect(await c.compute.driverOf(host)!.listInstanceUuids()).not.toContain(uuid);
    await expect(task(uuid, { kind: 'shelve', offload: true, imageId: null })).rejects.toBeInstanceOf(InstanceInvalidState);
    await task(uuid, { kind: 'unshelve' });
    await settled('active/-/1');
    const now = await c.api.get(uuid, ctx);
    expect(now.host).not.toBeNull();
    expect(c.services.ctx.placement.allocationsOf(uuid)).toHaveLength(1);
    expect((await c.api.actions(uuid, ctx)).map((a) => a.action)).toEqual(['create', 'shelve', 'unshelve']);
  });

  it('rescue, unrescue, snapshot and reset-state', async () => {
    const { uuid, task, settled } = await start();
    await task(uuid, { kind: 'rescue', image: null });
    await settled('rescued/-/1');
    await expect(task(uuid, { kind: 'rescue', image: null })).rejects.toBeInstanceOf(InstanceInvalidState);
    await task(uuid, { kind: 'unrescue' });
    await settled('active/-/1');
    await task(uuid, { kind: 'snapshot', imageId: 'snap-2' });
    await settled('active/-/1');
    await task(uuid, { kind: 'reset_state', vmState: 'error' });
    await settled('error/-/1');
    await task(uuid, { kind: 'reset_state', vmState: 'active' });
    await settled('active/-/1');
  });
});
