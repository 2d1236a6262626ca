/**
 * The conductor of one cell: the only holder of the cell database. It accepts builds (writing them
 * before anything is sent), runs the build task, applies what compute hosts report, and answers the
 * queries the layers above need. Hosted by a service actor, so it handles one message at a time.
 */
import { InstanceNotFound, NotFound as ServiceNotFound } from '../../runtime/errors/index.ts';
import type { ConductorContext } from './context.ts';
import type { ActionResultBody, BuildInstancesBody, BuildResultBody, ComputeNodeReport, UpdateServiceBody, AggregateWithHosts, InstanceTaskBody } from './messages.ts';
import type { InstanceRecord } from './records.ts';
import { ServiceTracker } from './service-tracker.ts';
import { onBuildResult, scheduleAndBuild, sendBuild, SCHEDULE_EVENT } from './tasks/build.ts';
import { deleteInstance, onActionResult, powerAction, type Requester } from './tasks/instance-ops.ts';
import { instanceTask } from './tasks/instance-tasks.ts';
import type { PowerAction } from '../compute/states.ts';
import { instanceFromBuild } from '../objects/index.ts';

export class ConductorManager {
  readonly services: ServiceTracker;
  /** The last aggregates the API cell pushed; applied again to hosts that register later. */
  private aggregates: AggregateWithHosts[] = [];

  constructor(readonly ctx: ConductorContext) {
    this.services = new ServiceTracker(ctx);
    ctx.serviceUp = (host) => this.services.isUp(host);
  }

  /** Read the cell's state back after a (re)start and resume unfinished builds. */
  async start(): Promise<void> {
    const { ctx } = this;
    await ctx.placement.load(ctx.db);
    await ctx.store.load(ctx.db);
    await ctx.builds.load(ctx.db);
    await this.services.load();
    for (const inst of ctx.store.all()) if (inst.host) ctx.hostManager.addInstance(inst.host, inst.uuid);
  }

  /** Re-send what was in flight when the cell stopped: pending builds are scheduled, dispatched ones re-cast. */
  async replayBuilds(): Promise<number> {
    const { ctx } = this;
    const pending: string[] = [];
    let n = 0;
    for (const br of ctx.builds.all()) {
      n++;
      if (br.state === 'pending') pending.push(br.instanceUuid);
      else await sendBuild(ctx, br);
    }
    for (const uuid of pending) await scheduleAndBuild(ctx, [uuid]);
    return n;
  }

