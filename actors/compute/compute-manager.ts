/**
 * The compute manager of one host (nova/compute/manager.py): runs builds, deletes and power actions
 * on its hypervisor driver and reports results, resources (update_available_resource) and heartbeats
 * to its cell's conductor over the bus. It has no database: the conductor records everything.
 * Hosted by a service actor; the driver outlives the actor, so a restarted manager finds its guests.
 */
import type { Bus } from '../../runtime/bus/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import { InstanceInvalidState, NovaError, errorMessage } from '../../runtime/errors/index.ts';
import type { Diagnostics } from '../objects/diagnostics.ts';
import { NotSupportedByDriver } from './drivers/errors.ts';
import { PowerState, powerStateName } from './drivers/power-state.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { ComputeDriver, LiveMigrationProgress } from './drivers/driver.ts';
import type { SpawnContext } from './drivers/spawn-context.ts';
import type { BuildAndRunBody, ComputeInstanceTaskBody, ComputePreLiveMigrationBody } from './messages.ts';
import type { ComputeNodeReport } from '../conductor/messages.ts';
import { answersMoveStep, isMoveStepBody, preLiveMigration, runMoveStep } from './move-steps.ts';
import type { PowerAction } from './states.ts';
import { issueConsole, validateConsolePort } from '../console/compute-consoles.ts';
import type { ConsoleType, IssuedConsole } from '../console/console-auth-token.ts';
import { osSecretBytes, type SecretBytes } from '../console/secret-bytes.ts';

export interface ComputeManagerDeps {
  host: string;
  /** Resource provider / compute node uuid, stable per host. */
  nodeUuid: string;
  clock: Clock;
  bus: Bus;
  conductorTopic: string;
  driver: ComputeDriver;
  log: Logger;
  /** Randomness for console tokens (default the OS CSPRNG). */
  secretBytes?: SecretBytes;
  /** Nova's [DEFAULT] shutdown_timeout for stop; the driver's own default when absent. */
  shutdownTimeoutS?: number;
  /** [compute] resource_provider_association_refresh: an unchanged report is re-sent after this long (0 or absent: never). */
  resourceRefreshS?: number;
}

/** Drivers whose lifecycle events already reach a manager (the actor may restart; the driver stays). */
const listening = new WeakSet<ComputeDriver>();
/** Live migration progress goes to the conductor at most this often (Nova polls libvirt's job every 0.5 s, logs every few). */
const PROGRESS_INTERVAL_MS = 1000;

/**
 * Two resource reports say the same (Nova's _resource_change): every field equal, the supported
 * instances by content. Kept as the report itself, not as its JSON: a string per host per node was
 * ~1 KB, 100 MB at the simulator's 10^5 hosts, and writing it cost a stringify per host per period.
 */
function sameReport(a: ComputeNodeReport, b: ComputeNodeReport): boolean {
  for (const k of Object.keys(b) as Array<keyof ComputeNodeReport>) {
    if (k === 'supportedInstances') {
      if (!sameTuples(a.supportedInstances, b.supportedInstances)) return false;
    } else if (a[k] !== b[k]) return false;
  }
  return Object.keys(a).length === Object.keys(b).length;
}

function sameTuples(a: ReadonlyArray<readonly string[]>, b: ReadonlyArray<readonly string[]>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length || x.some((v, j) => v !== y[j])) return false;
  }
  return true;
}

export class ComputeManager {
  private reportCount = 0;
  /** The power state last told to the conductor per guest, so a sync only reports what changed. */
  private readonly reported = new Map<string, number>();
  /** Each node's last resource report as sent and when, so an unchanged one is not sent again. */
  private readonly lastResources = new Map<string, { report: ComputeNodeReport; at: number }>();
  /** Guests this manager is deleting: their STOPPED event is its own doing, not news (Nova skips a sync while a task is pending). */
  private readonly deleting = new Set<string>();
  private cpuArch: { text: string; arch: string } | undefined;

  constructor(private readonly d: ComputeManagerDeps) {}

