/**
 * Actions the owning cell carries out with arguments or a new placement: rebuild, resize (confirm,
 * revert), shelve (offload, unshelve), rescue (unrescue), os-resetState; and the soft-delete pair
 * restore / forceDelete, which this cloud never needs (reclaim_instance_interval is 0).
 */
import { z } from 'zod';
import { BadRequest, InstanceInvalidState } from '../../../../runtime/errors/index.ts';
import type { InstanceTask } from '../../../conductor/messages.ts';
import { imageVisibleTo } from '../../image/policy.ts';
import { callerOf, contextOf, policyAllows, policyDenied, resourceLinks } from '../context.ts';
import { flavorVisibleTo } from '../flavor-access.ts';
import { checkCount, projectUsage, QuotaExceeded } from '../quota-usage.ts';
import { checkPersonalityQuota, hasPersonality, personalitySchema } from '../personality.ts';
import { flavorSpecOf, generatePassword, imagePropertiesOf } from '../server-create.ts';
import { loadServer } from '../server-lookup.ts';
import { deleteServer, ensureMapping } from '../servers.ts';
import { registerSnapshot, shelvedImageName } from '../snapshots.ts';
import { base64String, isIPv4, isIPv6, metadataSchema, novaBoolean, novaName, validate, canonicalIPv6, when } from '../validation.ts';
import { isLegacyV2, since } from '../version.ts';
import { serverUpdated } from '../views/servers.ts';
import { ACCEPTED, action, type ActionContext, type ServerAction } from './types.ts';

function checkState(ctx: ActionContext, what: string, vmStates: readonly string[]): void {
  const i = ctx.server.inst;
  if (!vmStates.includes(i.vmState)) {
    throw new InstanceInvalidState(`Cannot '${what}' instance ${i.uuid} while it is in vm_state ${i.vmState}`);
  }
  if (i.taskState !== null) {
    throw new InstanceInvalidState(`Cannot '${what}' instance ${i.uuid} while it is in task_state ${i.taskState}`);
  }
}

async function task(ctx: ActionContext, t: InstanceTask): Promise<void> {
  await ctx.deps.compute.instanceTask(ctx.server.inst.uuid, t, contextOf(ctx.request));
}

function idFromHref(ref: string): string {
  return ref.replace(/\/+$/, '').split('/').pop() ?? ref;
}

function rebuildSchema(request: ActionContext['request']) {
  const versioned = z.object({
    personality: personalitySchema.optional(),
    description: z.string().max(255).nullable().optional(),
    key_name: novaName(255).nullable().optional(),
    user_data: base64String.pipe(z.string().max(65535)).nullable().optional(),
    trusted_image_certificates: z.array(z.string().min(1)).nullable().optional(),
    hostname: z.string().min(1).max(255).optional(),
  }).pick({
    personality: when(hasPersonality(request)),
    description: when(since(request, '2.19')),
    key_name: when(since(request, '2.54')),
    user_data: when(since(request, '2.57')),
    trusted_image_certificates: when(since(request, '2.63')),
    hostname: when(since(request, '2.90')),
  });
  return z.object({
    name: novaName(255, isLegacyV2(request)).optional(),
    imageRef: z.string().min(1),
    adminPass: z.string().optional(),
    metadata: metadataSchema.optional(),
    preserve_ephemeral: novaBoolean.optional(),
    'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
    accessIPv4: z.string().refine((s) => s === '' || isIPv4(s), 'is not a valid IPv4 address').optional(),
    accessIPv6: z.string().refine((s) => s === '' || isIPv6(s), 'is not a valid IPv6 address').optional(),
    ...versioned.shape,
  }).strict();
}

const resizeSchema = z.object({
  flavorRef: z.union([z.string(), z.number().int()]).refine((v) => String(v).length > 0, 'flavorRef must not be empty'),
  'OS-DCF:diskConfig': z.enum(['AUTO', 'MANUAL']).optional(),
}).strict();

const rescueSchema = z.object({ adminPass: z.string().optional(), rescue_image_ref: z.string().optional() }).strict().nullable();
/** 2.77 adds availability_zone; 2.91 adds host (admin) and lets availability_zone be null (unpin). */
const unshelveSchema277 = z.object({ availability_zone: z.string() }).strict().nullable();
const unshelveSchema291 = z.object({
  availability_zone: z.string().nullable().optional(), host: z.string().min(1).max(255).optional(),
}).strict().nullable();
const resetStateSchema = z.object({ state: z.enum(['active', 'error']) }).strict();

const nullArg = (args: unknown) => args;

/** 2.91's host: admin-only, only for an offloaded server, and a compute host this cloud has (Nova's order). */
async function checkUnshelveHost(ctx: ActionContext, host: string): Promise<void> {
  if (!callerOf(ctx.request).isAdmin) throw policyDenied('os_compute_api:os-shelve:unshelve_to_host');
  if (ctx.server.inst.vmState !== 'shelved_offloaded') {
    throw new InstanceInvalidState(`The unshelve action on a server with a host is only possible when it is shelved_offloaded, not ${ctx.server.inst.vmState}.`);
  }
  const services = await ctx.deps.compute.services(contextOf(ctx.request));
  if (!services.some((s) => s.binary === 'nova-compute' && s.host === host)) throw new BadRequest(`Compute host ${host} could not be found.`);
}

