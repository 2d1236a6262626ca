/**
 * The compute hosts a process runs: one compute manager actor per host, grouped under intermediate
 * actors (at most GROUP_SIZE hosts each, since nact copies an actor's children map per message), one
 * wildcard subscription that routes each host's topic to its actor, and the periodic tasks
 * (heartbeat every report_interval, update_available_resource every update_resources_interval).
 */
import type { Ref } from 'nact';
import { ask, spawnGroup, spawnService, tell, type ServiceRef } from '../../runtime/actor/index.ts';
import type { Bus, Envelope } from '../../runtime/bus/index.ts';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import { BadRequest, ComputeHostNotFound } from '../../runtime/errors/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import { ComputeManager } from '../../actors/compute/compute-manager.ts';
import type { ComputeDriver } from '../../actors/compute/drivers/driver.ts';
// Registers the compute message schemas with the bus registry.
import '../../actors/compute/messages.ts';
import type { BuildAndRunBody, ComputeInstanceTaskBody, ComputePreLiveMigrationBody } from '../../actors/compute/messages.ts';
import type { PowerAction } from '../../actors/compute/states.ts';
import '../../actors/console/messages.ts';
import type { ComputeValidateConsolePortBody, GetConsoleBody } from '../../actors/console/messages.ts';
import { computeTopic, computeWildcard, conductorTopicOfHost } from '../topics.ts';

export const GROUP_SIZE = 100;

export interface ComputeHostSpec {
  host: string;
  nodeUuid: string;
  driver: ComputeDriver;
}

export interface ComputeHostsOptions {
  cell: string;
  parent: Ref<unknown>;
  bus: Bus;
  clock: Clock;
  config: NovaConfig;
  log: Logger;
  /** Subscribe with one wildcard (all hosts of the cell in this process) or per host (an agent). */
  subscribe: 'wildcard' | 'per-host';
  onCrash?: (host: string, err: unknown) => void;
}

export class ComputeHosts {
  private readonly actors = new Map<string, ServiceRef<ComputeManager>>();
  private readonly drivers = new Map<string, ComputeDriver>();
  private groups: Ref<unknown>[] = [];
  private timers: TimerHandle[] = [];

  constructor(private readonly o: ComputeHostsOptions) {}

  async start(hosts: ComputeHostSpec[]): Promise<void> {
    const { o } = this;
    hosts.forEach((h, i) => {
      if (i % GROUP_SIZE === 0) this.groups.push(spawnGroup(o.parent, `compute-group-${this.groups.length}`));
      const group = this.groups[this.groups.length - 1]!;
      this.drivers.set(h.host, h.driver);
      const factory = () =>
        new ComputeManager({
          host: h.host, nodeUuid: h.nodeUuid, clock: o.clock, bus: o.bus, conductorTopic: conductorTopicOfHost(o.cell, h.host),
          driver: h.driver, log: o.log.child({ host: h.host }), shutdownTimeoutS: o.config.DEFAULT.shutdown_timeout,
        });
      this.actors.set(h.host, spawnService(group, h.host, factory, {
        policy: 'restart', log: o.log, onCrash: (err) => o.onCrash?.(h.host, err), work: o.clock.work,
      }));
    });
    const handler = (msg: Envelope, ctx: { topic: string }) => this.route(msg, ctx.topic);
    if (o.subscribe === 'wildcard') await o.bus.subscribe(computeWildcard(o.cell), handler);
    else for (const h of hosts) await o.bus.subscribe(computeTopic(o.cell, h.host), handler);
    await Promise.all([...this.actors.values()].map((a) => ask(a, 'initHost')));
    this.timers.push(
      o.clock.setInterval(() => this.each('heartbeat'), o.config.DEFAULT.report_interval * 1000),
      o.clock.setInterval(() => this.each('updateAvailableResource'), o.config.DEFAULT.update_resources_interval * 1000),
      o.clock.setInterval(() => this.each('syncPowerStates'), o.config.DEFAULT.sync_power_state_interval * 1000),
    );
  }

  hostNames(): string[] {
    return [...this.actors.keys()];
  }

  driverOf(host: string): ComputeDriver | undefined {
    return this.drivers.get(host);
  }

  actorOf(host: string): ServiceRef<ComputeManager> | undefined {
    return this.actors.get(host);
  }

  /** Run a periodic task on every host now (tests drive this instead of waiting for the interval). */
  each(task: 'heartbeat' | 'updateAvailableResource' | 'syncPowerStates'): void {
    for (const a of this.actors.values()) tell(a, task);
  }

  stop(): void {
    for (const t of this.timers) this.o.clock.clearTimer(t);
    this.timers = [];
  }

  private route(msg: Envelope, topic: string): unknown {
    const host = topic.slice(topic.lastIndexOf('/') + 1);
    const a = this.actors.get(host);
    if (!a) throw new ComputeHostNotFound(`Compute host ${host} could not be found.`);
    const b = msg.body as Record<string, unknown>;
    switch (msg.type) {
      case 'build_and_run_instance':
        return tell(a, 'buildAndRunInstance', msg.body as BuildAndRunBody, msg.reqId);
      case 'terminate_instance':
        return tell(a, 'terminateInstance', b.uuid as string, msg.reqId);
      case 'power_action':
        return tell(a, 'powerAction', b.uuid as string, b.action as PowerAction, msg.reqId);
      case 'compute_instance_task':
        return tell(a, 'instanceTask', msg.body as ComputeInstanceTaskBody, msg.reqId);
      case 'compute_get_diagnostics':
        return ask(a, 'getDiagnostics', b.uuid as string);
      case 'compute_pre_live_migration':
        return ask(a, 'preLiveMigration', msg.body as ComputePreLiveMigrationBody, msg.reqId);
      case 'compute_console_output':
        return ask(a, 'consoleOutput', b.uuid as string, b.length as number | undefined);
      case 'compute_get_console':
        return ask(a, 'getConsole', b.uuid as string, (msg.body as GetConsoleBody).consoleType);
      case 'compute_validate_console_port': {
        const v = msg.body as ComputeValidateConsolePortBody;
        return ask(a, 'validateConsolePort', v.uuid, v.port, v.consoleType);
      }
      default:
        throw new BadRequest(`compute does not handle ${msg.type}`);
    }
  }
}
