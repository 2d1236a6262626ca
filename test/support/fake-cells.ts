/**
 * Test support: a CellsPort that keeps instances in memory and answers at once — a build is ACTIVE
 * on a fake host as soon as it is accepted, power actions and instance tasks follow Nova's state
 * rules — so REST route tests run in milliseconds without brokers or databases.
 */
import { InstanceInvalidState, InstanceNotFound, NotFound } from '../../runtime/errors/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import { migrationMatches, type Migration, type MigrationFilter } from '../../actors/objects/index.ts';
import type { CellsPort, ComputeNodeView, InstanceView, RequestContext, ServiceUpdate, ServiceView } from '../../actors/api/compute-api.ts';
import type { AggregateWithHosts, BuildInstancesBody, InstanceTask } from '../../actors/conductor/messages.ts';
import type { InstanceAction } from '../../actors/conductor/instance-store.ts';
import type { InstanceRecord } from '../../actors/conductor/records.ts';
import { makeDiagnostics, type Diagnostics } from '../../actors/objects/index.ts';
import { hashConsoleToken, newConsoleToken, type ConnectInfo, type ConsoleType } from '../../actors/console/console-auth-token.ts';
import { ConsoleTypeUnavailable, InstanceNotReady } from '../../actors/console/errors.ts';
import type { IssuedToken } from '../../actors/api/compute-api.ts';
import { POWER_ACTIONS, POWER_ACTION_RESULT, type PowerAction } from '../../actors/compute/states.ts';

export const FAKE_HOSTS = ['host-a', 'host-b'];

export class FakeCells implements CellsPort {
  readonly instances = new Map<string, InstanceRecord>();
  readonly actionLog = new Map<string, InstanceAction[]>();
  /** Every instance task asked of the cells, as the API sent it. */
  readonly tasks: Array<{ uuid: string; task: InstanceTask }> = [];
  aggregates: AggregateWithHosts[] = [];
  readonly services: ServiceView[];
  /** Migration records the cells answer os-migrations with (tests put them here). */
  readonly migrations: Migration[] = [];
  /** Hold new builds in BUILDING (to test what the API shows meanwhile). */
  holdBuilds = false;

  constructor(private readonly clock: Clock) {
    const now = clock.now();
    this.services = [
      ...FAKE_HOSTS.map((host, i) => ({
        uuid: `00000000-0000-4000-8000-00000000000${i + 1}`, id: i + 1, host, binary: 'nova-compute', reportCount: 1, disabled: false,
        disabledReason: null, forcedDown: false, lastSeenUp: now, createdAt: now, updatedAt: now, up: true,
      })),
      {
        uuid: '00000000-0000-4000-8000-0000000000c1', id: 9, host: 'cell1', binary: 'nova-conductor', reportCount: 1, disabled: false,
        disabledReason: null, forcedDown: false, lastSeenUp: now, createdAt: now, updatedAt: now, up: true,
      },
    ];
  }

  private action(uuid: string, action: string, ctx: { reqId: string; userId: string }, projectId: string): void {
    const list = this.actionLog.get(uuid) ?? [];
    const now = this.clock.now();
    list.push({
      id: `${uuid}:${list.length}`, instanceUuid: uuid, action, requestId: ctx.reqId, userId: ctx.userId, projectId,
      startTime: now + list.length, finishTime: now + list.length, message: null,
      events: [{ event: `compute_${action}`, startTime: now, finishTime: now, result: 'Success', traceback: null, host: 'host-a' }],
    });
    this.actionLog.set(uuid, list);
  }

  private need(uuid: string): InstanceRecord {
    const i = this.instances.get(uuid);
    if (!i) throw new InstanceNotFound(uuid);
    return i;
  }

  async build(body: BuildInstancesBody, reqId: string): Promise<void> {
    for (const n of body.instances) {
      const now = this.clock.now();
      this.instances.set(n.uuid, {
        uuid: n.uuid, displayName: n.displayName, hostname: n.hostname, projectId: body.spec.projectId, userId: body.spec.userId,
        vmState: this.holdBuilds ? 'building' : 'active', taskState: this.holdBuilds ? 'scheduling' : null, powerState: this.holdBuilds ? 0 : 1,
        host: this.holdBuilds ? null : (body.spec.forceHosts[0] ?? 'host-a'), node: this.holdBuilds ? null : (body.spec.forceHosts[0] ?? 'host-a'),
        availabilityZone: body.spec.availabilityZone, imageRef: n.imageRef, keyName: n.keyName, reservationId: n.reservationId,
        launchIndex: n.launchIndex, locked: false, flavor: body.spec.flavor, image: body.spec.image, metadata: n.metadata,
        systemMetadata: {}, extra: n.extra, version: 1, createdAt: n.createdAt, updatedAt: now, launchedAt: now, terminatedAt: null,
        deletedAt: null, deleted: false,
      });
      this.action(n.uuid, 'create', { reqId, userId: body.spec.userId }, body.spec.projectId);
    }
  }

  async get(uuid: string): Promise<InstanceView> {
    return { ...this.need(uuid), fault: null };
  }

  async list(projectId: string | undefined): Promise<InstanceRecord[]> {
    return [...this.instances.values()].filter((i) => !projectId || i.projectId === projectId);
  }

  async delete(uuid: string, ctx: RequestContext): Promise<void> {
    const i = this.need(uuid);
    this.action(uuid, 'delete', ctx, i.projectId);
    this.instances.delete(uuid);
  }

