/**
 * POST /servers (nova/api/openstack/compute/servers.py create): the body checked against the schema
 * of the requested microversion, flavor/image/keypair/zone/group resolved from the API cell's data,
 * quotas counted, then the ComputeAPI facade names the instances and hands them to the cells. The
 * API-side attributes (access IPs, tags, description, ...) travel with the request and are kept in
 * the instance mapping.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequest } from '../../../runtime/errors/index.ts';
import type { CreateRequest } from '../compute-api.ts';
import type { Flavor, Image, ServerAttrs } from '../db/index.ts';
import type { FlavorSpec, InstanceGroupSpec } from '../../scheduler/types.ts';
import { imageVisibleTo } from '../image/policy.ts';
import { callerOf, contextOf, policyDenied, resourceLinks, type Caller } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { flavorVisibleTo } from './flavor-access.ts';
import { checkCount, instancesAllowed, projectUsage } from './quota-usage.ts';
import { FLAT_NETWORK } from './networks.ts';
import { checkPersonalityQuota, hasPersonality, personalitySchema } from './personality.ts';
import { DEFAULT_GROUP } from './security-groups.ts';
import { knownZones } from './zones.ts';
import { base64String as base64, intLike, isIPv4, isIPv6, isUuidLike, metadataSchema, novaBoolean, novaName, validate, canonicalIPv6, when } from './validation.ts';
import { isLegacyV2, since } from './version.ts';
import { flavorOfRecord } from '../../objects/index.ts';

const tagSchema = z.string().min(1).max(60).regex(/^[^,/]*$/, 'tags may not contain "," or "/"');
const hints = z.record(z.string(), z.unknown()).optional();

function serverSchema(request: FastifyRequest) {
  const name = novaName(255, isLegacyV2(request));
  const networkItem = z.object({
    fixed_ip: z.string().refine((s) => isIPv4(s) || isIPv6(s), 'is not a valid IP address').optional(),
    port: z.string().nullable().optional(),
    uuid: since(request, '2.37') ? z.string().refine(isUuidLike, 'is not a uuid').optional() : z.string().optional(),
    ...(since(request, '2.42') ? { tag: tagSchema.optional() } : {}),
  }).strict();
  const networks = since(request, '2.37') ? z.union([z.array(networkItem), z.enum(['auto', 'none'])]) : z.array(networkItem);
  /**
   * The attributes later microversions added (or, for personality, removed): outside their
   * microversion they are not in the schema at all, so `.strict()` names them as unexpected. `.pick`
   * keeps a key whose mask value is `true`; the parsed value's type has them all as optional.
   */
  const hostname = since(request, '2.94')
    ? z.string().min(1).max(255).regex(/^[a-zA-Z0-9.-]+$/, 'is not a valid hostname').optional()
    : z.string().min(2).max(63).regex(/^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$/, 'is not a valid hostname').optional();
  const versioned = z.object({
    personality: personalitySchema.optional(),
    description: z.string().max(255).nullable().optional(),
    tags: z.array(tagSchema).max(50).optional(),
    trusted_image_certificates: z.array(z.string().min(1)).min(1).max(50).nullable().optional(),
    host: z.string().min(1).max(255).optional(),
    hypervisor_hostname: z.string().min(1).max(255).optional(),
    hostname,
  }).pick({
    personality: when(hasPersonality(request)),
    description: when(since(request, '2.19')),
    tags: when(since(request, '2.52')),
    trusted_image_certificates: when(since(request, '2.63')),
    host: when(since(request, '2.74')),
    hypervisor_hostname: when(since(request, '2.74')),
    hostname: when(since(request, '2.90')),
  });
  const server = z.object({
    name,
    imageRef: z.string().optional(),
    flavorRef: z.union([z.string().min(1), z.number().int()]),
    adminPass: z.string().optional(),
    metadata: metadataSchema.optional(),
    networks: since(request, '2.37') ? networks : networks.optional(),
    'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
    accessIPv4: z.string().refine(isIPv4, 'is not a valid IPv4 address').optional(),
    accessIPv6: z.string().refine(isIPv6, 'is not a valid IPv6 address').optional(),
    availability_zone: novaName(255).optional(),
    block_device_mapping: z.array(z.record(z.string(), z.unknown())).optional(),
    block_device_mapping_v2: z.array(z.record(z.string(), z.unknown())).optional(),
    config_drive: novaBoolean.optional(),
    key_name: novaName(255).optional(),
    min_count: intLike(1).optional(),
    max_count: intLike(1).optional(),
    return_reservation_id: novaBoolean.optional(),
    security_groups: z.array(z.object({ name: novaName(255) }).strict()).optional(),
    user_data: isLegacyV2(request) ? base64.pipe(z.string().max(65535)).nullable().optional() : base64.pipe(z.string().max(65535)).optional(),
    ...versioned.shape,
  });
  return z.object({
    server: server.strict(),
    'os:scheduler_hints': hints,
    'OS-SCH-HNT:scheduler_hints': hints,
  }).strict();
}

