/**
 * The API cell's CellsPort served on its broker (cells/tree/cells-port-endpoint.ts) and driven as an
 * API in another process drives it: a ComputeAPI over RemoteCellsPort, on a real tree (api → c1 → g11,
 * two fake hosts; real MQTT and SQLite). Every method's arguments, as the API really sends them, pass
 * the endpoint's schemas and reach the API cell: nothing comes back as an InvalidMessage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { InvalidMessage } from '../../runtime/errors/index.ts';
import { ComputeAPI } from '../../actors/api/compute-api.ts';
import { CellTree, planFlavors } from '../../cells/tree/tree.ts';
import { serveCellsPort } from '../../cells/tree/cells-port-endpoint.ts';
import { RemoteCellsPort } from '../../cells/tree/remote-cells-port.ts';
import { treePlan } from '../support/tree-topology.ts';
import { until } from '../support/waits.ts';

const ctx = { projectId: 'demo', userId: 'demo', reqId: 'req-remote', isAdmin: true };
const image = { id: 'cirros', properties: {} };
const log = createLogger({}, 'silent');

let tree: CellTree;
let dir: string;
let plan: ReturnType<typeof treePlan>;
let api: ComputeAPI;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'novacell-remote-port-'));
  plan = treePlan({ children: 1, grandchildren: 1, hostsPerLeaf: 2 });
  tree = await CellTree.start({
    plan, clock: new RealClock(), rng: new SeededRng('remote-port'), log,
    dbFile: (c) => join(dir, `${c.path.replace(/!/g, '.')}.sqlite`), ephemeralPorts: true,
  });
  await until('every host reported', () => tree.capacity().hostsUp === plan.hosts.length, 60_000);
  const own = tree.cells.get('api')!.buses[0]!;
  await serveCellsPort(own, 'api', tree.apiCell, log);
  api = new ComputeAPI(new RemoteCellsPort(own, 'api', 20_000), new RealClock(), new SeededRng('remote-port').stream('api'));
}, 120_000);

afterAll(async () => {
  await tree?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A call that may fail for reasons of its own, but not for its arguments. */
async function notInvalid(what: string, p: Promise<unknown>): Promise<void> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e instanceof InvalidMessage ? `${what}: ${e.message}` : undefined).toBeUndefined();
}

describe('CellsPort over the API cell broker', () => {
  it('serves every method with the arguments the API sends', { timeout: 120_000 }, async () => {
    const tiny = planFlavors(plan).find((f) => f.id === '1')!;
    const { instanceUuids: [uuid] } = await api.create({ name: 'remote', flavor: tiny, image }, ctx);
    await until('ACTIVE', async () => (await api.get(uuid!, ctx)).vmState === 'active', 60_000);
    expect((await api.list(ctx, true)).map((i) => i.uuid)).toEqual([uuid]);
    expect((await api.list({ ...ctx, projectId: 'demo' })).map((i) => i.uuid)).toEqual([uuid]);
    expect((await api.actions(uuid!, ctx))[0]!.action).toBe('create');
    await api.powerAction(uuid!, 'stop', ctx);
    await until('SHUTOFF', async () => (await api.get(uuid!, ctx)).vmState === 'stopped', 60_000);
    await api.powerAction(uuid!, 'start', ctx);
    await until('ACTIVE again', async () => (await api.get(uuid!, ctx)).vmState === 'active', 60_000);
    expect(typeof (await api.consoleOutput(uuid!, undefined, ctx))).toBe('string');
    expect(typeof (await api.consoleOutput(uuid!, 5, ctx))).toBe('string');
    await notInvalid('getDiagnostics', api.getDiagnostics(uuid!, ctx));
    await notInvalid('instanceTask', api.instanceTask(uuid!, { kind: 'reset_state', vmState: 'active' }, ctx));
    await notInvalid('getConsole', api.getConsole(uuid!, 'novnc', ctx));
    await notInvalid('validateConsoleToken', api.validateConsoleToken('0'.repeat(64), false, ctx.reqId));
    await notInvalid('migrations', api.migrations({ instanceUuid: uuid! }, ctx));
    const services = await api.services(ctx);
    expect(services.length).toBeGreaterThan(0);
    expect((await api.hypervisors(ctx)).length).toBe(2);
    const host = plan.hosts[0]!.name;
    await notInvalid('updateService', api.updateService({ host, binary: 'nova-compute', disabled: true, disabledReason: 'remote' }, ctx));
    await notInvalid('syncAggregates', api.syncAggregates([], ctx));
    await api.delete(uuid!, ctx);
    await until('deleted', async () => (await api.list(ctx, true)).length === 0, 60_000);
  });
});