  async powerAction(uuid: string, action: PowerAction, ctx: RequestContext): Promise<void> {
    const i = this.need(uuid);
    if (i.taskState !== null || !(POWER_ACTIONS[action].from as readonly string[]).includes(i.vmState)) {
      throw new InstanceInvalidState(`Cannot '${action}' instance ${uuid} while it is in vm_state ${i.vmState}`);
    }
    i.vmState = POWER_ACTION_RESULT[action];
    i.powerState = i.vmState === 'active' ? 1 : i.vmState === 'paused' ? 3 : i.vmState === 'suspended' ? 7 : 4;
    this.action(uuid, action.startsWith('reboot') ? 'reboot' : action, ctx, i.projectId);
  }

  async instanceTask(uuid: string, task: InstanceTask, ctx: RequestContext): Promise<void> {
    const i = this.need(uuid);
    this.tasks.push({ uuid, task });
    this.action(uuid, task.kind, ctx, i.projectId);
    if (task.kind === 'rebuild') Object.assign(i, { imageRef: task.imageRef, image: task.image });
    if (task.kind === 'resize') Object.assign(i, { flavor: task.flavor, vmState: 'resized' });
    if (task.kind === 'confirm_resize' || task.kind === 'revert_resize') i.vmState = 'active';
    if (task.kind === 'shelve') Object.assign(i, { vmState: 'shelved_offloaded', host: null, node: null, powerState: 4 });
    if (task.kind === 'unshelve') Object.assign(i, { vmState: 'active', host: 'host-a', node: 'host-a', powerState: 1 });
    if (task.kind === 'rescue') i.vmState = 'rescued';
    if (task.kind === 'unrescue') i.vmState = 'active';
    if (task.kind === 'reset_state') i.vmState = task.vmState;
  }

  async actions(uuid: string): Promise<InstanceAction[]> {
    this.need(uuid);
    return [...(this.actionLog.get(uuid) ?? [])];
  }

  /** A running guest's diagnostics (as the fake driver sizes them); another power state is 409. */
  async getDiagnostics(uuid: string): Promise<Diagnostics> {
    const i = this.need(uuid);
    if (i.powerState !== 1) throw new InstanceInvalidState(`Instance ${uuid} in power state shutdown. Cannot get_diagnostics while the instance is in this state.`);
    return makeDiagnostics({
      state: 'running', driver: 'libvirt', hypervisor: 'fake', hypervisor_os: 'fake-os', uptime: 60, config_drive: false,
      memory_details: { maximum: i.flavor.memoryMb, used: i.flavor.memoryMb },
      cpu_details: Array.from({ length: i.flavor.vcpus }, (_, id) => ({ id, time: 60_000_000_000, utilisation: null })),
      nic_details: [], disk_details: [{ read_bytes: 1, read_requests: 2, write_bytes: 3, write_requests: 4, errors_count: 0 }],
    });
  }

  async consoleOutput(uuid: string, length: number | undefined): Promise<string> {
    this.need(uuid);
    const lines = Array.from({ length: 10 }, (_, k) => `line ${k + 1}`);
    return (length ? lines.slice(-length) : lines).join('\n');
  }

  /** Console tokens by hash; host-a and host-b pretend to have a VNC display (no SPICE, no serial). */
  readonly consoleTokens = new Map<string, ConnectInfo>();
  private tokenSeq = 0;

  async getConsole(uuid: string, consoleType: ConsoleType): Promise<IssuedToken> {
    const i = this.need(uuid);
    if (i.vmState !== 'active' || i.powerState !== 1 || !i.host) throw new InstanceNotReady(uuid);
    if (consoleType !== 'novnc' && consoleType !== 'xvpvnc') throw new ConsoleTypeUnavailable(consoleType);
    this.tokenSeq++;
    const token = newConsoleToken(Uint8Array.from({ length: 16 }, (_, k) => (k * 31 + this.tokenSeq) & 0xff));
    const expires = this.clock.now() + 600_000;
    this.consoleTokens.set(hashConsoleToken(token), {
      instanceUuid: uuid, consoleType, host: '127.0.0.1', port: 5900, internalAccessPath: null, computeHost: i.host, expires,
    });
    return { token, expires, instanceUuid: uuid };
  }

  async validateConsoleToken(tokenHash: string): Promise<ConnectInfo | null> {
    const info = this.consoleTokens.get(tokenHash);
    if (!info || info.expires <= this.clock.now() || this.instances.get(info.instanceUuid)?.deleted) return null;
    return info;
  }

  async syncAggregates(aggregates: AggregateWithHosts[]): Promise<void> {
    this.aggregates = aggregates;
  }

  async listMigrations(filter: MigrationFilter): Promise<Migration[]> {
    return this.migrations.filter((m) => migrationMatches(m, filter));
  }

  async listServices(): Promise<ServiceView[]> {
    return this.services.map((s) => ({ ...s }));
  }

  async listComputeNodes(): Promise<ComputeNodeView[]> {
    return FAKE_HOSTS.map((host, i) => ({
      host, nodename: host, uuid: `11111111-0000-4000-8000-00000000000${i + 1}`, hypervisorType: 'fake', hypervisorVersion: 1000,
      cpuArch: 'x86_64', cpuInfo: '{"arch": "x86_64"}', vcpus: 16, memoryMb: 32768, localGb: 500, vcpusUsed: 0, memoryMbUsed: 512,
      localGbUsed: 0, runningVms: 0, hostIp: '127.0.0.1', serviceUp: true, serviceDisabled: false,
    }));
  }

  async updateService(change: ServiceUpdate): Promise<ServiceView> {
    const s = this.services.find((x) => x.host === change.host && x.binary === change.binary);
    if (!s) throw new NotFound(`Service ${change.binary} on host ${change.host} could not be found.`);
    if (change.disabled !== undefined) s.disabled = change.disabled;
    if (change.disabledReason !== undefined) s.disabledReason = change.disabledReason;
    if (change.forcedDown !== undefined) s.forcedDown = change.forcedDown;
    return { ...s };
  }
}
