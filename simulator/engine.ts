/**
 * The discrete-event engine. Arrivals, deletes, faults and samples are timers on a VirtualClock; the
 * system under simulation (a SimTarget: the real conductor, scheduler and compute actors) runs on the
 * same clock and the same in-memory bus. The clock fires one timer at a time and waits for everything
 * it set off to finish (quiesce.ts), so the same scenario and seed give the same run, byte for byte.
 * Wall-clock time is only read through the injected `wallClock`, and only for the wall metrics.
 */
import { VirtualClock } from '../runtime/clock/index.ts';
import { createLogger, type Logger } from '../runtime/log/index.ts';
import { SeededRng, type Rng } from '../runtime/rng/index.ts';
import type { PlanHost } from '../topology/plan-types.ts';
import { flavorNeed } from './capacity.ts';
import { faultTimeline, withClockBase } from './faults/timeline.ts';
import { MetricsCollector, type BucketSeries, type OutcomeCounts, type ZoneSeries } from './metrics/collector.ts';
import { faultImpact, type FaultImpact } from './metrics/recovery.ts';
import { Sampler } from './metrics/sampler.ts';
import { runOracle, type OracleResult } from './oracle/run.ts';
import { runClockUntil } from './quiesce.ts';
import type { Scenario } from './scenario/model.ts';
import type { SimBuildRequest, SimCounters, SimTargetFactory } from './target.ts';
import { targetFactory } from './targets/index.ts';
import { sample } from './workload/distributions.ts';
import { WorkloadGenerator, type SimRequestSpec } from './workload/generator.ts';
import { flavorOfRecord } from '../actors/objects/index.ts';

export interface Progress {
  phase: 'start' | 'run' | 'drain' | 'oracle' | 'done';
  simMs: number;
  totalMs: number;
  requests: number;
}

export interface EngineOptions {
  scenario: Scenario;
  /** Default: the scenario's seed. */
  seed?: string;
  /** Default: the target the scenario names. */
  target?: SimTargetFactory;
  /** Wall time in ms, for the wall metrics only (never for results). Default: always 0. */
  wallClock?: () => number;
  onProgress?: (p: Progress) => void;
  log?: Logger;
}

export interface WallMetrics {
  startupS: number;
  runS: number;
  oracleS: number;
  /** Build decisions (instances that reached ACTIVE or failed) per wall second of the run phase. */
  decisionsPerWallS: number;
  simSecondsPerWallS: number;
}

export interface RunOutput {
  scenario: Scenario;
  seed: string;
  /** Simulated ms actually run (duration plus the part of the drain that was needed). */
  simulatedMs: number;
  counts: OutcomeCounts;
  latenciesMs: Float64Array;
  buckets: BucketSeries;
  /** The same by requested availability zone (sites, in generated topologies). */
  zones: ReadonlyMap<string, ZoneSeries>;
  sampler: Sampler;
  faults: FaultImpact[];
  counters: SimCounters;
  oracle: OracleResult | null;
  wall: WallMetrics;
}

function spawnTimes(s: Scenario, rng: Rng): (h: PlanHost) => number | (() => number) {
  const d = s.spawnTime;
  if (!d) return (h) => h.driver_options.spawn_time_ms ?? 0;
  return (h) => {
    const stream = rng.stream(`spawn-time:${h.cell}`);
    return () => sample(d, stream);
  };
}

/** Build requests as the API receives them (flavor, image, project, group, hints) from workload requests. */
export function requestFactory(s: Scenario, rng: Rng): (r: SimRequestSpec) => SimBuildRequest {
  const { plan } = s;
  const image = plan.defaults.image ?? plan.images[0];
  const project = plan.projects.find((p) => p.name !== 'admin') ?? plan.projects[0];
  const user = plan.users.find((u) => u.projectId === project?.id) ?? plan.users[0];
  const groups = rng.stream('sim/server-groups');
  return (r) => {
    const f = r.flavor;
    const group = r.group ? { uuid: groups.uuid4(), policy: r.group.policy, hosts: [], members: [] } : null;
    const hints: Record<string, string> = {};
    if (r.targetCell !== null) hints.target_cell = r.targetCell;
    if (group) hints.group = group.uuid;
    return {
      index: r.index, name: `sim-${r.index}`, count: r.count, availabilityZone: r.availabilityZone, schedulerHints: hints, group,
      flavor: flavorOfRecord({ ...f, extraSpecs: f.extra_specs }),
      image: { id: image?.id ?? 'sim-image', properties: image?.properties ?? {} },
      projectId: project?.id ?? 'sim', userId: user?.id ?? 'sim', reqId: `req-sim-${r.index}`,
    };
  };
}

