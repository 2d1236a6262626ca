/**
 * The conductor of one cell: the only holder of the cell database. It accepts builds (writing them
 * before anything is sent), runs the build task, applies what compute hosts report, and answers the
 * queries the layers above need. Hosted by a service actor, so it handles one message at a time.
 */
import { errorMessage, InstanceInvalidState, InstanceNotFound, NotFound as ServiceNotFound } from '../../runtime/errors/index.ts';
import type { ConductorContext } from './context.ts';
import type { MigrationProgressBody, PowerStateReportBody } from './messages.ts';
import { onLiveProgress } from './tasks/migrate-live.ts';
import type { ActionResultBody, BuildInstancesBody, BuildResultBody, ComputeNodeReport, UpdateServiceBody, AggregateWithHosts, InstanceTaskBody } from './messages.ts';
import type { InstanceRecord } from './records.ts';
import type { ServiceTracker } from './service-tracker.ts';
import { onBuildResult, scheduleAndBuild, sendBuild, SCHEDULE_EVENT } from './tasks/build.ts';
import { deleteInstance, onActionResult, powerAction, type Requester } from './tasks/instance-ops.ts';
import { instanceTask } from './tasks/instance-tasks.ts';
import * as xc from './tasks/cross-cell.ts';
import type { CrossCellSource } from './tasks/cross-cell.ts';
import type { CrossCellStepBody } from './messages.ts';
import { syncInstancePowerState } from './tasks/power-sync.ts';
import { reconcileHost } from './tasks/init-host.ts';
import type { HostGuestsBody } from './messages.ts';
import { VmState, type PowerAction } from '../compute/states.ts';
import { ConsoleAuthStore } from '../console/console-auth-store.ts';
import { issuedConsoleSchema, type ConnectInfo, type ConsoleType } from '../console/console-auth-token.ts';
import { InstanceNotReady } from '../console/errors.ts';
import { PowerState } from '../compute/drivers/power-state.ts';

/** Instance tasks after which the guest's console is somewhere else (or nowhere): its tokens go. */
const CONSOLE_MOVING_TASKS = new Set(['resize', 'revert_resize', 'shelve_offload', 'shelve', 'rebuild', 'migrate', 'live_migrate', 'evacuate']);
import { diagnosticsSchema, instanceFromBuild, type Diagnostics, type Migration, type MigrationFilter } from '../objects/index.ts';

export class ConductorManager {
  readonly consoleAuth: ConsoleAuthStore;
  /** The last aggregates the API cell pushed; applied again to hosts that register later. */
  private aggregates: AggregateWithHosts[] = [];

  /** `services` is the tracker behind `ctx.serviceUp`: built first, so the context is complete at construction. */
  constructor(
    readonly ctx: ConductorContext,
    readonly services: ServiceTracker,
  ) {
    this.consoleAuth = new ConsoleAuthStore(ctx.db, ctx.clock, ctx.config.consoleauth.token_ttl);
  }

  /** Read the cell's state back after a (re)start and resume unfinished builds. */
  async start(): Promise<void> {
    const { ctx } = this;
    await ctx.placement.load(ctx.db);
    await ctx.store.load();
    await ctx.builds.load(ctx.db);
    await ctx.migrations.load(ctx.db);
    await this.services.load();
    this.countInstancesOn();
  }

