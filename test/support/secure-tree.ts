/**
 * A cell tree in this process as `novacell cell run` assembles each cell: every broker an embedded
 * aedes with the cell's credentials and ACLs (brokerGuards), every client logged in as its principal
 * (`cell@<cell>` on its own broker, `link@<child>` on its parent's). Cells named in `skip` are not
 * started, so a test can log in with their credentials as an attacker would.
 */
import { startActorSystem, stopActor, type ActorSystem } from '../../runtime/actor/index.ts';
import { MqttBus, startBroker, type Broker, type Bus } from '../../runtime/bus/index.ts';
import { RealClock } from '../../runtime/clock/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import type { PlanCell, TopologyPlan } from '../../topology/plan-types.ts';
import { ComputeAPI } from '../../actors/api/compute-api.ts';
import { brokerGuards, brokerPassword, linkClientId, passwordVerifier, replySenders, usernameOf, type Principal } from '../../cells/security/index.ts';
import { cellPrefix } from '../../cells/topics.ts';
import { planAggregates, planFlavors } from '../../cells/tree/tree.ts';
import { startCell, type RunningCell, type Will } from '../../cells/tree/start-cell.ts';
import type { ApiCell } from '../../cells/tree/api-cell.ts';

export const TREE_SECRET = 's'.repeat(64);

export interface SecureTree {
  api: ComputeAPI;
  apiCell: ApiCell;
  cells: Map<string, RunningCell>;
  brokers: Map<string, Broker>;
  /** Log in to `cell`'s broker as `principal` (the real password), as its owner or an attacker would. */
  login(cell: string, principal: Principal, clientId: string, will?: Will): Promise<MqttBus>;
  stop(): Promise<void>;
}

export async function startSecureTree(plan: TopologyPlan, log: Logger, dbFile: (c: PlanCell) => string, skip: (path: string) => boolean = () => false): Promise<SecureTree> {
  const clock = new RealClock();
  const rng = new SeededRng('secure-tree');
  const brokers = new Map<string, Broker>();
  for (const c of plan.cells) {
    const cell = { path: c.path, childPaths: c.childPaths, hostNames: c.hostNames };
    brokers.set(c.path, await startBroker({ port: 0, log: log.child({ module: 'broker' }), ...brokerGuards(cell, passwordVerifier(TREE_SECRET, c.path)) }));
  }
  const extra: Bus[] = [];
  const login = async (cell: string, principal: Principal, clientId: string, will?: Will): Promise<MqttBus> => {
    const username = usernameOf(principal);
    const bus = await MqttBus.connect({
      url: brokers.get(cell)!.url, clientId, username, password: brokerPassword(TREE_SECRET, cell, username),
      clock, rng: rng.stream(`bus:${clientId}`), topicPrefix: cellPrefix(cell), will, log, reconnectPeriodMs: 100, replySender: replySenders(cell),
    });
    extra.push(bus);
    return bus;
  };
  const system: ActorSystem = startActorSystem();
  const cells = new Map<string, RunningCell>();
  let apiCell: ApiCell | undefined;
  for (const c of plan.cells) {
    if (skip(c.path)) continue;
    const started = await startCell({
      plan, cell: c, clock, rng, log: log.child({ cell: c.path }), system, db: { file: dbFile(c) },
      connectOwn: (id) => login(c.path, { kind: 'cell', cell: c.path }, id),
      connectParent: c.parentPath ? (_id, will) => login(c.parentPath!, { kind: 'link', child: c.path }, linkClientId(c.path), will) : undefined,
    });
    cells.set(c.path, started.running);
    apiCell ??= started.apiCell;
  }
  // Not awaited: a skipped child answers nothing, and the calls to it wait for their timeout.
  void apiCell!.setFlavors(planFlavors(plan)).catch(() => undefined);
  void apiCell!.syncAggregates(planAggregates(plan)).catch(() => undefined);
  const api = new ComputeAPI(apiCell!, clock, rng.stream('api'));
  return {
    api, apiCell: apiCell!, cells, brokers, login,
    async stop() {
      const list = [...cells.values()].reverse();
      for (const rc of list) {
        rc.compute?.stop();
        rc.node?.stop();
        rc.role?.stop();
      }
      for (const b of extra.reverse()) await b.close();
      for (const rc of list) {
        await rc.leaf?.stop();
        await rc.writer?.close();
        await rc.db?.destroy();
      }
      await apiCell!.stop();
      stopActor(system);
      for (const b of brokers.values()) await b.close();
    },
  };
}
