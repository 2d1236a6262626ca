/**
 * APIs Nova removed and answers 410 Gone for at every microversion, without a policy check
 * (nova/api/openstack/compute/agents.py and friends: `raise exc.HTTPGone()`). os-agents served the
 * XenAPI guest agent builds and went in Victoria (22.0.0); only Ussuri-era clouds still list them.
 */
import type { FastifyInstance } from 'fastify';
import { NovaError } from '../../../runtime/errors/index.ts';

export class Gone extends NovaError {
  override readonly code = 410;
  override readonly fault = 'gone';
}

const REMOVED: ReadonlyArray<readonly ['GET' | 'POST' | 'PUT' | 'DELETE', string]> = [
  ['GET', '/os-agents'], ['POST', '/os-agents'], ['PUT', '/os-agents/:id'], ['DELETE', '/os-agents/:id'],
];

/** What a removed API answers. */
export function removedApi(): Gone {
  return new Gone('This API was removed from the Compute service.');
}

export function registerRemovedRoutes(app: FastifyInstance): void {
  for (const [method, url] of REMOVED) {
    app.route({ method, url, handler: async () => { throw removedApi(); } });
  }
}
