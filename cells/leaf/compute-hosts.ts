/**
 * The compute hosts a process runs: one compute manager actor per host, grouped under intermediate
 * actors (at most GROUP_SIZE hosts each, since nact copies an actor's children map per message), one
 * wildcard subscription that routes each host's topic to its actor, and the periodic tasks
 * (heartbeat every report_interval, update_available_resource every update_resources_interval).
 */
import type { Ref } from 'nact';
import { ask, spawnGroup, spawnService, tell, type ServiceRef } from '../../runtime/actor/index.ts';
import { anySender, HandlerTable, type Bus, type Delivery, type Envelope, type MessageContext } from '../../runtime/bus/index.ts';
import type { Clock, TimerHandle } from '../../runtime/clock/index.ts';
import type { NovaConfig } from '../../runtime/config/index.ts';
import { ComputeHostNotFound } from '../../runtime/errors/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import { ComputeManager } from '../../actors/compute/compute-manager.ts';
import type { ComputeDriver } from '../../actors/compute/drivers/driver.ts';
import {
  BuildAndRunInstance, ComputeConsoleOutput, ComputeGetDiagnostics, ComputeInstanceTask, ComputePreLiveMigration, PowerActionToCompute, TerminateInstance, UpdateAvailableResource,
} from '../../actors/compute/messages.ts';
import { ComputeGetConsole, ComputeValidateConsolePort } from '../../actors/console/messages.ts';
import { describeSender, senderOf, type Sender } from '../security/principals.ts';
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

  private managerFactory(h: ComputeHostSpec): () => ComputeManager {
    const { o } = this;
    return () =>
      new ComputeManager({
        host: h.host, nodeUuid: h.nodeUuid, clock: o.clock, bus: o.bus, conductorTopic: conductorTopicOfHost(o.cell, h.host),
        driver: h.driver, log: o.log.child({ host: h.host }), shutdownTimeoutS: o.config.DEFAULT.shutdown_timeout,
        resourceRefreshS: o.config.compute.resource_provider_association_refresh,
      });
  }

  private crashReporter(host: string): (err: unknown) => void {
    return (err) => this.o.onCrash?.(host, err);
  }

  async start(hosts: ComputeHostSpec[]): Promise<void> {
    const { o } = this;
    hosts.forEach((h, i) => {
      if (i % GROUP_SIZE === 0) this.groups.push(spawnGroup(o.parent, `compute-group-${this.groups.length}`));
      const group = this.groups[this.groups.length - 1]!;
      this.drivers.set(h.host, h.driver);
      // The factory and crash callback come from methods returning plain arrows: a named closure per
      // host costs a keepNames property dictionary each (see runtime/actor/service-actor.ts).
      this.actors.set(h.host, spawnService(group, h.host, this.managerFactory(h), {
        policy: 'restart', log: o.log, onCrash: this.crashReporter(h.host), work: o.clock.work,
      }));
    });
    const table = this.handlers();
    // The host's actor is looked up first: an unknown host is ComputeHostNotFound whatever the message.
    const handler = (msg: Envelope, ctx: MessageContext) => {
      this.actorAt(ctx.topic);
      return table.dispatch(msg, ctx);
    };
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

  /** Every host sends its resource report now, changed or not (a new broker: the conductor may have restarted). */
  reportResources(): void {
    for (const a of this.actors.values()) tell(a, 'updateAvailableResource', true);
  }

  stop(): void {
    for (const t of this.timers) this.o.clock.clearTimer(t);
    this.timers = [];
  }

  /** The actor of the host a compute topic names. */
  private actorAt(topic: string): ServiceRef<ComputeManager> {
    const host = topic.slice(topic.lastIndexOf('/') + 1);
    const a = this.actors.get(host);
    if (!a) throw new ComputeHostNotFound(`Compute host ${host} could not be found.`);
    return a;
  }

  /** What a host's topic serves; only the cell's own services can write it (the broker's policy). */
  private handlers(): HandlerTable<Sender> {
    const { cell } = this.o;
    const to = (d: Delivery<Sender>) => this.actorAt(d.topic);
    return new HandlerTable<Sender>({ name: 'compute', senderOf: (m) => senderOf(cell, m.topic), describe: describeSender, log: this.o.log })
      .on(BuildAndRunInstance, { allow: anySender, handle: (b, d) => tell(to(d), 'buildAndRunInstance', b, d.msg.reqId) })
      .on(TerminateInstance, { allow: anySender, handle: (b, d) => tell(to(d), 'terminateInstance', b.uuid, d.msg.reqId) })
      .on(PowerActionToCompute, { allow: anySender, handle: (b, d) => tell(to(d), 'powerAction', b.uuid, b.action, d.msg.reqId) })
      .on(ComputeInstanceTask, { allow: anySender, handle: (b, d) => tell(to(d), 'instanceTask', b, d.msg.reqId) })
      .on(UpdateAvailableResource, { allow: anySender, handle: (_b, d) => tell(to(d), 'updateAvailableResource', true) })
      .on(ComputeGetDiagnostics, { allow: anySender, handle: (b, d) => ask(to(d), 'getDiagnostics', b.uuid) })
      .on(ComputePreLiveMigration, { allow: anySender, handle: (b, d) => ask(to(d), 'preLiveMigration', b, d.msg.reqId) })
      .on(ComputeConsoleOutput, { allow: anySender, handle: (b, d) => ask(to(d), 'consoleOutput', b.uuid, b.length) })
      .on(ComputeGetConsole, { allow: anySender, handle: (b, d) => ask(to(d), 'getConsole', b.uuid, b.consoleType) })
      .on(ComputeValidateConsolePort, { allow: anySender, handle: (b, d) => ask(to(d), 'validateConsolePort', b.uuid, b.port, b.consoleType) });
  }
}
