/**
 * Server bodies, field for field as nova/api/openstack/compute/views/servers.py draws them at each
 * microversion: Tempest's response schemas reject any field a microversion does not have, so every
 * field is added under the same condition Nova adds it.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { isoSeconds } from '../../../../runtime/clock/index.ts';
import type { InstanceView } from '../../compute-api.ts';
import type { ServerAttrs } from '../../db/index.ts';
import { bookmarkLinks, callerOf, resourceLinks } from '../context.ts';
import type { ComputeDeps } from '../deps.ts';
import { since } from '../version.ts';
import { zoneOfHost } from '../zones.ts';
import { statusFromState } from './status.ts';
import { addressesOf } from './addresses.ts';
import { isStringArray } from '../../guards.ts';

/** An instance as the API shows it: the cell's record, the API-side attributes, its server group. */
export interface ServerModel {
  inst: InstanceView;
  attrs: ServerAttrs;
  group: string | null;
  /** UP / DOWN / MAINTENANCE / UNKNOWN / '' for 2.16+ (admins), when known. */
  hostStatus?: string;
}

/** What a show-like response includes; Nova's ViewBuilder.show keyword arguments. */
export interface ShowOptions {
  showAll: boolean;
  showKeypair?: boolean;
  showServerGroups?: boolean;
  showUserData?: boolean;
  /** null: decide by policy (admin); false: never. */
  showExtendedAttr?: boolean | null;
  showHostStatus?: boolean | null;
}

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);
const FAULT_STATUSES = new Set(['ERROR', 'DELETED']);

/** Nova's utils.generate_hostid: sha224(project + host), '' without a host. */
export function hostId(host: string | null, projectId: string): string {
  if (!host) return '';
  return createHash('sha224').update(projectId + host).digest('hex');
}

