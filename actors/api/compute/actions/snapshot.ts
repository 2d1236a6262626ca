/** createImage and createBackup: 202 with the image's Location (and its id in the body from 2.45). */
import { z } from 'zod';
import { InstanceInvalidState } from '../../../../runtime/errors/index.ts';
import { hostUrl } from '../context.ts';
import { registerSnapshot } from '../snapshots.ts';
import { intLike, metadataSchema, novaName, validate } from '../validation.ts';
import { since } from '../version.ts';
import { checkCount } from '../quota-usage.ts';
import { action, type ActionContext, type ActionResult, type ServerAction } from './types.ts';

const SNAPSHOT_STATES = ['active', 'stopped', 'paused', 'suspended', 'shelved', 'shelved_offloaded'];

function checkSnapshotState(ctx: ActionContext, what: string): void {
  const i = ctx.server.inst;
  if (!SNAPSHOT_STATES.includes(i.vmState) || i.taskState !== null) {
    throw new InstanceInvalidState(
      `Cannot '${what}' instance ${i.uuid} while it is in ${SNAPSHOT_STATES.includes(i.vmState) ? `task_state ${i.taskState}` : `vm_state ${i.vmState}`}`,
    );
  }
  // Nova keeps the instance in task_state image_uploading until the image is saved; here the cell
  // clears its task when the disk is captured and the API saves the image after, so an image of this
  // server still `saving` is that same window.
  const saving = ctx.deps.store.images.all().some((img) => img.status === 'saving' && img.properties['instance_uuid'] === i.uuid);
  if (saving) throw new InstanceInvalidState(`Cannot '${what}' instance ${i.uuid} while it is in task_state image_uploading`);
}

function respond(ctx: ActionContext, imageId: string): ActionResult {
  const location = `${hostUrl(ctx.request, ctx.deps)}/image/v2/images/${imageId}`;
  return { status: 202, headers: { location }, body: since(ctx.request, '2.45') ? { image_id: imageId } : undefined };
}

const createImageSchema = z.object({ name: novaName(255), metadata: metadataSchema.optional() }).strict();
const createBackupSchema = z.object({
  name: novaName(255), backup_type: z.string(), rotation: intLike(0), metadata: metadataSchema.optional(),
}).strict();

export const snapshotActions: Record<string, ServerAction> = {
  createImage: action({
    lockable: false,
    parse: (args) => validate(createImageSchema, args),
    run: async (ctx, args) => {
      checkSnapshotState(ctx, 'createImage');
      const meta = args.metadata ?? {};
      checkCount(ctx.deps.store.quotas.limits(ctx.server.inst.projectId), 'metadata_items', 0, Object.keys(meta).length);
      const img = await registerSnapshot(ctx.deps, ctx.request, ctx.server, { name: args.name, imageType: 'snapshot', metadata: meta });
      return respond(ctx, img.id);
    },
  }),
  createBackup: action({
    lockable: false,
    parse: (args) => validate(createBackupSchema, args),
    run: async (ctx, args) => {
      checkSnapshotState(ctx, 'createBackup');
      const img = await registerSnapshot(ctx.deps, ctx.request, ctx.server, {
        name: args.name, imageType: 'backup', backupType: args.backup_type, metadata: args.metadata ?? {}, rotation: args.rotation,
      });
      if (args.rotation === 0) return { status: 202, body: since(ctx.request, '2.45') ? { image_id: img.id } : undefined };
      return respond(ctx, img.id);
    },
  }),
};
