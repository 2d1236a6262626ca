/**
 * Instance (nova/objects/instance.py): a server as its cell's conductor holds it and as it travels up
 * the cell tree, and NewInstance, what the API names before the build (uuid, names, reservation). The
 * record a build starts from and the way back from a record to what a hand-back re-sends are here,
 * once, so the API cell and the conductor never write the literal out by hand.
 */
import { z } from 'zod';
import { flavorSchema } from './flavor.ts';
import { imageSchema } from './image.ts';
import type { RequestSpecWire } from './request-spec.ts';
import { sharedFlavor, sharedIfEmpty, sharedImage } from './shared-parts.ts';

export const newInstanceSchema = z.object({
  uuid: z.string().uuid(),
  displayName: z.string().max(255),
  hostname: z.string().max(255),
  launchIndex: z.number().int().nonnegative(),
  reservationId: z.string(),
  imageRef: z.string(),
  keyName: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  extra: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
});
export type NewInstance = z.infer<typeof newInstanceSchema>;

export const instanceSchema = z.object({
  uuid: z.string(),
  displayName: z.string(),
  hostname: z.string(),
  projectId: z.string(),
  userId: z.string(),
  vmState: z.string(),
  taskState: z.string().nullable(),
  powerState: z.number().int(),
  host: z.string().nullable(),
  node: z.string().nullable(),
  availabilityZone: z.string().nullable(),
  imageRef: z.string(),
  keyName: z.string().nullable(),
  reservationId: z.string(),
  launchIndex: z.number().int(),
  locked: z.boolean(),
  flavor: flavorSchema,
  image: imageSchema,
  metadata: z.record(z.string(), z.string()),
  systemMetadata: z.record(z.string(), z.string()),
  /** Everything else the API shows (access IPs, key data, tags, config drive, user data...). */
  extra: z.record(z.string(), z.unknown()),
  version: z.number().int().nonnegative(),
  createdAt: z.number(),
  updatedAt: z.number().nullable(),
  launchedAt: z.number().nullable(),
  terminatedAt: z.number().nullable(),
  deletedAt: z.number().nullable(),
  deleted: z.boolean(),
});
export type Instance = z.infer<typeof instanceSchema>;

/** The record a build starts from: `building`/`scheduling`, no host yet; its common parts shared (shared-parts.ts). */
export function instanceFromBuild(n: NewInstance, spec: RequestSpecWire, version: number): Instance {
  return {
    uuid: n.uuid, displayName: n.displayName, hostname: n.hostname, projectId: spec.projectId, userId: spec.userId,
    vmState: 'building', taskState: 'scheduling', powerState: 0, host: null, node: null,
    availabilityZone: spec.availabilityZone, imageRef: n.imageRef, keyName: n.keyName, reservationId: n.reservationId,
    launchIndex: n.launchIndex, locked: false, flavor: sharedFlavor(spec.flavor), image: sharedImage(spec.image),
    metadata: sharedIfEmpty(n.metadata), systemMetadata: sharedIfEmpty({}), extra: sharedIfEmpty(n.extra), version,
    createdAt: n.createdAt, updatedAt: null, launchedAt: null, terminatedAt: null, deletedAt: null, deleted: false,
  };
}

/** What a build re-sends of an instance (a hand-back to the parent): the inverse of instanceFromBuild. */
export function newInstanceOf(i: Instance): NewInstance {
  return {
    uuid: i.uuid, displayName: i.displayName, hostname: i.hostname, launchIndex: i.launchIndex,
    reservationId: i.reservationId, imageRef: i.imageRef, keyName: i.keyName, metadata: i.metadata, extra: i.extra,
    createdAt: i.createdAt,
  };
}
