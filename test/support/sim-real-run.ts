/**
 * The simulator against the real thing: the same requests, in the same order, sent to the same cells
 * running for real (SingleCell on MQTT over TCP, real clock, SQLite), one at a time — each build
 * waited for, each delete at its turn in simulated time. Also a recording wrapper for a simulated
 * target, so both runs report which requests were rejected.
 */
import { RealClock } from '../../runtime/clock/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { requestFactory } from '../../simulator/engine.ts';
import type { Scenario } from '../../simulator/scenario/index.ts';
import type { InstanceStateEvent, SimTarget, SimTargetFactory } from '../../simulator/target.ts';
import { FlatCells } from '../../simulator/targets/flat-cells.ts';
import { WorkloadGenerator, type SimRequestSpec } from '../../simulator/workload/generator.ts';

/** Wraps a target factory: which request indices were refused or ended in ERROR. */
export function recordRejections(inner: SimTargetFactory): { factory: SimTargetFactory; rejected: () => Set<number> } {
  const refused = new Set<number>();
  const owner = new Map<string, number>();
  const errored = new Set<string>();
  const factory: SimTargetFactory = async (ctx) => {
    const t = await inner(ctx);
    t.onInstanceState((e) => {
      if (e.vmState === 'error') errored.add(e.uuid);
    });
    const wrapped: SimTarget = {
      name: t.name,
      submit: async (req) => {
        try {
          const uuids = await t.submit(req);
          for (const u of uuids) owner.set(u, req.index);
          return uuids;
        } catch (e) {
          refused.add(req.index);
          throw e;
        }
      },
      delete: (u) => t.delete(u),
      onInstanceState: (cb) => t.onInstanceState(cb),
      hosts: () => t.hosts(),
      applyFault: (f) => t.applyFault(f),
      counters: () => t.counters(),
      stop: () => t.stop(),
    };
    return wrapped;
  };
  return { factory, rejected: () => new Set([...refused, ...[...errored].map((u) => owner.get(u)!).filter((i) => i !== undefined)]) };
}

/** Waits for vm_state changes of given instances on a real target. */
class Watcher {
  private readonly last = new Map<string, string>();
  private readonly waiting = new Map<string, { states: string[]; resolve: (s: string) => void }>();

  constructor(t: SimTarget) {
    t.onInstanceState((e: InstanceStateEvent) => {
      this.last.set(e.uuid, e.vmState);
      const w = this.waiting.get(e.uuid);
      if (w && w.states.includes(e.vmState)) {
        this.waiting.delete(e.uuid);
        w.resolve(e.vmState);
      }
    });
  }

  until(uuid: string, states: string[], timeoutMs = 15_000): Promise<string> {
    const now = this.last.get(uuid);
    if (now && states.includes(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`instance ${uuid} did not reach ${states.join('/')} (last: ${this.last.get(uuid)})`)), timeoutMs);
      this.waiting.set(uuid, { states, resolve: (s) => { clearTimeout(timer); resolve(s); } });
    });
  }
}

/** Run the scenario's requests for real; returns the indices of rejected requests. */
export async function runForReal(s: Scenario, seed: string): Promise<{ rejected: Set<number>; requests: number }> {
  const rng = new SeededRng(seed);
  const target = await FlatCells.start({
    plan: s.plan, clock: new RealClock(), rng, network: s.network, spawnTime: () => 0, flavors: s.plan.flavors,
    log: createLogger({}, 'silent'), transport: 'mqtt', dbFile: () => ':memory:',
  });
  const watch = new Watcher(target);
  const toBuild = requestFactory(s, rng);
  const gen = new WorkloadGenerator(s.workload, new SeededRng(seed), s.durationMs);
  const deletes: { at: number; uuids: string[] }[] = [];
  const rejected = new Set<number>();
  let requests = 0;
  const removeAll = async (uuids: string[]) => {
    for (const u of uuids) {
      await target.delete(u);
      await watch.until(u, ['deleted']);
    }
  };
  try {
    for (let r: SimRequestSpec | undefined = gen.next(); r; r = gen.next()) {
      requests++;
      deletes.sort((a, b) => a.at - b.at);
      while (deletes.length > 0 && deletes[0]!.at <= r.atMs) await removeAll(deletes.shift()!.uuids);
      let uuids: string[];
      try {
        uuids = await target.submit(toBuild(r));
      } catch {
        rejected.add(r.index);
        continue;
      }
      const states = await Promise.all(uuids.map((u) => watch.until(u, ['active', 'error'])));
      if (states.includes('error')) {
        rejected.add(r.index);
        await removeAll(uuids);
      } else if (r.lifetimeMs !== null) {
        deletes.push({ at: r.atMs + r.lifetimeMs, uuids });
      }
    }
  } finally {
    await target.stop();
  }
  return { rejected, requests };
}