  /** init_host: connect the driver, listen to its lifecycle events, then tell the conductor this host exists. */
  async initHost(): Promise<void> {
    await this.d.driver.init(this.d.host);
    if (this.d.driver.registerEventListener && !listening.has(this.d.driver)) {
      listening.add(this.d.driver);
      // Nova's handle_lifecycle_event: the hypervisor saw a guest change state on its own. Only the
      // transitions a guest can make by itself matter (a build's STARTED is reported by the build).
      this.d.driver.registerEventListener((e) => {
        if (e.transition !== 'STARTED' && e.transition !== 'RESUMED' && !this.deleting.has(e.instanceUuid)) void this.reportPowerState(e.instanceUuid);
      });
    }
    await this.reportHostGuests();
    await this.updateAvailableResource(true);
    await this.heartbeat();
  }

  /** init_host's reconcile: every guest the hypervisor has, for the conductor to compare with the database. */
  private async reportHostGuests(): Promise<void> {
    const guests: Array<{ uuid: string; powerState: number }> = [];
    for (const uuid of await this.d.driver.listInstanceUuids()) {
      const state = await this.d.driver.getInfo(uuid).then((i) => i.state, () => undefined);
      if (state !== undefined) guests.push({ uuid, powerState: state });
    }
    for (const g of guests) this.reported.set(g.uuid, g.powerState);
    await this.report('compute_host_guests', undefined, { host: this.d.host, guests });
  }

  /** _sync_power_states: every guest's power state as the hypervisor sees it, to the conductor. */
  async syncPowerStates(): Promise<void> {
    for (const uuid of await this.d.driver.listInstanceUuids()) await this.reportPowerState(uuid);
  }

  private async reportPowerState(uuid: string): Promise<void> {
    const state = await this.d.driver.getInfo(uuid).then((i) => i.state, () => undefined);
    if (state === undefined || state === 0 || this.reported.get(uuid) === state) return;
    this.reported.set(uuid, state);
    await this.report('compute_power_state', undefined, { uuid, host: this.d.host, powerState: state });
  }

  /**
   * build_and_run_instance. The spawn runs detached so one slow guest does not hold up the host's
   * other builds (Nova runs each build in its own greenthread); the result goes to the conductor.
   */
  async buildAndRunInstance(body: BuildAndRunBody, reqId?: string): Promise<void> {
    const { driver, clock } = this.d;
    const { instance: i } = body;
    const startedAt = clock.now();
    const already = (await driver.listInstanceUuids()).includes(i.uuid);
    // A build sent again (after a restart) while its first spawn is still running: that spawn reports.
    if (already && (await driver.getInfo(i.uuid).then((x) => x.state, () => undefined)) === 0) return;
    const run = async (): Promise<void> => {
      try {
        if (!already) await driver.spawn(spawnContextOf(i, reqId, true));
        const info = await driver.getInfo(i.uuid);
        this.d.log.info({ request_id: reqId, instance_uuid: i.uuid }, already ? 'instance already running here' : 'instance spawned');
        await this.report('compute_build_result', reqId, {
          uuid: i.uuid, host: this.d.host, node: body.node, attempt: body.attempt, ok: true, powerState: info.state,
          startedAt, finishedAt: clock.now(),
        });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.d.log.warn({ instance_uuid: i.uuid, request_id: reqId, err: message }, 'spawn failed');
        await this.report('compute_build_result', reqId, {
          uuid: i.uuid, host: this.d.host, node: body.node, attempt: body.attempt, ok: false, powerState: 0,
          startedAt, finishedAt: clock.now(), error: { message, retryable: true },
        });
      }
    };
    void run();
  }

  /** terminate_instance: destroy is idempotent, so a repeated delete succeeds. */
  async terminateInstance(uuid: string, reqId?: string): Promise<void> {
    let error: string | undefined;
    this.deleting.add(uuid);
    try {
      await this.d.driver.destroy(uuid, { reqId });
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      this.deleting.delete(uuid);
    }
    this.d.log.info({ request_id: reqId, instance_uuid: uuid, ...(error ? { err: error } : {}) }, error ? 'terminate failed' : 'instance destroyed');
    await this.report('compute_action_result', reqId, {
      uuid, host: this.d.host, action: 'terminate', ok: error === undefined, powerState: 0, error,
    });
  }