type NetworksBody = z.output<ReturnType<typeof serverSchema>>['server']['networks'];

function idFromHref(ref: string): string {
  return ref.replace(/\/+$/, '').split('/').pop() ?? ref;
}

function resolveFlavor(deps: ComputeDeps, caller: Caller, ref: string | number): Flavor {
  const id = idFromHref(String(ref));
  const f = deps.store.flavors.get(id);
  if (!f || !flavorVisibleTo(f, caller)) throw new BadRequest(`Flavor ${id} could not be found.`);
  return f;
}

function resolveImage(deps: ComputeDeps, caller: Caller, ref: string, f: Flavor): Image {
  const id = idFromHref(ref);
  const img = deps.store.images.get(id);
  if (!img || !imageVisibleTo(img, caller)) throw new BadRequest(`Image ${id} could not be found.`);
  if (img.status !== 'active') throw new BadRequest(`Image ${id} is not active.`);
  if (img.minRam > f.ram) throw new BadRequest("Flavor's memory is too small for requested image.");
  if (f.disk > 0 && img.minDisk > f.disk) throw new BadRequest("Flavor's disk is too small for requested image.");
  if (f.disk > 0 && img.size !== null && img.size > f.disk * 1024 ** 3) throw new BadRequest("Flavor's disk is too small for requested image.");
  return img;
}

export function flavorSpecOf(f: Flavor): FlavorSpec {
  return flavorOfRecord({ ...f, extraSpecs: { ...f.extraSpecs } });
}

export function imagePropertiesOf(img: Image | undefined): Record<string, string> {
  if (!img) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(img.properties)) out[k] = String(v);
  return out;
}

/** `az`, `az:host` or `az:host:node` (the host part is admin only). */
function parseZone(deps: ComputeDeps, caller: Caller, raw: string | undefined): { zone: string | null; hosts: string[] } {
  if (raw === undefined) return { zone: null, hosts: [] };
  const [zone, host] = raw.split(':');
  if (host && !caller.isAdmin) throw new BadRequest('Forcing a host requires the admin role.');
  if (!knownZones(deps).has(zone!)) throw new BadRequest('The requested availability zone is not available');
  return { zone: zone || null, hosts: host ? [host] : [] };
}

