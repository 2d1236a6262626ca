/**
 * The API cell's CellsPort over its broker, for an API (REST service, test driver, tool) running in
 * another process: `cells_port_call {method, args}` on `nc/<api>/cells-port`, answered with the
 * method's result or its NovaError. RemoteCellsPort is the client side.
 */
import type { Bus } from '../../runtime/bus/index.ts';
import { BadRequest } from '../../runtime/errors/index.ts';
import type { CellsPort } from '../../actors/api/compute-api.ts';
import { CellsPortCall } from '../messages.ts';
import { cellsPortTopic } from '../topics.ts';

export async function serveCellsPort(bus: Bus, apiCellPath: string, port: CellsPort): Promise<void> {
  await bus.subscribe(cellsPortTopic(apiCellPath), (msg) => {
    const call = CellsPortCall.safeParse(msg.body);
    if (!call.success) throw new BadRequest(`the API cell serves cells_port_call, not ${msg.type}`);
    const { method, args } = call.data;
    // The method is named on the wire: looked up on the port and checked before it is called.
    const fn: unknown = Reflect.get(port, method);
    if (typeof fn !== 'function') throw new BadRequest(`the API cell does not serve ${method}`);
    // JSON has no undefined: an optional argument left out travels as null.
    return Reflect.apply(fn, port, args.map((a) => (a === null ? undefined : a)));
  });
}