  async powerAction(uuid: string, action: PowerAction, reqId?: string): Promise<void> {
    const { driver } = this.d;
    let error: string | undefined;
    try {
      switch (action) {
        case 'reboot': await driver.reboot(uuid, 'SOFT', { reqId }); break;
        case 'reboot_hard': await driver.reboot(uuid, 'HARD', { reqId }); break;
        case 'stop': await driver.powerOff(uuid, this.d.shutdownTimeoutS); break;
        case 'start': await driver.powerOn(uuid, { reqId }); break;
        case 'pause': await driver.pause(uuid); break;
        case 'unpause': await driver.unpause(uuid); break;
        case 'suspend': await driver.suspend(uuid); break;
        case 'resume': await driver.resume(uuid, { reqId }); break;
      }
    } catch (e) {
      if (!(e instanceof NovaError)) throw e;
      error = e.message;
    }
    const state = await driver.getInfo(uuid).then((i) => i.state, () => 0);
    if (error === undefined) this.d.log.info({ request_id: reqId, instance_uuid: uuid, action }, `${action} done`);
    else this.d.log.warn({ request_id: reqId, instance_uuid: uuid, action, err: error }, `${action} failed`);
    await this.report('compute_action_result', reqId, { uuid, host: this.d.host, action, ok: error === undefined, powerState: state, error });
  }

  /**
   * Rebuild, resize (and revert), shelve (and offload, unshelve), rescue, unrescue, snapshot. A
   * rebuild or resize re-creates the guest from the instance as it is now to be (new image or flavor)
   * and leaves it running or stopped as it was; the outcome goes back as compute_action_result.
   */
  async instanceTask(b: ComputeInstanceTaskBody, reqId?: string): Promise<void> {
    const { driver } = this.d;
    const { uuid, task } = b;
    if (isMoveStepBody(b)) return this.moveStep(b, reqId);
    let error: string | undefined;
    try {
      switch (task.kind) {
        case 'rebuild':
        case 'resize':
        case 'revert_resize':
          await driver.destroy(uuid, { reqId });
          await driver.spawn(spawnContextOf(b.instance, reqId, b.powerOn));
          break;
        case 'shelve':
          await driver.powerOff(uuid).catch((e: unknown) => {
            // A guest that cannot be powered off (suspended, say) is still shelved when offloaded.
            if (!task.offload) throw e;
          });
          if (task.offload) await driver.destroy(uuid, { reqId });
          break;
        case 'shelve_offload':
          await driver.destroy(uuid, { reqId });
          break;
        case 'unshelve':
          await driver.powerOn(uuid, { reqId });
          break;
        case 'rescue':
          if (!driver.rescue) throw new NovaError(`The ${driver.name} driver does not support rescue.`);
          await driver.rescue(uuid, task.image ? { image: { id: task.image.id, properties: task.image.properties }, reqId } : { reqId });
          break;
        case 'unrescue':
          if (!driver.unrescue) throw new NovaError(`The ${driver.name} driver does not support unrescue.`);
          await driver.unrescue(uuid);
          break;
        case 'snapshot':
          if (driver.snapshot) await driver.snapshot(uuid, task.imageId);
          break;
        case 'trigger_crash_dump':
          if (!driver.triggerCrashDump) throw new NotSupportedByDriver(driver.name, 'trigger_crash_dump');
          await driver.triggerCrashDump(uuid);
          break;
        default:
          throw new NovaError(`compute does not carry out '${task.kind}'`);
      }
    } catch (e) {
      if (!(e instanceof NovaError)) throw e;
      error = e.message;
    }
    const state = await driver.getInfo(uuid).then((i) => i.state, () => 0);
    await this.report('compute_action_result', reqId, { uuid, host: this.d.host, action: task.kind, ok: error === undefined, powerState: state, error });
  }