  /** Accept a build: instances, the create action and the build requests are durable before this returns. */
  async buildInstances(body: BuildInstancesBody, reqId: string): Promise<{ accepted: string[] }> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const fresh: string[] = [];
    for (const n of body.instances) {
      if (ctx.store.get(n.uuid) || ctx.builds.get(n.uuid)) continue; // a re-sent request: already have it
      ctx.store.create(instanceFromBuild(n, body.spec, 1));
      const action = ctx.store.startAction(n.uuid, 'create', reqId, body.spec.userId, body.spec.projectId);
      ctx.store.eventStart(action, SCHEDULE_EVENT, null);
      ctx.builds.save(
        { instanceUuid: n.uuid, requestId: reqId, spec: body.spec, state: 'pending', attempts: 0, host: null, alternates: [], triedHosts: [], createdAt: now },
        now,
      );
      fresh.push(n.uuid);
    }
    await ctx.writer.commit();
    if (fresh.length > 0) {
      ctx.log.info(
        { request_id: reqId, instance_uuid: fresh[0], ...(fresh.length > 1 ? { instances: fresh.length } : {}) },
        'build accepted; scheduling',
      );
      // Scheduling continues after the answer, as Nova's API returns 202 before the build is placed.
      void scheduleAndBuild(ctx, fresh).catch((err) => ctx.log.error({ err, request_id: reqId, instance_uuid: fresh[0] }, 'schedule_and_build failed'));
    }
    return { accepted: body.instances.map((i) => i.uuid) };
  }

  async buildResult(r: BuildResultBody): Promise<void> {
    await onBuildResult(this.ctx, r);
  }

  async actionResult(r: ActionResultBody): Promise<void> {
    await onActionResult(this.ctx, r);
  }

  async deleteInstance(uuid: string, reqId: string, who: Requester = { userId: '' }): Promise<void> {
    await deleteInstance(this.ctx, uuid, reqId, who);
  }

  async powerAction(uuid: string, action: PowerAction, reqId: string, who: Requester = { userId: '' }): Promise<void> {
    await powerAction(this.ctx, uuid, action, reqId, who);
  }

  /** Rebuild, resize, shelve, rescue, snapshot, reset-state (tasks/instance-tasks.ts). */
  async instanceTask(body: InstanceTaskBody, reqId: string): Promise<void> {
    await instanceTask(this.ctx, body, reqId);
  }

  computeNodeUpdate(r: ComputeNodeReport): void {
    const isNew = !this.services.nodes.has(r.host);
    this.services.computeNode(r);
    if (isNew && this.aggregates.length > 0) this.syncAggregates(this.aggregates);
  }

  heartbeat(host: string, binary: string): void {
    this.services.heartbeat(host, binary);
  }

  listServices() {
    return this.services.list();
  }

  /** Compute nodes with the usage placement holds against them (what the hypervisors API shows). */
  listComputeNodes() {
    return this.services.listNodes().map((n) => {
      const rp = this.ctx.placement.provider(n.uuid);
      return {
        ...n,
        vcpusUsed: rp?.usages.VCPU ?? 0,
        memoryMbUsed: (rp?.usages.MEMORY_MB ?? 0) + this.ctx.config.DEFAULT.reserved_host_memory_mb,
        localGbUsed: rp?.usages.DISK_GB ?? 0,
        runningVms: this.ctx.hostManager.nodesOf(n.host)[0]?.instances.size ?? n.runningVms,
      };
    });
  }

  updateService(b: UpdateServiceBody) {
    const s = this.services.update(b.host, b.binary, b);
    if (!s) throw new ServiceNotFound(`Service ${b.binary} on host ${b.host} could not be found.`);
    return s;
  }

  /** Replace the aggregate membership the scheduler sees (AZ filter, aggregate extra specs). */
  syncAggregates(aggregates: AggregateWithHosts[]): void {
    const byHost = new Map<string, AggregateWithHosts[]>();
    for (const a of aggregates) for (const h of a.hosts) byHost.set(h, [...(byHost.get(h) ?? []), a]);
    for (const host of this.services.nodes.keys()) {
      const list = byHost.get(host) ?? [];
      this.ctx.hostManager.setAggregates(host, list.map((a) => ({ id: a.id, name: a.name, availabilityZone: a.availabilityZone, metadata: a.metadata })));
    }
    this.aggregates = aggregates;
  }

  checkServices(): void {
    this.services.checkLiveness();
  }

  getInstance(uuid: string): InstanceRecord & { fault: unknown } {
    const inst = this.ctx.store.get(uuid);
    if (!inst) throw new InstanceNotFound(uuid);
    return { ...inst, fault: this.ctx.store.faultOf(uuid) ?? null };
  }

  listInstances(projectId?: string): InstanceRecord[] {
    const out: InstanceRecord[] = [];
    for (const i of this.ctx.store.all()) if (!projectId || i.projectId === projectId) out.push(i);
    return out;
  }

  instanceActions(uuid: string) {
    if (!this.ctx.store.get(uuid)) throw new InstanceNotFound(uuid);
    return this.ctx.store.actionsOf(uuid);
  }

  async consoleOutput(uuid: string, length?: number): Promise<string> {
    const inst = this.ctx.store.get(uuid);
    if (!inst) throw new InstanceNotFound(uuid);
    if (!inst.host) return '';
    return this.ctx.bus.call<string>(this.ctx.computeTopic(inst.host), { type: 'compute_console_output', body: { uuid, length } });
  }
}
