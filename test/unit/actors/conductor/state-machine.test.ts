/**
 * Nova's instance state machine as the conductor and compute manager drive it, on the in-memory bus
 * and a virtual clock (no sleeps): build (building/scheduling → building/spawning → active), power
 * actions with their task states, refusals in the wrong state (409), delete while scheduling.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock, settle } from '../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { novaConfig } from '../../../../runtime/config/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { MemoryHub } from '../../../../runtime/bus/index.ts';
import { InstanceInvalidState } from '../../../../runtime/errors/index.ts';
import { SingleCell } from '../../../../cells/single-cell.ts';
import { POWER_ACTIONS, POWER_ACTION_RESULT } from '../../../../actors/compute/states.ts';

const flavor = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const image = { id: 'img', properties: {} };
const ctx = { projectId: 'p', userId: 'u', reqId: 'req-sm' };

let cell: SingleCell | undefined;
let clock: VirtualClock;

/**
 * Move virtual time, then let the cell finish what that set off: bus deliveries, actor turns and the
 * database's group commits (real SQLite I/O, so awaited rather than timed).
 */
async function advance(ms: number) {
  await clock.advance(ms);
  for (let i = 0; i < 30; i++) {
    await settle();
    await cell!.services.ctx.writer.commit();
  }
}

async function start(spawnTimeMs = 10_000) {
  clock = new VirtualClock();
  const p = SingleCell.start({
    name: 'sm', transport: { kind: 'memory', hub: new MemoryHub() }, db: { file: ':memory:' },
    hosts: [{ name: 'h1', vcpus: 8, memoryMb: 16384, diskGb: 100, spawnTimeMs }, { name: 'h2', vcpus: 8, memoryMb: 16384, diskGb: 100, spawnTimeMs }],
    clock, rng: new SeededRng('sm'), config: novaConfig(), log: createLogger({}, 'silent'),
  });
  cell = await p;
  return cell;
}

afterEach(async () => {
  await cell?.stop();
  cell = undefined;
});

/** Record every (vm_state, task_state) the conductor writes, per instance. */
function trace(c: SingleCell) {
  const seen = new Map<string, string[]>();
  c.services.ctx.store.onChange((i) => {
    const list = seen.get(i.uuid) ?? [];
    const s = `${i.vmState}/${i.taskState ?? '-'}`;
    if (list[list.length - 1] !== s) list.push(s);
    seen.set(i.uuid, list);
  });
  return seen;
}

describe('instance state machine', () => {
  it('goes building/scheduling → building/spawning → active, only once the spawn time has passed', async () => {
    const c = await start();
    const seen = trace(c);
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'a', flavor, image }, ctx);
    await advance(0);
    await advance(5_000);
    expect((await c.api.get(uuid!, ctx)).vmState).toBe('building');
    await advance(6_000);
    const inst = await c.api.get(uuid!, ctx);
    expect(inst.vmState).toBe('active');
    expect(inst.powerState).toBe(1);
    expect(inst.launchedAt).toBeGreaterThanOrEqual(inst.createdAt + 10_000);
    expect(seen.get(uuid!)).toEqual(['building/scheduling', 'building/spawning', 'active/-']);
    const [create] = await c.api.actions(uuid!, ctx);
    expect(create!.action).toBe('create');
    expect(create!.events.map((e) => [e.event, e.result])).toEqual([
      ['conductor_schedule_and_build_instances', 'Success'],
      ['compute_build_and_run_instance', 'Success'],
    ]);
  });

  it('walks every power action through its task state to the resulting vm_state', async () => {
    const c = await start(0);
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'p', flavor, image }, ctx);
    await advance(1);
    const seq = ['stop', 'start', 'pause', 'unpause', 'suspend', 'resume', 'reboot', 'reboot_hard'] as const;
    for (const action of seq) {
      const before = await c.api.get(uuid!, ctx);
      expect(POWER_ACTIONS[action].from as readonly string[]).toContain(before.vmState);
      await c.api.powerAction(uuid!, action, ctx);
      expect((await c.api.get(uuid!, ctx)).taskState).toBe(POWER_ACTIONS[action].task);
      await advance(1);
      const after = await c.api.get(uuid!, ctx);
      expect([action, after.vmState, after.taskState]).toEqual([action, POWER_ACTION_RESULT[action], null]);
    }
    const actions = (await c.api.actions(uuid!, ctx)).map((a) => a.action);
    expect(actions).toEqual(['create', 'stop', 'start', 'pause', 'unpause', 'suspend', 'resume', 'reboot', 'reboot']);
  });

  it('refuses an action that the current state does not allow, with a 409', async () => {
    const c = await start(0);
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'r', flavor, image }, ctx);
    await advance(1);
    const err = await c.api.powerAction(uuid!, 'start', ctx).catch((e) => e);
    expect(err).toBeInstanceOf(InstanceInvalidState);
    expect(err.code).toBe(409);
    await c.api.powerAction(uuid!, 'pause', ctx);
    // A second action while the first is in progress is refused too.
    await expect(c.api.powerAction(uuid!, 'stop', ctx)).rejects.toThrow(/task_state pausing/);
  });

  it('deletes an instance that is still spawning, and frees its allocation', async () => {
    const c = await start(60_000);
    const { instanceUuids: [uuid] } = await c.api.create({ name: 'd', flavor, image }, ctx);
    await advance(1_000);
    expect((await c.api.get(uuid!, ctx)).taskState).toBe('spawning');
    await c.api.delete(uuid!, ctx);
    await advance(1_000);
    await expect(c.api.get(uuid!, ctx)).rejects.toThrow(/could not be found/);
    expect(c.services.ctx.placement.allAllocations()).toHaveLength(0);
    // The spawn that was under way does not resurrect it.
    await advance(120_000);
    await expect(c.api.get(uuid!, ctx)).rejects.toThrow(/could not be found/);
    for (const h of c.compute.hostNames()) expect(await c.compute.driverOf(h)!.listInstanceUuids()).toEqual([]);
  });

  it('marks a host down after service_down_time without heartbeats and stops scheduling to it', async () => {
    const c = await start(0);
    await advance(1);
    // h1's heartbeats stop (its manager is gone); h2 keeps reporting.
    c.compute.stop();
    const beat = clock.setInterval(() => void c.services.ctx.bus.cast('nc/sm/conductor', { type: 'service_heartbeat', body: { host: 'h2', binary: 'nova-compute', reportCount: 1 } }), 10_000);
    await advance(70_000);
    const up = new Map((await c.api.services(ctx)).filter((s) => s.binary === 'nova-compute').map((s) => [s.host, s.up]));
    expect(up).toEqual(new Map([['h1', false], ['h2', true]]));
    const made = await Promise.all([1, 2, 3].map((i) => c.api.create({ name: `x${i}`, flavor, image }, ctx)));
    await advance(1);
    for (const m of made) expect((await c.api.get(m.instanceUuids[0]!, ctx)).host).toBe('h2');
    clock.clearTimer(beat);
  });
});