  /** get_instance_diagnostics: only a RUNNING guest has figures to report (Nova's 409 otherwise). */
  async getDiagnostics(uuid: string): Promise<Diagnostics> {
    const { driver } = this.d;
    if (!driver.getDiagnostics) throw new NotSupportedByDriver(driver.name, 'server diagnostics');
    const { state } = await driver.getInfo(uuid);
    if (state !== PowerState.RUNNING) {
      throw new InstanceInvalidState(`Instance ${uuid} in power state ${powerStateName(state)}. Cannot get_diagnostics while the instance is in this state.`);
    }
    return driver.getDiagnostics(uuid);
  }

  /** One step of a migration, resize or evacuation (move-steps.ts); detached, as a live migration takes a while. */
  private async moveStep(b: ComputeInstanceTaskBody, reqId?: string): Promise<void> {
    const run = async () => {
      const progress = b.task.kind === 'live_migration' ? this.progressReporter(b.uuid, b.task.migrationId) : undefined;
      const error = await runMoveStep(this.d.driver, b, spawnContextOf(b.instance, reqId, b.powerOn), {
        memoryMb: b.instance.flavor.memoryMb, ...(progress ? { onProgress: progress } : {}),
      });
      this.d.log.info({ request_id: reqId, instance_uuid: b.uuid, step: b.task.kind, ...(error ? { err: error } : {}) }, `${b.task.kind} ${error ? 'failed' : 'done'}`);
      if (!answersMoveStep(b.task.kind)) return;
      const state = await this.d.driver.getInfo(b.uuid).then((i) => i.state, () => 0);
      await this.report('compute_action_result', reqId, { uuid: b.uuid, host: this.d.host, action: b.task.kind, ok: error === undefined, powerState: state, error });
    };
    void run().catch((err: unknown) => this.d.log.error({ err, instance_uuid: b.uuid }, 'move step failed'));
  }

  /** The driver's live migration figures to the conductor, at most one report a second. */
  private progressReporter(uuid: string, migrationId: number): (p: LiveMigrationProgress) => void {
    let last = -Infinity;
    return (p) => {
      const now = this.d.clock.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      void this.report('compute_migration_progress', undefined, { uuid, host: this.d.host, migrationId, ...p });
    };
  }

  /** pre_live_migration: get ready to receive the guest; the answer says where to send it. */
  async preLiveMigration(b: ComputePreLiveMigrationBody, reqId?: string): Promise<{ migrateUri: string | null }> {
    return preLiveMigration(this.d.driver, spawnContextOf(b.instance, reqId, true));
  }

  async consoleOutput(uuid: string, length?: number): Promise<string> {
    const out = await this.d.driver.getConsoleOutput(uuid);
    if (!length) return out;
    return out.split('\n').slice(-length).join('\n');
  }

  /** get_vnc_console & co.: mint a console token for a guest on this host (the conductor stores its hash). */
  async getConsole(uuid: string, consoleType: ConsoleType): Promise<IssuedConsole> {
    const secret = this.d.secretBytes ?? osSecretBytes;
    return issueConsole(this.d.driver, this.d.host, uuid, consoleType, () => secret(16));
  }

  /** validate_console_port: is `port` still this guest's console of that type? */
  async validateConsolePort(uuid: string, port: number, consoleType: ConsoleType): Promise<boolean> {
    return validateConsolePort(this.d.driver, uuid, port, consoleType);
  }

