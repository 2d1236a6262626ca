/**
 * The move actions (nova/api/openstack/compute/migrate_server.py, evacuate.py), admin-only by Nova's
 * default policy: migrate (cold; a target host from 2.56), os-migrateLive (host or the scheduler's
 * choice; block_migration "auto" from 2.25) and evacuate (from a host whose compute service is down).
 * The leaf cell's conductor checks states and hosts and schedules; see conductor/tasks/migrations.ts.
 */
import { z } from 'zod';
import { callerOf, contextOf, policyAllows } from '../context.ts';
import { generatePassword } from '../server-create.ts';
import { novaBoolean, validate } from '../validation.ts';
import { since } from '../version.ts';
import { ACCEPTED, action, type ServerAction } from './types.ts';

const hostName = z.string().min(1).max(255);

/**
 * Nova validates the body only from 2.56 (`{"migrate": null}` or `{"migrate": {"host": ...}}`); before
 * that any argument is accepted and ignored — Tempest sends `{"migrate": {}}`, the api-ref shows null.
 */
function parseMigrate(args: unknown, request: Parameters<ServerAction['parse']>[1]): { host: string | null } {
  if (!since(request, '2.56')) return { host: null };
  const a = validate(z.object({ host: hostName.nullable().optional() }).strict().nullable(), args ?? null);
  return { host: a?.host ?? null };
}

function liveSchema(request: Parameters<ServerAction['parse']>[1]) {
  return z.object({
    host: hostName.nullable(),
    block_migration: since(request, '2.25') ? z.union([novaBoolean, z.literal('auto')]) : novaBoolean,
    // Checked, never read: their type here is unknown.
    ...(since(request, '2.25') ? {} : { disk_over_commit: novaBoolean }),
    ...(since(request, '2.30') && !since(request, '2.68') ? { force: novaBoolean.optional() } : {}),
  }).strict();
}

function evacuateSchema(request: Parameters<ServerAction['parse']>[1]) {
  return z.object({
    host: hostName.optional(),
    adminPass: z.string().optional(),
    // Checked, never read: their type here is unknown.
    ...(since(request, '2.14') ? {} : { onSharedStorage: novaBoolean }),
    ...(since(request, '2.29') && !since(request, '2.68') ? { force: novaBoolean.optional() } : {}),
  }).strict();
}

export const migrateActions: Record<string, ServerAction> = {
  migrate: action({
    adminRule: 'os_compute_api:os-migrate-server:migrate',
    parse: parseMigrate,
    run: async (ctx, a) => {
      // Nova checks compute:servers:resize:cross_cell for cold migrations too (compute/api.py resize).
      const crossCell = policyAllows(ctx.deps.settings.crossCellResizeRule, callerOf(ctx.request));
      await ctx.deps.compute.instanceTask(ctx.server.inst.uuid, { kind: 'migrate', host: a.host, crossCell }, contextOf(ctx.request));
      return ACCEPTED;
    },
  }),
  'os-migrateLive': action({
    adminRule: 'os_compute_api:os-migrate-server:migrate_live',
    parse: (args, request) => validate(liveSchema(request), args),
    run: async (ctx, a) => {
      await ctx.deps.compute.instanceTask(
        ctx.server.inst.uuid, { kind: 'live_migrate', host: a.host ?? null, blockMigration: a.block_migration }, contextOf(ctx.request),
      );
      return ACCEPTED;
    },
  }),
  evacuate: action({
    adminRule: 'os_compute_api:os-evacuate',
    parse: (args, request) => validate(evacuateSchema(request), args),
    run: async (ctx, a) => {
      await ctx.deps.compute.instanceTask(ctx.server.inst.uuid, { kind: 'evacuate', host: a.host ?? null }, contextOf(ctx.request));
      if (since(ctx.request, '2.14') || !ctx.deps.settings.enableInstancePassword) return { status: 200 };
      return { status: 200, body: { adminPass: a.adminPass ?? generatePassword(ctx.deps) } };
    },
  }),
};