export const lifecycleActions: Record<string, ServerAction> = {
  rebuild: action({
    parse: (args, request) => validate(rebuildSchema(request), args),
    run: async (ctx, a) => {
      const { deps, request, server } = ctx;
      checkState(ctx, 'rebuild', ['active', 'stopped', 'error']);
      const caller = callerOf(request);
      const id = idFromHref(a.imageRef);
      const img = deps.store.images.get(id);
      if (!img || !imageVisibleTo(img, caller)) throw new BadRequest(`Image ${id} could not be found.`);
      if (img.status !== 'active') throw new BadRequest(`Image ${id} is not active.`);
      if (img.minRam > server.inst.flavor.memoryMb) throw new BadRequest("Flavor's memory is too small for requested image.");
      const meta = a.metadata;
      const limits = deps.store.quotas.limits(server.inst.projectId);
      if (meta) checkCount(limits, 'metadata_items', 0, Object.keys(meta).length);
      checkPersonalityQuota(limits, a.personality);
      const keyName = a.key_name;
      if (typeof keyName === 'string' && !deps.store.keypairs.get(caller.userId, keyName)) throw new BadRequest('Invalid key_name provided.');
      await task(ctx, { kind: 'rebuild', image: { id: img.id, properties: imagePropertiesOf(img) }, imageRef: img.id });
      const patch: Record<string, unknown> = {};
      if (a['name'] !== undefined) patch['name'] = a['name'];
      if (meta !== undefined) patch['metadata'] = meta;
      if (a['accessIPv4'] !== undefined) patch['accessIPv4'] = a['accessIPv4'];
      if (a['accessIPv6'] !== undefined) patch['accessIPv6'] = a['accessIPv6'] ? canonicalIPv6(a['accessIPv6']) : '';
      if (a['OS-DCF:diskConfig'] !== undefined) patch['autoDiskConfig'] = a['OS-DCF:diskConfig'] === 'AUTO';
      if (a['description'] !== undefined) patch['description'] = a['description'];
      if (keyName !== undefined) patch['keyName'] = keyName;
      if (a['user_data'] !== undefined) patch['userData'] = a['user_data'];
      if (a['trusted_image_certificates'] !== undefined) patch['trustedCerts'] = a['trusted_image_certificates'];
      if (a['hostname'] !== undefined) patch['hostname'] = a['hostname'];
      await ensureMapping(deps, server.inst.uuid, server.inst.projectId, server.inst.userId);
      await deps.store.instances.patch(server.inst.uuid, patch);
      const fresh = await loadServer(deps, request, server.inst.uuid);
      const view = serverUpdated(request, deps, fresh, true);
      if (deps.settings.enableInstancePassword) view['adminPass'] = a.adminPass ?? generatePassword(deps);
      if (since(request, '2.57')) view['user_data'] = fresh.attrs.userData ?? null;
      return { status: 202, body: { server: view }, headers: { location: resourceLinks(request, deps, 'servers', fresh.inst.uuid)[0]!.href } };
    },
  }),

  resize: action({
    parse: (args) => validate(resizeSchema, args),
    run: async (ctx, a) => {
      const { deps, request, server } = ctx;
      checkState(ctx, 'resize', ['active', 'stopped']);
      const caller = callerOf(request);
      const id = idFromHref(String(a.flavorRef));
      const f = deps.store.flavors.get(id);
      if (!f || !flavorVisibleTo(f, caller)) throw new BadRequest(`Flavor ${id} could not be found.`);
      if (f.id === server.inst.flavor.id) throw new BadRequest('When resizing, instances must change flavor!');
      if (f.disk < server.inst.flavor.rootGb && f.disk !== 0) throw new BadRequest('Resize to zero disk flavor is not allowed.');
      const limits = deps.store.quotas.limits(server.inst.projectId);
      const used = await projectUsage(deps, request, server.inst.projectId);
      const dCores = f.vcpus - server.inst.flavor.vcpus;
      const dRam = f.ram - server.inst.flavor.memoryMb;
      if (dCores > 0 && limits['cores']! >= 0 && used.cores + dCores > limits['cores']!) throw new QuotaExceeded('cores', dCores, used.cores, limits['cores']!);
      if (dRam > 0 && limits['ram']! >= 0 && used.ram + dRam > limits['ram']!) throw new QuotaExceeded('ram', dRam, used.ram, limits['ram']!);
      await task(ctx, { kind: 'resize', flavor: flavorSpecOf(f), crossCell: policyAllows(deps.settings.crossCellResizeRule, caller) });
      if (a['OS-DCF:diskConfig'] !== undefined) {
        await ensureMapping(deps, server.inst.uuid, server.inst.projectId, server.inst.userId);
        await deps.store.instances.patch(server.inst.uuid, { autoDiskConfig: a['OS-DCF:diskConfig'] === 'AUTO' });
      }
      return ACCEPTED;
    },
  }),
  confirmResize: action({
    parse: nullArg,
    run: async (ctx) => {
      checkState(ctx, 'confirmResize', ['resized']);
      await task(ctx, { kind: 'confirm_resize' });
      return { status: 204 };
    },
  }),
  revertResize: action({
    parse: nullArg,
    run: async (ctx) => {
      checkState(ctx, 'revertResize', ['resized']);
      await task(ctx, { kind: 'revert_resize' });
      return ACCEPTED;
    },
  }),

  shelve: action({
    parse: nullArg,
    run: async (ctx) => {
      checkState(ctx, 'shelve', ['active', 'stopped', 'paused', 'suspended']);
      // Shelving keeps the disk as an image, named after the server (Nova's snapshot for shelve).
      const img = await registerSnapshot(ctx.deps, ctx.request, ctx.server, { name: shelvedImageName(ctx.server), imageType: 'snapshot', capture: false });
      await ensureMapping(ctx.deps, ctx.server.inst.uuid, ctx.server.inst.projectId, ctx.server.inst.userId);
      await ctx.deps.store.instances.patch(ctx.server.inst.uuid, { shelvedImage: img.id });
      await task(ctx, { kind: 'shelve', offload: true, imageId: img.id });
      return ACCEPTED;
    },
  }),
  shelveOffload: action({
    parse: nullArg,
    run: async (ctx) => {
      checkState(ctx, 'shelveOffload', ['shelved']);
      await task(ctx, { kind: 'shelve_offload' });
      return ACCEPTED;
    },
  }),
  unshelve: action({
    parse: (args, request): { availability_zone?: string | null; host?: string } | null => {
      if (since(request, '2.91')) return validate(unshelveSchema291, args ?? null);
      return since(request, '2.77') ? validate(unshelveSchema277, args ?? null) : null;
    },
    run: async (ctx, a) => {
      checkState(ctx, 'unshelve', ['shelved', 'shelved_offloaded']);
      const zone = a?.availability_zone;
      if (a?.host !== undefined) await checkUnshelveHost(ctx, a.host);
      await task(ctx, { kind: 'unshelve', availabilityZone: zone ?? null, ...(a?.host !== undefined ? { host: a.host } : {}) });
      const shelved = ctx.server.attrs.shelvedImage;
      if (shelved) {
        await ctx.deps.store.images.delete(shelved).catch(() => undefined);
        await ctx.deps.store.instances.patch(ctx.server.inst.uuid, { shelvedImage: null });
      }
      return ACCEPTED;
    },
  }),

  rescue: action({
    parse: (args) => validate(rescueSchema, args ?? null),
    run: async (ctx, a) => {
      const { deps, request } = ctx;
      checkState(ctx, 'rescue', ['active', 'stopped', 'error']);
      let image = null;
      if (a?.rescue_image_ref) {
        const img = deps.store.images.get(idFromHref(a.rescue_image_ref));
        if (!img || !imageVisibleTo(img, callerOf(request))) throw new BadRequest(`Image ${a.rescue_image_ref} could not be found.`);
        image = { id: img.id, properties: imagePropertiesOf(img) };
      }
      await task(ctx, { kind: 'rescue', image });
      const body = deps.settings.enableInstancePassword ? { adminPass: a?.adminPass ?? generatePassword(deps) } : {};
      return { status: 200, body };
    },
  }),
  unrescue: action({
    parse: nullArg,
    run: async (ctx) => {
      checkState(ctx, 'unrescue', ['rescued']);
      await task(ctx, { kind: 'unrescue' });
      return ACCEPTED;
    },
  }),

  'os-resetState': action({
    adminRule: 'os_compute_api:os-admin-actions:reset_state',
    lockable: false,
    parse: (args) => validate(resetStateSchema, args),
    run: async (ctx, a) => {
      await task(ctx, { kind: 'reset_state', vmState: a.state });
      return ACCEPTED;
    },
  }),

  restore: action({
    parse: nullArg,
    run: async (ctx) => {
      throw new InstanceInvalidState(`Cannot 'restore' instance ${ctx.server.inst.uuid} while it is in vm_state ${ctx.server.inst.vmState}`);
    },
  }),
  forceDelete: action({
    parse: nullArg,
    run: async (ctx) => {
      if (ctx.server.inst.vmState !== 'soft-delete') {
        throw new InstanceInvalidState(`Cannot 'forceDelete' instance ${ctx.server.inst.uuid} while it is in vm_state ${ctx.server.inst.vmState}`);
      }
      await deleteServer(ctx.deps, ctx.request, ctx.server.inst.uuid);
      return ACCEPTED;
    },
  }),
};

