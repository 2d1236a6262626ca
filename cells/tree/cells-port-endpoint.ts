/**
 * The API cell's CellsPort over its broker, for an API (REST service, test driver, tool) running in
 * another process: `cells_port_call {method, args}` on `nc/<api>/cells-port`, answered with the
 * method's result or its NovaError. RemoteCellsPort is the client side.
 */
import type { Bus } from '../../runtime/bus/index.ts';
import { BadRequest } from '../../runtime/errors/index.ts';
import type { CellsPort } from '../../actors/api/compute-api.ts';
import type { CellsPortCallBody } from '../messages.ts';
import { cellsPortTopic } from '../topics.ts';

export async function serveCellsPort(bus: Bus, apiCellPath: string, port: CellsPort): Promise<void> {
  await bus.subscribe(cellsPortTopic(apiCellPath), (msg) => {
    const { method, args } = msg.body as CellsPortCallBody;
    const fn = (port as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') throw new BadRequest(`the API cell does not serve ${method}`);
    // JSON has no undefined: an optional argument left out travels as null.
    return (fn as (...a: unknown[]) => Promise<unknown>).apply(port, args.map((a) => (a === null ? undefined : a)));
  });
}
