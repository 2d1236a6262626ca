/**
 * Nova's limit/marker paging (nova/api/openstack/common.py): limit is a non-negative integer capped at
 * [api] max_limit, the marker is the id of the last item seen (unknown marker: 400), and a full page
 * gets a `*_links` "next" link carrying the request's other parameters.
 */
import type { FastifyRequest } from 'fastify';
import { BadRequest } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import { versionedUrl } from './context.ts';
import type { ComputeDeps } from './deps.ts';

export interface Page {
  limit: number | undefined;
  marker: string | undefined;
}

export function pageOf(request: FastifyRequest): Page {
  const rawLimit = queryValue(request.query, 'limit');
  let limit: number | undefined;
  if (rawLimit !== undefined) {
    if (!/^\s*\d+\s*$/.test(rawLimit)) throw new BadRequest('limit param must be an integer');
    limit = Number(rawLimit);
    if (limit < 0) throw new BadRequest('limit param must be positive');
  }
  return { limit, marker: queryValue(request.query, 'marker') };
}

/** One page of `items` after the marker; `idOf` names an item as the marker does. */
export function paginate<T>(items: T[], page: Page, maxLimit: number, idOf: (t: T) => string): T[] {
  let start = 0;
  if (page.marker !== undefined) {
    const i = items.findIndex((t) => idOf(t) === page.marker);
    if (i < 0) throw new BadRequest(`marker [${page.marker}] not found`);
    start = i + 1;
  }
  const limit = page.limit === undefined ? maxLimit : Math.min(page.limit, maxLimit);
  return items.slice(start, start + limit);
}

/** The "next" link for a full page (Nova's _get_collection_links). */
export function nextLinks(
  request: FastifyRequest, deps: ComputeDeps, collection: string, page: Page, returned: string[], maxLimit: number,
): Array<{ rel: string; href: string }> | undefined {
  const limit = page.limit === undefined ? maxLimit : Math.min(page.limit, maxLimit);
  if (returned.length === 0 || returned.length < limit) return undefined;
  const params = new URLSearchParams();
  const q = (request.query ?? {}) as Record<string, string | string[]>;
  for (const [k, v] of Object.entries(q)) {
    if (k === 'marker') continue;
    for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
  }
  params.set('marker', returned[returned.length - 1]!);
  return [{ rel: 'next', href: `${versionedUrl(request, deps)}/${collection}?${params.toString()}` }];
}
