/**
 * Placement's root under devstack's /placement: the version document only (served without a token),
 * so clients that discover placement from the catalog find it. The resource providers themselves live
 * inside each cell, with its scheduler.
 */
import type { FastifyInstance } from 'fastify';

export const PLACEMENT_PREFIX = '/placement';
export const PLACEMENT_MAX_VERSION = '1.39';

export function mountPlacement(app: FastifyInstance): void {
  app.get(PLACEMENT_PREFIX, async () => ({
    versions: [{ id: 'v1.0', max_version: PLACEMENT_MAX_VERSION, min_version: '1.0', status: 'CURRENT', links: [{ rel: 'self', href: '' }] }],
  }));
}