/** Nova prints launched_at/terminated_at as a naive datetime: 2024-01-01T10:00:00.000000. */
function naiveTime(ms: number | null): string | null {
  if (ms === null) return null;
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

export function serverName(m: ServerModel): string {
  return m.attrs.name ?? m.inst.displayName;
}

export function serverMetadata(m: ServerModel): Record<string, string> {
  return m.attrs.metadata ?? m.inst.metadata ?? {};
}

export function serverTags(m: ServerModel): string[] {
  if (m.attrs.tags) return m.attrs.tags;
  const fromCell = m.inst.extra['tags'];
  return isStringArray(fromCell) ? fromCell : [];
}

export function serverStatus(m: ServerModel): string {
  return m.inst.deleted ? 'DELETED' : statusFromState(m.inst.vmState, m.inst.taskState);
}

/** An API-side attribute, else what the cell's record carries under the same name (shown as is). */
function extra(m: ServerModel, key: keyof ServerAttrs): unknown {
  const v = m.attrs[key];
  return v !== undefined ? v : m.inst.extra[key];
}

function imageView(request: FastifyRequest, deps: ComputeDeps, m: ServerModel): unknown {
  const ref = m.inst.imageRef;
  if (!ref) return '';
  const id = ref.split('/').pop()!;
  return { id, links: bookmarkLinks(request, deps, 'images', id) };
}

function flavorView(request: FastifyRequest, deps: ComputeDeps, m: ServerModel): unknown {
  const f = m.inst.flavor;
  if (since(request, '2.47')) {
    return {
      vcpus: f.vcpus, ram: f.memoryMb, disk: f.rootGb, ephemeral: f.ephemeralGb, swap: f.swapMb,
      original_name: f.name, extra_specs: { ...f.extraSpecs },
    };
  }
  return { id: f.id, links: bookmarkLinks(request, deps, 'flavors', f.id) };
}

function faultView(request: FastifyRequest, m: ServerModel): unknown {
  const f = m.inst.fault;
  if (!f) return undefined;
  const out: Record<string, unknown> = { code: f.code, created: isoSeconds(f.createdAt), message: f.message };
  if (f.details && (callerOf(request).isAdmin || f.code !== 500)) out['details'] = f.details;
  return out;
}

/** GET /servers: id, name, links. */
export function serverBasic(request: FastifyRequest, deps: ComputeDeps, m: ServerModel) {
  return { id: m.inst.uuid, name: serverName(m), links: resourceLinks(request, deps, 'servers', m.inst.uuid) };
}

/** The detailed view (show, detail, and the trimmed update/rebuild responses). */
export function serverDetail(request: FastifyRequest, deps: ComputeDeps, m: ServerModel, opts: ShowOptions): Record<string, unknown> {
  const i = m.inst;
  const caller = callerOf(request);
  const status = serverStatus(m);
  const s: Record<string, unknown> = {
    accessIPv4: extra(m, 'accessIPv4') ?? '',
    accessIPv6: extra(m, 'accessIPv6') ?? '',
    addresses: addressesOf(m, opts.showAll),
    created: isoSeconds(i.createdAt),
    flavor: flavorView(request, deps, m),
    hostId: hostId(i.host, i.projectId),
    id: i.uuid,
    image: imageView(request, deps, m),
    links: resourceLinks(request, deps, 'servers', i.uuid),
    metadata: { ...serverMetadata(m) },
    name: serverName(m),
    status,
    tenant_id: i.projectId,
    user_id: i.userId,
    updated: isoSeconds(i.updatedAt ?? i.createdAt),
    'OS-DCF:diskConfig': extra(m, 'autoDiskConfig') ? 'AUTO' : 'MANUAL',
  };
  if (FAULT_STATUSES.has(status)) {
    const fault = faultView(request, m);
    if (fault) s['fault'] = fault;
  }
  if (PROGRESS_STATUSES.has(status)) s['progress'] = 0;
  const all = opts.showAll;
  if (all) {
    // Nova shows the zone of the host once there is one, else what was asked for.
    s['OS-EXT-AZ:availability_zone'] = i.host ? zoneOfHost(deps, i.host) : (i.availabilityZone ?? '');
    s['config_drive'] = extra(m, 'configDrive') ? 'True' : '';
  }
  if (all || opts.showKeypair) s['key_name'] = extra(m, 'keyName') ?? i.keyName ?? null;
  if (all) {
    s['OS-SRV-USG:launched_at'] = naiveTime(i.launchedAt);
    s['OS-SRV-USG:terminated_at'] = naiveTime(i.terminatedAt);
    const groups = m.attrs.securityGroups ?? ['default'];
    if (groups.length > 0) s['security_groups'] = groups.map((name) => ({ name }));
  }
  const showExtended = opts.showExtendedAttr === false ? false : caller.isAdmin;
  if (showExtended) {
    s['OS-EXT-SRV-ATTR:host'] = i.host;
    s['OS-EXT-SRV-ATTR:instance_name'] = `instance-${i.uuid.slice(0, 8)}`;
    s['OS-EXT-SRV-ATTR:hypervisor_hostname'] = i.node;
    if (since(request, '2.3')) {
      s['OS-EXT-SRV-ATTR:hostname'] = extra(m, 'hostname') ?? i.hostname;
      s['OS-EXT-SRV-ATTR:kernel_id'] = '';
      s['OS-EXT-SRV-ATTR:launch_index'] = i.launchIndex;
      s['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
      s['OS-EXT-SRV-ATTR:reservation_id'] = i.reservationId;
      s['OS-EXT-SRV-ATTR:root_device_name'] = '/dev/vda';
      if (opts.showUserData !== false) s['OS-EXT-SRV-ATTR:user_data'] = extra(m, 'userData') ?? null;
    }
  }
  if (all) {
    s['OS-EXT-STS:task_state'] = i.taskState;
    s['OS-EXT-STS:vm_state'] = i.vmState;
    s['OS-EXT-STS:power_state'] = i.powerState;
    s['os-extended-volumes:volumes_attached'] = [];
  }
  if (since(request, '2.9')) s['locked'] = Boolean(m.attrs.locked ?? i.locked);
  if (since(request, '2.16') && opts.showHostStatus !== false && caller.isAdmin && m.hostStatus !== undefined) {
    s['host_status'] = m.hostStatus;
  }
  if (since(request, '2.19')) s['description'] = extra(m, 'description') ?? null;
  if (since(request, '2.26')) s['tags'] = [...serverTags(m)];
  if (since(request, '2.63')) s['trusted_image_certificates'] = extra(m, 'trustedCerts') ?? null;
  if (opts.showServerGroups) s['server_groups'] = m.group ? [m.group] : [];
  if (since(request, '2.73')) s['locked_reason'] = m.attrs.locked ? (m.attrs.lockedReason ?? null) : null;
  if (since(request, '2.90') && !showExtended) s['OS-EXT-SRV-ATTR:hostname'] = extra(m, 'hostname') ?? i.hostname;
  if (all && since(request, '2.96')) s['pinned_availability_zone'] = m.attrs.requestedAz ?? null;
  return s;
}

/** GET /servers/{id} and the entries of GET /servers/detail (which never shows server_groups). */
export function serverShow(request: FastifyRequest, deps: ComputeDeps, m: ServerModel, inList = false) {
  return serverDetail(request, deps, m, { showAll: true, showServerGroups: !inList && since(request, '2.71') });
}

/** PUT /servers/{id} and rebuild: only the basics before 2.75, everything since. */
export function serverUpdated(request: FastifyRequest, deps: ComputeDeps, m: ServerModel, rebuild: boolean) {
  const all = since(request, '2.75');
  return serverDetail(request, deps, m, {
    showAll: all,
    showKeypair: all || (rebuild && since(request, '2.54')),
    showServerGroups: since(request, '2.71'),
    showUserData: !rebuild,
    showExtendedAttr: all ? null : false,
    showHostStatus: all ? null : false,
  });
}
