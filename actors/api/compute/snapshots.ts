/**
 * Images made from servers (createImage, createBackup, shelve): the API cell registers the image in
 * its image registry — inheriting the base image's properties, as Nova's snapshot does — and asks the
 * owning cell to capture the disk. Backups are rotated per server and backup type.
 */
import type { FastifyRequest } from 'fastify';
import type { Image } from '../db/index.ts';
import { NotImplementedByCells } from '../compute-api.ts';
import { callerOf, contextOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { serverName, type ServerModel } from './views/servers.ts';

const CAPTURE_POLL_MS = 500;
/** A capture that takes longer leaves the image active without data (the instance shows the fault). */
const CAPTURE_TIMEOUT_MS = 30 * 60 * 1000;

/** Properties Nova does not copy from the base image into a snapshot. */
const NOT_INHERITED = new Set(['image_type', 'instance_uuid', 'backup_type', 'base_image_ref', 'owner_id', 'user_id', 'image_location', 'image_state', 'owner_user_name', 'owner_project_name']);

export interface SnapshotOptions {
  name: string;
  imageType: 'snapshot' | 'backup';
  backupType?: string;
  metadata?: Record<string, string>;
  /** Ask the cell to capture the disk (default true; a shelve captures it as part of its own task). */
  capture?: boolean;
  /** Backups: keep this many of the server's backups of `backupType` once the new one is saved. */
  rotation?: number;
}

export async function registerSnapshot(deps: ComputeDeps, request: FastifyRequest, m: ServerModel, o: SnapshotOptions): Promise<Image> {
  const caller = callerOf(request);
  const base = deps.store.images.get(m.inst.imageRef);
  const now = deps.clock.now();
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(base?.properties ?? {})) if (!NOT_INHERITED.has(k)) properties[k] = v;
  Object.assign(properties, {
    image_type: o.imageType, instance_uuid: m.inst.uuid, user_id: caller.userId, base_image_ref: m.inst.imageRef,
    owner_project_name: caller.projectName ?? '', owner_user_name: caller.userName,
  });
  if (o.backupType) properties['backup_type'] = o.backupType;
  // What the request asks for wins over what Nova would set (Tempest sets image_type itself).
  Object.assign(properties, o.metadata ?? {});
  const img: Image = {
    id: deps.rng.uuid4(), name: o.name, status: 'active', visibility: 'private', owner: m.inst.projectId,
    diskFormat: base?.diskFormat ?? 'qcow2', containerFormat: base?.containerFormat ?? 'bare',
    minDisk: Math.max(base?.minDisk ?? 0, m.inst.flavor.rootGb), minRam: Math.max(base?.minRam ?? 0, 0),
    size: base?.size ?? 0, virtualSize: null, checksum: base?.checksum ?? null, osHashAlgo: base?.osHashAlgo ?? null,
    osHashValue: base?.osHashValue ?? null, protected: false, tags: [], properties, file: null, createdAt: now, updatedAt: now,
  };
  // As in Glance, a snapshot is `saving` until the compute host has captured the disk.
  if (o.capture !== false) img.status = 'saving';
  await deps.store.images.save(img);
  if (o.capture === false) return img;
  const ctx = contextOf(request);
  // The cell captures the disk; a cell that cannot yet leaves the registered image as the record.
  const captured = await deps.compute.instanceTask(m.inst.uuid, { kind: 'snapshot', imageId: img.id }, ctx).then(() => true, (e: unknown) => {
    if (!(e instanceof NotImplementedByCells)) throw e;
    return false;
  });
  // As in Nova's compute manager, old backups are rotated out only after the new one is saved.
  const rotate = async () => {
    if (o.backupType !== undefined && o.rotation !== undefined) await rotateBackups(deps, m.inst.uuid, o.backupType, o.rotation);
  };
  if (captured) {
    void finishWhenCaptured(deps, img.id, m.inst.uuid, ctx).then(rotate)
      .catch((err: unknown) => deps.log.warn({ err, image: img.id }, 'snapshot upload not finished'));
  } else {
    await activate(deps, img.id);
    await rotate();
  }
  return img;
}

/** Polls the instance until its image_snapshot task is over, then makes the image active with its data. */
async function finishWhenCaptured(deps: ComputeDeps, imageId: string, uuid: string, ctx: ReturnType<typeof contextOf>): Promise<void> {
  const deadline = deps.clock.now() + CAPTURE_TIMEOUT_MS;
  for (;;) {
    await deps.clock.sleep(CAPTURE_POLL_MS);
    const inst = await deps.compute.get(uuid, ctx).catch(() => undefined);
    if (!inst || inst.taskState !== 'image_snapshot' || deps.clock.now() > deadline) break;
  }
  await activate(deps, imageId);
}

async function activate(deps: ComputeDeps, imageId: string): Promise<void> {
  const img = deps.store.images.get(imageId);
  if (!img || img.status !== 'saving') return;
  const stored = await deps.imageFiles?.adopt(imageId);
  Object.assign(img, { status: 'active', updatedAt: deps.clock.now() });
  if (stored) {
    Object.assign(img, { size: stored.size, checksum: stored.checksum, osHashAlgo: 'sha512', osHashValue: stored.osHashValue, file: stored.file });
  }
  await deps.store.images.save(img);
}

/** Keep the newest `rotation` backups of this server and type; delete the rest (oldest first). */
export async function rotateBackups(deps: ComputeDeps, serverUuid: string, backupType: string, rotation: number): Promise<void> {
  const backups = deps.store.images.all()
    .filter((i) => i.properties['image_type'] === 'backup' && i.properties['instance_uuid'] === serverUuid && i.properties['backup_type'] === backupType)
    .sort((a, b) => a.createdAt - b.createdAt);
  for (const old of backups.slice(0, Math.max(0, backups.length - rotation))) await deps.store.images.delete(old.id);
}

export function shelvedImageName(m: ServerModel): string {
  return `${serverName(m)}-shelved`;
}
