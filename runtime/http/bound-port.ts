/** The TCP port a listening server was bound to (after `listen({ port: 0 })`). */
import type { AddressInfo } from 'node:net';

/** Anything with Node's `server.address()`: net, http, https and fastify's `app.server`. */
export interface Listening { address(): AddressInfo | string | null }

/** The bound TCP port; throws when the server is not listening or listens on a pipe. */
export function boundPort(server: Listening): number {
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error(`server is not listening on a TCP port (${a ?? 'not listening'})`);
  return a.port;
}
