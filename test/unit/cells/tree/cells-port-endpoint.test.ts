/**
 * The API cell's CellsPort over the bus (cells/tree/cells-port-endpoint.ts) with RemoteCellsPort as
 * the client: each method's arguments arrive typed as the port declares them (null back to undefined),
 * bad arguments and other message types are rejected before the port is called, and a method the port
 * leaves out is refused.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBus, MemoryHub } from '../../../../runtime/bus/index.ts';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { BadRequest, InvalidMessage, NovaError } from '../../../../runtime/errors/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import type { CellsPort } from '../../../../actors/api/compute-api.ts';
import { serveCellsPort } from '../../../../cells/tree/cells-port-endpoint.ts';
import { RemoteCellsPort } from '../../../../cells/tree/remote-cells-port.ts';
import { cellsPortTopic } from '../../../../cells/topics.ts';
import { RecordingLog } from '../../runtime/bus/helpers.ts';

async function served(extra: Partial<CellsPort> = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const note = (name: string, ...args: unknown[]) => {
    calls.push([name, ...args]);
  };
  const port: CellsPort = {
    syncAggregates: async (a, r) => note('syncAggregates', a, r),
    listServices: async (r) => (note('listServices', r), []),
    listComputeNodes: async (r) => (note('listComputeNodes', r), []),
    updateService: async (c, r) => (note('updateService', c, r), { id: 1, host: c.host, binary: c.binary } as never),
    build: async (b, r) => note('build', b, r),
    get: async (u, r) => (note('get', u, r), { uuid: u } as never),
    list: async (p, r) => (note('list', p, r), []),
    delete: async (u, ctx) => note('delete', u, ctx),
    powerAction: async (u, a, ctx) => note('powerAction', u, a, ctx),
    actions: async (u, r) => (note('actions', u, r), []),
    consoleOutput: async (u, l, r) => (note('consoleOutput', u, l, r), 'boot log'),
    ...extra,
  };
  const hub = new MemoryHub();
  const clock = new VirtualClock();
  const rng = new SeededRng('cells-port');
  const log = createLogger({}, 'silent');
  const bus = (id: string) => new MemoryBus({ hub, clientId: id, clock, rng: rng.stream(id), topicPrefix: 'nc/api', log });
  const server = bus('api:cell');
  const client = bus('api:rest');
  const served = new RecordingLog();
  await serveCellsPort(server, 'api', port, served);
  return { calls, client, remote: new RemoteCellsPort(client, 'api'), log: served };
}

async function failure(p: Promise<unknown>): Promise<NovaError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NovaError) return e;
    throw e;
  }
  throw new Error('the call did not fail');
}

describe('cells port endpoint', () => {
  it('calls each method with its arguments as typed, null back to undefined', async () => {
    const { calls, remote } = await served();
    const ctx = { projectId: 'p1', userId: 'u1', reqId: 'req-1', isAdmin: true };
    await remote.list(undefined, 'req-1');
    await remote.list('p1', 'req-2');
    await remote.delete('i-1', ctx);
    await remote.powerAction('i-1', 'reboot_hard', ctx);
    expect(await remote.consoleOutput('i-1', undefined, 'req-3')).toBe('boot log');
    await remote.consoleOutput('i-1', 20, 'req-4');
    await remote.updateService({ host: 'h1', binary: 'nova-compute', disabled: true, disabledReason: null }, 'req-5');
    expect(calls).toEqual([
      ['list', undefined, 'req-1'],
      ['list', 'p1', 'req-2'],
      ['delete', 'i-1', ctx],
      ['powerAction', 'i-1', 'reboot_hard', ctx],
      ['consoleOutput', 'i-1', undefined, 'req-3'],
      ['consoleOutput', 'i-1', 20, 'req-4'],
      ['updateService', { host: 'h1', binary: 'nova-compute', disabled: true, disabledReason: null }, 'req-5'],
    ]);
  });

  it('serves the optional methods the port has, and refuses those it leaves out', async () => {
    const { calls, remote } = await served({
      getDiagnostics: async (u, r) => (calls.push(['getDiagnostics', u, r]), { uuid: u } as never),
    });
    await remote.getDiagnostics('i-1', 'req-1');
    expect(calls).toEqual([['getDiagnostics', 'i-1', 'req-1']]);
    const e = await failure(remote.instanceTask('i-1', { kind: 'confirm_resize' }, { projectId: 'p', userId: 'u', reqId: 'r' }));
    expect(e).toBeInstanceOf(BadRequest);
    expect(e.message).toMatch(/does not serve instanceTask/);
  });

  it('rejects bad arguments before the port is called', async () => {
    const { calls, client, log } = await served();
    const call = (method: string, args: unknown[]) =>
      failure(client.call(cellsPortTopic('api'), { type: 'cells_port_call', body: { method, args } }, { timeoutMs: 1000 }));
    for (const [method, args] of [
      ['delete', ['i-1', { userId: 'u' }]],
      ['powerAction', ['i-1', 'explode', { projectId: 'p', userId: 'u', reqId: 'r' }]],
      ['get', ['i-1']],
      ['list', [7, 'r']],
    ] as const) {
      const e = await call(method, [...args]);
      expect(e, method).toBeInstanceOf(InvalidMessage);
      expect(e.message).toMatch(new RegExp(`cells_port_call ${method}`));
    }
    expect(calls).toEqual([]);
    expect(log.warnings.map((w) => /^bus: malformed message rejected \(cells_port_call (\w+):/.exec(w)?.[1])).toEqual(['delete', 'powerAction', 'get', 'list']);
  });

  it('rejects other messages on its topic', async () => {
    const { calls, client } = await served();
    const e = await failure(client.call(cellsPortTopic('api'), { type: 'capacity_request', body: {} }, { timeoutMs: 1000 }));
    expect(e).toBeInstanceOf(BadRequest);
    expect(e.message).toMatch(/does not handle capacity_request/);
    expect(calls).toEqual([]);
  });
});