export async function runSimulation(o: EngineOptions): Promise<RunOutput> {
  const s = o.scenario;
  const seed = o.seed ?? s.seed;
  const wall = o.wallClock ?? (() => 0);
  const progress = o.onProgress ?? (() => undefined);
  const w0 = wall();
  const clock = new VirtualClock();
  const t0 = clock.now();
  const rng = new SeededRng(seed);
  const needs = s.plan.flavors.map(flavorNeed);
  progress({ phase: 'start', simMs: 0, totalMs: s.durationMs, requests: 0 });
  // Discarding databases skip the migrations too: every cell database starts empty, so the reads of
  // start-up find nothing either way, and a thousand cells need not each wait on SQLite's threads.
  const target = await (o.target ?? targetFactory(s.target))({
    plan: s.plan, clock, rng, network: s.network, spawnTime: spawnTimes(s, rng), flavors: s.plan.flavors,
    log: o.log ?? createLogger({}, 'silent'), transport: 'memory', discardDb: s.database === 'discard',
  });
  try {
    const w1 = wall();
    const collector = new MetricsCollector(t0, s.sampleMs);
    const end = t0 + s.durationMs;
    const sampler = new Sampler(s.plan, needs, Math.ceil((s.durationMs + s.drainMs) / s.sampleMs) + 2);
    const onEvent = (e: Parameters<typeof collector.state>[0]) => {
      if (collector.state(e) === 'error') void target.delete(e.uuid).catch(() => undefined);
    };
    target.onInstanceState(onEvent);
    const toBuild = requestFactory(s, rng);
    const gen = new WorkloadGenerator(s.workload, new SeededRng(seed), s.durationMs);
    const deleteAll = (uuids: readonly string[]) => {
      for (const u of uuids) void target.delete(u).catch(() => undefined);
    };
    // A timer of its own scope: a closure in `arrive` would keep the whole request alive until then.
    const deleteLater = (uuids: readonly string[], ms: number) => clock.setTimeout(() => deleteAll(uuids), ms);
    const arrive = (r: SimRequestSpec) => {
      collector.arrival(r);
      target.submit(toBuild(r)).then(
        (uuids) => {
          collector.bound(r, uuids, onEvent);
          if (r.lifetimeMs !== null) deleteLater(uuids, Math.max(0, t0 + r.atMs + r.lifetimeMs - clock.now()));
        },
        (err) => collector.refused(r, err, clock.now()),
      );
    };
    const scheduleNext = () => {
      const r = gen.next();
      if (r) clock.setTimeout(() => {
        arrive(r);
        scheduleNext();
      }, t0 + r.atMs - clock.now());
    };
    scheduleNext();
    for (const a of faultTimeline(s.faults)) {
      clock.setTimeout(() => void target.applyFault(withClockBase(a.action, t0)), t0 + a.atMs - clock.now());
    }
    const takeSample = () => sampler.take((clock.now() - t0) / 1000, target.hosts(), collector.activeNow);
    takeSample();
    const sampling = clock.setInterval(takeSample, s.sampleMs);

    const step = Math.max(1000, Math.min(s.sampleMs, s.durationMs / 200));
    const report = (phase: Progress['phase']) => progress({ phase, simMs: clock.now() - t0, totalMs: s.durationMs, requests: collector.finish().requests });
    while (clock.now() < end) {
      await runClockUntil(clock, Math.min(end, clock.now() + step));
      report('run');
    }
    const drainEnd = end + s.drainMs;
    while (collector.inFlight() > 0 && clock.now() < drainEnd) {
      await runClockUntil(clock, Math.min(drainEnd, clock.now() + step));
      report('drain');
    }
    clock.clearTimer(sampling);
    if ((clock.now() - t0) % s.sampleMs !== 0) takeSample();
    const simulatedMs = clock.now() - t0;
    const w2 = wall();
    const counts = collector.finish();
    const counters = target.counters();
    progress({ phase: 'oracle', simMs: simulatedMs, totalMs: s.durationMs, requests: counts.requests });
    const oracle = s.oracle ? runOracle(s, seed, needs, sampler.samples.map((x) => x.t * 1000)) : null;
    const w3 = wall();
    const decisions = counts.active + counts.no_valid_host + counts.error;
    const runS = (w2 - w1) / 1000;
    progress({ phase: 'done', simMs: simulatedMs, totalMs: s.durationMs, requests: counts.requests });
    return {
      scenario: s, seed, simulatedMs, counts, latenciesMs: collector.sortedLatencies(), buckets: collector.buckets, zones: collector.byZone, sampler,
      faults: s.faults.map((f) => faultImpact(f, collector.buckets.arrivals, collector.buckets.rejectedByArrival, s.sampleMs, simulatedMs)),
      counters, oracle,
      wall: {
        startupS: (w1 - w0) / 1000, runS, oracleS: (w3 - w2) / 1000,
        decisionsPerWallS: runS > 0 ? decisions / runS : 0, simSecondsPerWallS: runS > 0 ? simulatedMs / 1000 / runS : 0,
      },
    };
  } finally {
    await target.stop();
  }
}