async function groupSpec(deps: ComputeDeps, request: FastifyRequest, caller: Caller, hintsIn: Record<string, unknown>, count: number) {
  const raw = hintsIn['group'];
  const uuid = Array.isArray(raw) ? raw[0] : raw;
  if (uuid === undefined) return null;
  if (typeof uuid !== 'string' || !isUuidLike(uuid)) throw new BadRequest(`Invalid input for field/attribute group. Value: ${String(uuid)}. is not a 'uuid'`);
  const g = deps.store.groups.get(uuid);
  if (!g || (!caller.isAdmin && g.projectId !== caller.projectId)) throw new BadRequest(`Instance group ${uuid} could not be found.`);
  checkCount(deps.store.quotas.limits(g.projectId), 'server_group_members', g.members.length, count);
  const hosts = new Set<string>();
  for (const member of g.members) {
    const inst = await deps.compute.get(member, contextOf(request)).catch(() => undefined);
    if (inst?.host) hosts.add(inst.host);
  }
  const spec: InstanceGroupSpec = { uuid: g.uuid, policy: g.policy, hosts: [...hosts], members: [...g.members] };
  if (g.rules.max_server_per_host !== undefined) spec.maxServerPerHost = g.rules.max_server_per_host;
  return spec;
}

function checkNetworks(networks: NetworksBody): void {
  if (!Array.isArray(networks)) return;
  for (const n of networks) {
    if (n.port) throw new BadRequest(`Port ${n.port} could not be found.`);
    if (n.uuid !== undefined) {
      if (!isUuidLike(n.uuid)) throw new BadRequest(`Bad networks format: network uuid is not in proper format (${n.uuid})`);
      // The built-in flat network (os-networks) is the one every guest is on.
      if (n.uuid === FLAT_NETWORK.id) continue;
      throw new BadRequest(`Network ${n.uuid} could not be found.`);
    }
  }
}

/** Nova's utils.generate_password: 12 characters without look-alikes. */
export function generatePassword(deps: ComputeDeps, length = 12): string {
  const symbols = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let s = '';
  for (let i = 0; i < length; i++) s += symbols[deps.rng.int(symbols.length)];
  return s;
}

export interface CreateServerResult {
  status: 202;
  body: unknown;
  location?: string;
  /** Every server made, and their reservation (for the EC2 API's RunInstances). */
  instanceUuids: string[];
  reservationId: string;
}

/** The cell hints steer a build across sites: admin-only, as cells v1's TargetCellFilter policy was. */
const CELL_HINT_RULES: ReadonlyArray<[string, string]> = [
  ['target_cell', 'cells_scheduler_filter:TargetCellFilter'],
  ['different_cell', 'cells_scheduler_filter:DifferentCellFilter'],
];

function checkCellHints(caller: Caller, hintsIn: Record<string, unknown>): void {
  if (caller.isAdmin) return;
  for (const [hint, rule] of CELL_HINT_RULES) if (Object.hasOwn(hintsIn, hint)) throw policyDenied(rule);
}

/** A scheduler hint the scheduler reads: a string or a list of strings. */
function isHintValue(v: unknown): v is string | string[] {
  return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}