  /** The host manager's instances per host (running_vms, affinity filters), from the database. */
  private countInstancesOn(host?: string): void {
    for (const inst of this.ctx.store.all()) {
      if (inst.host && !inst.deleted && (host === undefined || inst.host === host)) this.ctx.hostManager.addInstance(inst.host, inst.uuid);
    }
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

  /** The source host's figures for a live migration under way (tasks/migrate-live.ts). */
  async migrationProgress(r: MigrationProgressBody): Promise<void> {
    await onLiveProgress(this.ctx, r);
  }

  /** A compute host's lifecycle event or power-state sync (tasks/power-sync.ts). */
  async powerStateReport(r: PowerStateReportBody): Promise<void> {
    await syncInstancePowerState(this.ctx, r);
  }

  /** A compute host (re)started: reconcile the database with its hypervisor (tasks/init-host.ts). */
  async hostGuests(r: HostGuestsBody): Promise<void> {
    await reconcileHost(this.ctx, r);
  }

  async deleteInstance(uuid: string, reqId: string, who: Requester = { userId: '' }): Promise<void> {
    if (this.ctx.store.get(uuid)) await this.consoleAuth.purgeForInstance(uuid);
    await deleteInstance(this.ctx, uuid, reqId, who);
  }

  async powerAction(uuid: string, action: PowerAction, reqId: string, who: Requester = { userId: '' }): Promise<void> {
    await powerAction(this.ctx, uuid, action, reqId, who);
  }

  /** Rebuild, resize, shelve, rescue, snapshot, reset-state (tasks/instance-tasks.ts). */
  /** Answers what a cross-cell move needs from the source when the move must leave the cell (tasks/cross-cell.ts). */
  async instanceTask(body: InstanceTaskBody, reqId: string): Promise<CrossCellSource | null> {
    if (CONSOLE_MOVING_TASKS.has(body.task.kind)) await this.consoleAuth.purgeForInstance(body.uuid);
    return (await instanceTask(this.ctx, body, reqId)) ?? null;
  }

  /**
   * One step of a cross-cell move (tasks/cross-cell.ts). Steps that wait for a compute host answer
   * `{done}`: the caller awaits it outside this actor, which must stay free to take the host's answer.
   */
  async crossCell(b: CrossCellStepBody, reqId: string, userId: string | undefined): Promise<unknown> {
    const { ctx } = this;
    switch (b.op) {
      case 'prep_dest': return xc.prepDest(ctx, b);
      case 'abort_source': return xc.abortSource(ctx, b.uuid, b.reason);
      case 'stop_source':
        await this.consoleAuth.purgeForInstance(b.uuid);
        return xc.stopSource(ctx, b.uuid, b.destHost, b.destNode, reqId);
      case 'finish_dest': return xc.finishDest(ctx, b.uuid, reqId);
      case 'hide_source': return xc.hideSource(ctx, b.uuid);
      case 'show_dest': return xc.showDest(ctx, b.uuid, b.version, reqId, userId);
      case 'abort_dest': return xc.abortDest(ctx, b.uuid);
      case 'confirm_source': return xc.confirmSource(ctx, b.uuid, reqId);
      case 'confirm_dest': return xc.confirmDest(ctx, b.uuid, reqId, userId);
      case 'revert_dest':
        await this.consoleAuth.purgeForInstance(b.uuid);
        return xc.revertDest(ctx, b.uuid, reqId);
      case 'revert_source': return xc.revertSource(ctx, b.uuid, b.version, reqId, userId);
      case 'purge_dest': return xc.purgeDest(ctx, b.uuid);
    }
  }

  computeNodeUpdate(r: ComputeNodeReport): void {
    const isNew = !this.services.nodes.has(r.host);
    const known = this.ctx.hostManager.nodesOf(r.host).length > 0;
    this.services.computeNode(r);
    // After a restart the instances were read before their host's node registered: count them now.
    if (!known) this.countInstancesOn(r.host);
    if (isNew && this.aggregates.length > 0) this.syncAggregates(this.aggregates);
  }

  heartbeat(host: string, binary: string): void {
    this.services.heartbeat(host, binary);
    // A host sends its resources only when they change: one alive whose node we do not know (this
    // conductor restarted since its last report) is asked for a report now.
    if (binary === 'nova-compute' && !this.services.nodes.has(host)) {
      void this.ctx.bus.cast(this.ctx.computeTopic(host), { type: 'update_available_resource', body: {} })
        .catch((e) => this.ctx.log.warn({ host, err: errorMessage(e) }, 'could not ask the host for its resources'));
    }
  }

  /** Migration records of this cell (GET /os-migrations and /servers/{id}/migrations). */
  listMigrations(filter: MigrationFilter = {}): Migration[] {
    return this.ctx.migrations.list(filter);
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

  /** The guest's diagnostics from its compute host; a guest without a host has none (409). */
  async getDiagnostics(uuid: string): Promise<Diagnostics> {
    const inst = this.ctx.store.get(uuid);
    if (!inst || inst.deleted) throw new InstanceNotFound(uuid);
    if (!inst.host) throw new InstanceInvalidState(`Instance ${uuid} has no host: it has no diagnostics.`);
    const raw = await this.ctx.bus.call(this.ctx.computeTopic(inst.host), { type: 'compute_get_diagnostics', body: { uuid } });
    return diagnosticsSchema.parse(raw);
  }

  async consoleOutput(uuid: string, length?: number): Promise<string> {
    const inst = this.ctx.store.get(uuid);
    if (!inst) throw new InstanceNotFound(uuid);
    if (!inst.host) return '';
    return this.ctx.bus.call<string>(this.ctx.computeTopic(inst.host), { type: 'compute_console_output', body: { uuid, length } });
  }

  /**
   * get_vnc_console & co.: the guest's compute host mints a token; only its hash and expiry are
   * stored here. A guest that is not running has no console (409).
   */
  async getConsole(uuid: string, consoleType: ConsoleType): Promise<{ token: string; expires: number; instanceUuid: string }> {
    const inst = this.ctx.store.get(uuid);
    if (!inst || inst.deleted) throw new InstanceNotFound(uuid);
    if (!inst.host || inst.vmState !== VmState.ACTIVE || inst.powerState !== PowerState.RUNNING) throw new InstanceNotReady(uuid);
    const raw = await this.ctx.bus.call(this.ctx.computeTopic(inst.host), { type: 'compute_get_console', body: { uuid, consoleType } });
    const issued = issuedConsoleSchema.parse(raw);
    const { expires } = await this.consoleAuth.authorize(issued);
    return { token: issued.token, expires, instanceUuid: uuid };
  }

  /**
   * A token (by hash) a proxy or the os-console-auth-tokens API presents: its connection details, or
   * null when it is unknown here, expired, or its guest is gone or moved. With checkPort the compute
   * host confirms the port is still that guest's console (validate_console_port).
   */
  async validateConsoleToken(tokenHash: string, checkPort: boolean): Promise<ConnectInfo | null> {
    const info = await this.consoleAuth.validate(tokenHash);
    if (!info) return null;
    const inst = this.ctx.store.get(info.instanceUuid);
    if (!inst || inst.deleted || inst.host !== info.computeHost) {
      await this.consoleAuth.purgeForInstance(info.instanceUuid);
      return null;
    }
    if (!checkPort) return info;
    const ok = await this.ctx.bus.call<boolean>(this.ctx.computeTopic(info.computeHost), {
      type: 'compute_validate_console_port', body: { uuid: info.instanceUuid, port: info.port, consoleType: info.consoleType },
    });
    return ok === true ? info : null;
  }

  /** Periodic clean-up of expired tokens (Nova's _cleanup_expired_console_auth_tokens). */
  async purgeExpiredConsoleTokens(): Promise<number> {
    return this.consoleAuth.purgeExpired();
  }
}