  /**
   * The resource tracker's periodic task: report what the hypervisor has and uses — like Nova's
   * `_update`, which saves the compute node only when `_resource_change` says it changed, only a node
   * whose report differs from the last one sent, unless `force` (start-up; the conductor asks) or
   * the last one is older than `resource_provider_association_refresh` (Nova's report client then
   * re-reads placement, so an inventory edited there is put back).
   */
  async updateAvailableResource(force = false): Promise<void> {
    const { driver, host } = this.d;
    for (const nodename of await driver.getAvailableNodes()) {
      const r = await driver.getAvailableResource(nodename);
      const arch = this.archOf(r.cpu_info);
      const body: ComputeNodeReport = {
        host, nodename, uuid: this.d.nodeUuid, hypervisorType: r.hypervisor_type, hypervisorVersion: r.hypervisor_version,
        cpuArch: arch, cpuInfo: r.cpu_info, vcpus: r.vcpus, memoryMb: r.memory_mb, localGb: r.local_gb,
        vcpusUsed: r.vcpus_used, memoryMbUsed: r.memory_mb_used, localGbUsed: r.local_gb_used,
        runningVms: (await driver.listInstanceUuids()).length, supportedInstances: r.supported_instances, hostIp: '127.0.0.1',
      };
      const now = this.d.clock.now();
      const last = this.lastResources.get(nodename);
      const refreshMs = (this.d.resourceRefreshS ?? 0) * 1000;
      const fresh = last !== undefined && (refreshMs === 0 || now - last.at < refreshMs);
      if (!force && fresh && sameReport(last.report, body)) continue;
      // A report that did not leave is sent again next period, changed or not.
      if (await this.report('compute_node_update', undefined, body)) this.lastResources.set(nodename, { report: body, at: now });
      else this.lastResources.delete(nodename);
    }
  }

  /** The architecture a cpu_info text names (x86_64 when it names none); the last text's answer is kept. */
  private archOf(cpuInfo: string): string {
    if (this.cpuArch?.text === cpuInfo) return this.cpuArch.arch;
    let arch: string;
    try {
      arch = String(JSON.parse(cpuInfo).arch ?? 'x86_64');
    } catch {
      arch = 'x86_64';
    }
    this.cpuArch = { text: cpuInfo, arch };
    return arch;
  }

  /** The servicegroup heartbeat (report_state). */
  async heartbeat(): Promise<void> {
    this.reportCount++;
    await this.report('service_heartbeat', undefined, { host: this.d.host, binary: 'nova-compute', reportCount: this.reportCount });
  }

  /** Cast to the conductor; false when the link refused it. */
  private async report(type: string, reqId: string | undefined, body: unknown): Promise<boolean> {
    if (typeof body === 'object' && body !== null && 'uuid' in body && 'powerState' in body) {
      const { uuid, powerState } = body;
      if (typeof uuid === 'string' && typeof powerState === 'number') {
        if ('action' in body && body.action === 'terminate') this.reported.delete(uuid);
        else this.reported.set(uuid, powerState);
      }
    }
    try {
      await this.d.bus.cast(this.d.conductorTopic, { type, reqId, body });
      return true;
    } catch (e) {
      // The link is down: QoS 1 with a persistent session re-sends once it is back; log and go on.
      this.d.log.warn({ err: errorMessage(e), type }, 'report to conductor failed');
      return false;
    }
  }
}

/** What driver.spawn is given for an instance (build, rebuild, resize). */
export function spawnContextOf(i: BuildAndRunBody['instance'], reqId: string | undefined, powerOn: boolean): SpawnContext {
  return {
    instance: {
      uuid: i.uuid, name: i.name, hostname: i.hostname, projectId: i.projectId, userId: i.userId,
      vcpus: i.flavor.vcpus, memoryMb: i.flavor.memoryMb, rootGb: i.flavor.rootGb,
      ephemeralGb: i.flavor.ephemeralGb, swapMb: i.flavor.swapMb, metadata: i.metadata,
    },
    flavor: { flavorId: i.flavor.id, name: i.flavor.name, extraSpecs: i.flavor.extraSpecs },
    image: { id: i.image.id, properties: i.image.properties },
    injectedFiles: [], adminPassword: null, networkInfo: networkInfoOf(i), blockDeviceInfo: null, reqId, powerOn,
    ...(i.guest ? { guest: i.guest } : {}),
  };
}

/** One VIF on the project's flat network, when the conductor allocated a fixed IP. */
function networkInfoOf(i: BuildAndRunBody['instance']): SpawnContext['networkInfo'] {
  if (!i.network) return [];
  const n = i.network;
  return [{
    id: `${i.uuid}-0`, address: n.mac, type: 'user',
    network: { id: `${i.projectId}-private`, label: 'private', subnets: [{ cidr: n.cidr, gateway: n.gateway, ips: [{ address: n.address, type: 'fixed', version: 4 }] }] },
  }];
}
