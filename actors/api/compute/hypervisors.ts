/**
 * os-hypervisors (admin): list, detail, show, statistics, uptime, and before 2.53 search and
 * servers-by-hostname. Ids are integers before 2.53 (stable, from the API database) and compute node
 * uuids from 2.53, when the search and servers routes became ?hypervisor_hostname_pattern= and
 * ?with_servers=.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import { queryValue } from '../../../runtime/http/index.ts';
import type { ComputeNodeView, ServiceView } from '../compute-api.ts';
import { contextOf, requireAdmin } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { nextLinks, pageOf, paginate } from './pagination.ts';
import { parseBoolString, isUuidLike } from './validation.ts';
import { since } from './version.ts';

type P = { Params: { id: string } };

interface Node {
  node: ComputeNodeView;
  service: ServiceView | undefined;
}

async function nodes(deps: ComputeDeps, request: FastifyRequest): Promise<Node[]> {
  const ctx = contextOf(request);
  const [list, services] = await Promise.all([deps.compute.hypervisors(ctx), deps.compute.services(ctx)]);
  return list
    .map((node) => ({ node, service: services.find((s) => s.host === node.host && s.binary === 'nova-compute') }))
    .sort((a, b) => deps.store.legacyIds.idOf('hypervisor', a.node.uuid) - deps.store.legacyIds.idOf('hypervisor', b.node.uuid));
}

function idOf(deps: ComputeDeps, request: FastifyRequest, n: Node): string | number {
  return since(request, '2.53') ? n.node.uuid : deps.store.legacyIds.idOf('hypervisor', n.node.uuid);
}

function serviceIdOf(deps: ComputeDeps, request: FastifyRequest, s: ServiceView | undefined): string | number | null {
  if (!s) return null;
  return since(request, '2.53') ? s.uuid : deps.store.legacyIds.idOf('service', s.uuid);
}

function view(deps: ComputeDeps, request: FastifyRequest, n: Node, detail: boolean, servers?: Array<{ name: string; uuid: string }>) {
  const { node, service } = n;
  const out: Record<string, unknown> = {
    id: idOf(deps, request, n),
    hypervisor_hostname: node.nodename,
    state: service?.up ?? node.serviceUp ? 'up' : 'down',
    status: service?.disabled ?? node.serviceDisabled ? 'disabled' : 'enabled',
  };
  if (detail) {
    out['hypervisor_type'] = node.hypervisorType;
    out['hypervisor_version'] = node.hypervisorVersion;
    out['host_ip'] = node.hostIp;
    out['service'] = { id: serviceIdOf(deps, request, service), host: node.host, disabled_reason: service?.disabledReason ?? null };
    if (!since(request, '2.88')) {
      const freeRam = node.memoryMb - node.memoryMbUsed;
      const freeDisk = node.localGb - node.localGbUsed;
      Object.assign(out, {
        vcpus: node.vcpus, memory_mb: node.memoryMb, local_gb: node.localGb, vcpus_used: node.vcpusUsed,
        memory_mb_used: node.memoryMbUsed, local_gb_used: node.localGbUsed, free_ram_mb: freeRam, free_disk_gb: freeDisk,
        current_workload: 0, running_vms: node.runningVms, disk_available_least: freeDisk,
      });
      let cpu: unknown = node.cpuInfo;
      if (since(request, '2.28')) {
        try {
          cpu = node.cpuInfo ? JSON.parse(node.cpuInfo) : {};
        } catch {
          cpu = {};
        }
      }
      out['cpu_info'] = cpu;
    } else {
      out['uptime'] = uptimeText(deps);
    }
  }
  if (servers && servers.length > 0) out['servers'] = servers;
  else if (servers && since(request, '2.75')) out['servers'] = [];
  return out;
}

function uptimeText(deps: ComputeDeps): string {
  const t = new Date(deps.clock.now()).toISOString().slice(11, 19);
  return ` ${t} up 1 day,  0:00,  0 users,  load average: 0.00, 0.00, 0.00`;
}

function findNode(deps: ComputeDeps, request: FastifyRequest, list: Node[], id: string): Node {
  if (since(request, '2.53')) {
    if (!isUuidLike(id)) throw new BadRequest(`Invalid uuid ${id}`);
    const n = list.find((x) => x.node.uuid === id);
    if (!n) throw new NotFound(`Hypervisor with ID '${id}' could not be found.`);
    return n;
  }
  const n = /^\d+$/.test(id) ? list.find((x) => String(deps.store.legacyIds.idOf('hypervisor', x.node.uuid)) === id) : undefined;
  if (!n) throw new NotFound(`Hypervisor with ID '${id}' could not be found.`);
  return n;
}

async function serversOn(deps: ComputeDeps, request: FastifyRequest, host: string) {
  const all = await deps.compute.list(contextOf(request), true);
  return all.filter((i) => i.host === host && !i.deleted).map((i) => ({ name: deps.store.instances.attrs(i.uuid).name ?? i.displayName, uuid: i.uuid }));
}

function matching(list: Node[], pattern: string): Node[] {
  const found = list.filter((n) => n.node.nodename.includes(pattern));
  if (found.length === 0) throw new NotFound(`No hypervisor matching '${pattern}' could be found.`);
  return found;
}

export function registerHypervisorRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const listing = (detail: boolean) => async (request: FastifyRequest) => {
    requireAdmin(request, `os_compute_api:os-hypervisors:${detail ? 'list-detail' : 'list'}`);
    let list = await nodes(deps, request);
    const pattern = since(request, '2.53') ? queryValue(request.query, 'hypervisor_hostname_pattern') : undefined;
    const withServersRaw = since(request, '2.53') ? queryValue(request.query, 'with_servers') : undefined;
    const withServers = withServersRaw === undefined ? false : parseBoolString(withServersRaw);
    if (withServers === undefined) throw new BadRequest(`Unrecognized value '${withServersRaw}', acceptable values are 'true' and 'false'`);
    const page = since(request, '2.33') ? pageOf(request) : { limit: undefined, marker: undefined };
    if (pattern !== undefined) {
      if (page.limit !== undefined || page.marker !== undefined) {
        throw new BadRequest('Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');
      }
      list = matching(list, pattern);
    }
    const items = paginate(list, page, deps.settings.maxLimit, (n) => String(idOf(deps, request, n)));
    const hypervisors = [];
    for (const n of items) hypervisors.push(view(deps, request, n, detail, withServers ? await serversOn(deps, request, n.node.host) : undefined));
    const links = since(request, '2.33') && pattern === undefined
      ? nextLinks(request, deps, detail ? 'os-hypervisors/detail' : 'os-hypervisors', page, items.map((n) => String(idOf(deps, request, n))), deps.settings.maxLimit)
      : undefined;
    return links ? { hypervisors, hypervisors_links: links } : { hypervisors };
  };
  app.get('/os-hypervisors', listing(false));
  app.get('/os-hypervisors/detail', listing(true));

  app.get('/os-hypervisors/statistics', async (request) => {
    if (since(request, '2.88')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:os-hypervisors:statistics');
    const list = await nodes(deps, request);
    const sum = (f: (n: ComputeNodeView) => number) => list.reduce((a, n) => a + f(n.node), 0);
    return {
      hypervisor_statistics: {
        count: list.length, vcpus: sum((n) => n.vcpus), memory_mb: sum((n) => n.memoryMb), local_gb: sum((n) => n.localGb),
        vcpus_used: sum((n) => n.vcpusUsed), memory_mb_used: sum((n) => n.memoryMbUsed), local_gb_used: sum((n) => n.localGbUsed),
        free_ram_mb: sum((n) => n.memoryMb - n.memoryMbUsed), free_disk_gb: sum((n) => n.localGb - n.localGbUsed),
        current_workload: 0, running_vms: sum((n) => n.runningVms), disk_available_least: sum((n) => n.localGb - n.localGbUsed),
      },
    };
  });

  app.get<P>('/os-hypervisors/:id', async (request) => {
    requireAdmin(request, 'os_compute_api:os-hypervisors:show');
    const list = await nodes(deps, request);
    const n = findNode(deps, request, list, request.params.id);
    const raw = since(request, '2.53') ? queryValue(request.query, 'with_servers') : undefined;
    const withServers = raw === undefined ? false : parseBoolString(raw);
    if (withServers === undefined) throw new BadRequest(`Unrecognized value '${raw}', acceptable values are 'true' and 'false'`);
    return { hypervisor: view(deps, request, n, true, withServers ? await serversOn(deps, request, n.node.host) : undefined) };
  });

  app.get<P>('/os-hypervisors/:id/uptime', async (request) => {
    if (since(request, '2.88')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:os-hypervisors:uptime');
    const n = findNode(deps, request, await nodes(deps, request), request.params.id);
    return { hypervisor: { ...view(deps, request, n, false), uptime: uptimeText(deps) } };
  });

  app.get<P>('/os-hypervisors/:id/search', async (request) => {
    if (since(request, '2.53')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:os-hypervisors:search');
    return { hypervisors: matching(await nodes(deps, request), request.params.id).map((n) => view(deps, request, n, false)) };
  });

  app.get<P>('/os-hypervisors/:id/servers', async (request) => {
    if (since(request, '2.53')) throw new NotFound('The resource could not be found.');
    requireAdmin(request, 'os_compute_api:os-hypervisors:servers');
    const found = matching(await nodes(deps, request), request.params.id);
    const out = [];
    for (const n of found) {
      const servers = await serversOn(deps, request, n.node.host);
      out.push({ ...view(deps, request, n, false), ...(servers.length > 0 ? { servers } : {}) });
    }
    return { hypervisors: out };
  });
}