/** `input`: the request body in the compute API's form (the EC2 API passes one it built). */
export async function createServer(deps: ComputeDeps, request: FastifyRequest, input: unknown = request.body): Promise<CreateServerResult> {
  const caller = callerOf(request);
  const body = validate(serverSchema(request), input);
  const s = body.server;
  const hintsIn = body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {};
  checkCellHints(caller, hintsIn);
  const limits = deps.store.quotas.limits(caller.projectId);

  const flavor = resolveFlavor(deps, caller, s.flavorRef);
  const bdm = s.block_device_mapping_v2 ?? s.block_device_mapping;
  const imageRef = s.imageRef ?? '';
  if (bdm && bdm.length > 0) throw new BadRequest('Block device mappings need a volume service, which this cloud does not have.');
  if (!imageRef) throw new BadRequest('Missing imageRef attribute');
  const image = resolveImage(deps, caller, imageRef, flavor);
  const keyName = s.key_name;
  if (keyName !== undefined && !deps.store.keypairs.get(caller.userId, keyName)) throw new BadRequest('Invalid key_name provided.');
  const { zone, hosts } = parseZone(deps, caller, s.availability_zone);
  checkNetworks(s.networks);
  const securityGroups = [...new Set((s.security_groups ?? []).map((g) => g.name))];
  for (const name of securityGroups) {
    if (name !== DEFAULT_GROUP && !deps.store.network.byName(caller.projectId, name)) {
      throw new BadRequest(`Unable to find security_group with name or id '${name}'`);
    }
  }
  const metadata = s.metadata ?? {};
  checkCount(limits, 'metadata_items', 0, Object.keys(metadata).length);
  checkPersonalityQuota(limits, s.personality);
  const min = s.min_count ?? 1;
  const max = s.max_count ?? min;
  if (max < min) throw new BadRequest('min_count must be <= max_count');
  const used = await projectUsage(deps, request, caller.projectId);
  const count = instancesAllowed(limits, used, flavor.vcpus, flavor.ram, min, max);
  const group = await groupSpec(deps, request, caller, hintsIn, count);

  const forceHosts = [...hosts];
  if (typeof s.host === 'string') {
    if (!caller.isAdmin) throw new BadRequest('Requesting a host requires the admin role.');
    forceHosts.splice(0, forceHosts.length, s.host);
  }
  const adminPass = s.adminPass ?? generatePassword(deps);
  const attrs: ServerAttrs = {
    accessIPv4: s.accessIPv4 ?? '',
    accessIPv6: s.accessIPv6 ? canonicalIPv6(s.accessIPv6) : '',
    autoDiskConfig: s['OS-DCF:diskConfig'] === 'AUTO',
    configDrive: Boolean(s.config_drive),
    userData: s.user_data ?? null,
    description: s.description ?? null,
    tags: s.tags ?? [],
    ...(securityGroups.length > 0 ? { securityGroups } : {}),
    keyName: keyName ?? null,
    group: group?.uuid ?? null,
    requestedAz: zone,
    trustedCerts: s.trusted_image_certificates ?? null,
    ...(typeof s.hostname === 'string' ? { hostname: s.hostname } : {}),
  };
  const schedulerHints: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(hintsIn)) {
    if (isHintValue(v)) schedulerHints[k] = v;
  }
  const req: CreateRequest = {
    name: s.name, flavor: flavorSpecOf(flavor), image: { id: image.id, properties: imagePropertiesOf(image) },
    imageRef: image.id, minCount: count, maxCount: count, availabilityZone: zone, metadata, keyName: keyName ?? null,
    schedulerHints, instanceGroup: group, forceHosts,
    // The key travels with the instance (Nova's instance_extra.keypairs): the metadata service and
    // the config drive of its leaf cell serve it to the guest.
    extra: { ...attrs, metadata: undefined, ...(keyName !== undefined ? { keyData: deps.store.keypairs.get(caller.userId, keyName)!.publicKey } : {}) },
  };
  const ctx = contextOf(request);
  const result = await deps.compute.create(req, ctx);
  const now = deps.clock.now();
  for (const uuid of result.instanceUuids) {
    const existing = deps.store.instances.get(uuid);
    await deps.store.instances.create({
      uuid, projectId: caller.projectId, userId: caller.userId, cell: existing?.cell ?? null, attrs: { ...attrs, metadata },
      createdAt: now, deletedAt: null,
    });
  }
  if (group) {
    const g = deps.store.groups.get(group.uuid)!;
    await deps.store.groups.setMembers(g, [...g.members, ...result.instanceUuids]);
  }
  const made = { instanceUuids: result.instanceUuids, reservationId: result.reservationId };
  if (s.return_reservation_id) return { status: 202, body: { reservation_id: result.reservationId }, ...made };
  const first = result.instanceUuids[0]!;
  const links = resourceLinks(request, deps, 'servers', first);
  const server: Record<string, unknown> = {
    id: first, links, 'OS-DCF:diskConfig': attrs.autoDiskConfig ? 'AUTO' : 'MANUAL',
    security_groups: s.security_groups ?? [{ name: 'default' }],
  };
  if (deps.settings.enableInstancePassword) server['adminPass'] = adminPass;
  return { status: 202, body: { server }, location: links[0]!.href, ...made };
}
