/**
 * The compute version documents, served without a token: GET /compute/ lists v2.0 first then v2.1
 * with its microversion window; GET /compute/v2.1/ and /compute/v2/ describe one version. The self
 * links of the list are followable and match those of the single documents (Tempest checks both).
 */
import type { FastifyRequest } from 'fastify';
import { hostUrl } from './context.ts';
import type { ComputeDeps } from './deps.ts';

const V21_UPDATED = '2013-07-23T11:33:21Z';
const V20_UPDATED = '2025-07-04T12:00:00Z';
const MEDIA_TYPES = (v: string) => [{ base: 'application/json', type: `application/vnd.openstack.compute+json;version=${v}` }];

function entry(request: FastifyRequest, deps: Pick<ComputeDeps, 'linkPrefix' | 'settings'>, which: 'v2.0' | 'v2.1') {
  const base = hostUrl(request, deps);
  return which === 'v2.0'
    ? { id: 'v2.0', status: 'DEPRECATED', version: '', min_version: '', updated: V20_UPDATED, links: [{ rel: 'self', href: `${base}/compute/v2/` }] }
    : { id: 'v2.1', status: 'CURRENT', version: deps.settings.maxMicroversion, min_version: '2.1', updated: V21_UPDATED, links: [{ rel: 'self', href: `${base}/compute/v2.1/` }] };
}

export function versionList(request: FastifyRequest, deps: Pick<ComputeDeps, 'linkPrefix' | 'settings'>) {
  return { versions: [entry(request, deps, 'v2.0'), entry(request, deps, 'v2.1')] };
}

export function versionShow(request: FastifyRequest, deps: Pick<ComputeDeps, 'linkPrefix' | 'settings'>, which: 'v2.0' | 'v2.1') {
  const e = entry(request, deps, which);
  return {
    version: {
      ...e,
      links: [...e.links, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
      'media-types': MEDIA_TYPES(which === 'v2.0' ? '2' : '2.1'),
    },
  };
}

