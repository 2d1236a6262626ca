/**
 * The API cell's CellsPort over its broker, for an API (REST service, test driver, tool) running in
 * another process: `cells_port_call {method, args}` on `nc/<api>/cells-port`, answered with the
 * method's result or its NovaError. RemoteCellsPort is the client side.
 *
 * Dispatch is a handler table like every other service's: one entry keyed by CellsPortCall, and under
 * it one entry per method the message names, each with the schema of the method's arguments, so each
 * call gets typed arguments with no cast. The table must name every method of CellsPortCall.
 */
import { z } from 'zod';
import { anySender, HandlerTable, type Bus, type BusLogger } from '../../runtime/bus/index.ts';
import { BadRequest, InvalidMessage } from '../../runtime/errors/index.ts';
import type { CellsPort } from '../../actors/api/compute-api.ts';
import { BuildInstances, instanceTaskSchema, powerActionNames, UpdateService } from '../../actors/conductor/messages.ts';
import { aggregateSchema, migrationFilterSchema } from '../../actors/objects/index.ts';
import { consoleTypeSchema } from '../../actors/console/console-auth-token.ts';
import { CellsPortCall, type CellsPortCallBody } from '../messages.ts';
import { describeSender, senderOf, type Sender } from '../security/principals.ts';
import { cellsPortTopic } from '../topics.ts';

type Method = CellsPortCallBody['method'];
/** One method as the table serves it: check the arguments, then call the port. */
type Served = (port: CellsPort, args: unknown[], method: Method, log: BusLogger) => unknown;

/** Arguments of one method, and the call they make. */
function method<S extends z.ZodType<unknown[]>>(args: S, call: (port: CellsPort, a: z.output<S>) => unknown): Served {
  return (port, raw, name, log) => {
    const a = args.safeParse(raw);
    if (a.success) return call(port, a.data);
    // Logged like a message the bus finds malformed, and answered the same way.
    const error = `cells_port_call ${name}: ${z.prettifyError(a.error)}`;
    log.warn({ type: 'cells_port_call', method: name, error }, 'bus: malformed message rejected');
    throw new InvalidMessage(`Invalid message: ${error}`);
  };
}

/** A method the port leaves out (the optional ones of CellsPort). */
function notServed(name: Method): never {
  throw new BadRequest(`the API cell does not serve ${name}`);
}

// JSON has no undefined: an optional argument left out travels as null.
const optional = <S extends z.ZodType>(s: S) => s.nullable().transform((v) => v ?? undefined);
const reqId = z.string();
const uuid = z.string();
/** The API's RequestContext (actors/api/compute-api.ts), as RemoteCellsPort sends it. */
const apiContext = z.object({ projectId: z.string(), userId: z.string(), reqId: z.string(), isAdmin: z.boolean().optional() });

/** Every method of CellsPortCall, with its arguments as RemoteCellsPort sends them. */
const METHODS: Record<Method, Served> = {
  syncAggregates: method(z.tuple([z.array(aggregateSchema), reqId]), (p, [aggregates, r]) => p.syncAggregates(aggregates, r)),
  listServices: method(z.tuple([reqId]), (p, [r]) => p.listServices(r)),
  listComputeNodes: method(z.tuple([reqId]), (p, [r]) => p.listComputeNodes(r)),
  updateService: method(z.tuple([UpdateService, reqId]), (p, [change, r]) => p.updateService(change, r)),
  build: method(z.tuple([BuildInstances, reqId]), (p, [body, r]) => p.build(body, r)),
  get: method(z.tuple([uuid, reqId]), (p, [u, r]) => p.get(u, r)),
  list: method(z.tuple([optional(z.string()), reqId]), (p, [projectId, r]) => p.list(projectId, r)),
  delete: method(z.tuple([uuid, apiContext]), (p, [u, ctx]) => p.delete(u, ctx)),
  powerAction: method(z.tuple([uuid, z.enum(powerActionNames), apiContext]), (p, [u, action, ctx]) => p.powerAction(u, action, ctx)),
  actions: method(z.tuple([uuid, reqId]), (p, [u, r]) => p.actions(u, r)),
  consoleOutput: method(z.tuple([uuid, optional(z.number()), reqId]), (p, [u, length, r]) => p.consoleOutput(u, length, r)),
  getDiagnostics: method(z.tuple([uuid, reqId]), (p, [u, r]) => (p.getDiagnostics ? p.getDiagnostics(u, r) : notServed('getDiagnostics'))),
  instanceTask: method(z.tuple([uuid, instanceTaskSchema, apiContext]), (p, [u, task, ctx]) =>
    p.instanceTask ? p.instanceTask(u, task, ctx) : notServed('instanceTask')),
  getConsole: method(z.tuple([uuid, consoleTypeSchema, reqId]), (p, [u, type, r]) => (p.getConsole ? p.getConsole(u, type, r) : notServed('getConsole'))),
  validateConsoleToken: method(z.tuple([z.string(), z.boolean(), reqId]), (p, [hash, checkPort, r]) =>
    p.validateConsoleToken ? p.validateConsoleToken(hash, checkPort, r) : notServed('validateConsoleToken')),
  listMigrations: method(z.tuple([migrationFilterSchema, reqId]), (p, [filter, r]) => (p.listMigrations ? p.listMigrations(filter, r) : notServed('listMigrations'))),
};

/** What the API cell's cells-port topic serves; only the cell's own services can write it (the broker's policy). */
export function cellsPortHandlers(apiCellPath: string, port: CellsPort, log: BusLogger): HandlerTable<Sender> {
  return new HandlerTable<Sender>({ name: `cells port ${apiCellPath}`, senderOf: (m) => senderOf(apiCellPath, m.topic), describe: describeSender, log })
    .on(CellsPortCall, { allow: anySender, handle: (b) => METHODS[b.method](port, b.args, b.method, log) });
}

export async function serveCellsPort(bus: Bus, apiCellPath: string, port: CellsPort, log: BusLogger): Promise<void> {
  await bus.subscribe(cellsPortTopic(apiCellPath), cellsPortHandlers(apiCellPath, port, log).handler());
}
