/**
 * The instance record as the conductor holds it in memory, and its mapping to the `instances` row.
 * The conductor keeps the authoritative copy of every live instance of its cell in memory and writes
 * changes through the group-commit writer; `version` grows with every change so updates travelling up
 * the cell tree can be ordered.
 */
import type { Instance, InstanceFault } from '../objects/index.ts';

/** The Instance object (actors/objects/instance.ts). */
export type InstanceRecord = Instance;

export type { InstanceFault };

/**
 * The JSON text of an instance's object-valued columns, by object. An instance's flavor, image,
 * metadata, system metadata and extra are replaced (a patch with a new object), never changed in
 * place, so most writes — a new vm_state, task_state, power_state or host — reuse the text of the
 * previous one instead of encoding five columns again.
 */
const encoded = new WeakMap<object, string>();

function json(v: object): string {
  let s = encoded.get(v);
  if (s === undefined) encoded.set(v, (s = JSON.stringify(v)));
  return s;
}

export function instanceToRow(i: InstanceRecord): Record<string, unknown> {
  return {
    uuid: i.uuid,
    display_name: i.displayName,
    hostname: i.hostname,
    project_id: i.projectId,
    user_id: i.userId,
    vm_state: i.vmState,
    task_state: i.taskState,
    power_state: i.powerState,
    host: i.host,
    node: i.node,
    availability_zone: i.availabilityZone,
    image_ref: i.imageRef,
    key_name: i.keyName,
    reservation_id: i.reservationId,
    launch_index: i.launchIndex,
    locked: i.locked,
    flavor: json(i.flavor),
    image: json(i.image),
    metadata: json(i.metadata),
    system_metadata: json(i.systemMetadata),
    extra: json(i.extra),
    version: i.version,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    launched_at: i.launchedAt,
    terminated_at: i.terminatedAt,
    deleted_at: i.deletedAt,
    deleted: i.deleted,
  };
}

export function instanceFromRow(r: Record<string, unknown>): InstanceRecord {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return {
    uuid: String(r.uuid),
    displayName: String(r.display_name ?? ''),
    hostname: String(r.hostname ?? ''),
    projectId: String(r.project_id),
    userId: String(r.user_id),
    vmState: String(r.vm_state),
    taskState: str(r.task_state),
    powerState: Number(r.power_state ?? 0),
    host: str(r.host),
    node: str(r.node),
    availabilityZone: str(r.availability_zone),
    imageRef: String(r.image_ref ?? ''),
    keyName: str(r.key_name),
    reservationId: String(r.reservation_id ?? ''),
    launchIndex: Number(r.launch_index ?? 0),
    locked: Boolean(r.locked),
    flavor: JSON.parse(String(r.flavor)),
    image: r.image ? JSON.parse(String(r.image)) : { id: '', properties: {} },
    metadata: r.metadata ? JSON.parse(String(r.metadata)) : {},
    systemMetadata: r.system_metadata ? JSON.parse(String(r.system_metadata)) : {},
    extra: r.extra ? JSON.parse(String(r.extra)) : {},
    version: Number(r.version ?? 0),
    createdAt: Number(r.created_at),
    updatedAt: num(r.updated_at),
    launchedAt: num(r.launched_at),
    terminatedAt: num(r.terminated_at),
    deletedAt: num(r.deleted_at),
    deleted: Boolean(r.deleted),
  };
}
