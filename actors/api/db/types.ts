/**
 * The API cell's records, as the REST layer uses them (camelCase, times in ms since the epoch).
 * Field meanings are Nova's and Glance's.
 */

/** The flavor and image records are Nova's and Glance's objects (actors/objects/). */
export type { FlavorRecord as Flavor, ImageRecord as Image, ImageStatus, ImageVisibility } from '../../objects/index.ts';

export type KeypairType = 'ssh' | 'x509';

export interface Keypair {
  id: number;
  userId: string;
  name: string;
  type: KeypairType;
  publicKey: string;
  fingerprint: string;
  createdAt: number;
}

export type GroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

export interface ServerGroup {
  id: number;
  uuid: string;
  name: string;
  projectId: string;
  userId: string;
  policy: GroupPolicy;
  rules: { max_server_per_host?: number };
  members: string[];
  createdAt: number;
}

export interface Aggregate {
  id: number;
  uuid: string;
  name: string;
  availabilityZone: string | null;
  hosts: string[];
  metadata: Record<string, string>;
  createdAt: number;
  updatedAt: number | null;
}

/** What the API cell knows of a server beyond what its cell holds: Nova keeps these in the API too. */
export interface ServerAttrs {
  name?: string;
  description?: string | null;
  accessIPv4?: string;
  accessIPv6?: string;
  metadata?: Record<string, string>;
  tags?: string[];
  locked?: boolean;
  lockedReason?: string | null;
  /** 'owner' or 'admin', as Nova's locked_by. */
  lockedBy?: 'owner' | 'admin' | null;
  autoDiskConfig?: boolean;
  configDrive?: boolean;
  userData?: string | null;
  hostname?: string;
  adminPass?: string | null;
  /** What the guest posted to the metadata service's password (os-server-password); '' once deleted. */
  serverPassword?: string;
  keyName?: string | null;
  /** Server group uuid, when booted into one. */
  group?: string | null;
  /** What the request asked for, for 2.96's pinned_availability_zone. */
  requestedAz?: string | null;
  trustedCerts?: string[] | null;
  /** The image a shelved server's disk was kept in (deleted on unshelve). */
  shelvedImage?: string | null;
  /** Security groups by name (only "default" exists without a networking service). */
  securityGroups?: string[];
  /** The instance actions as they were when the server was deleted (shown from 2.21). */
  archivedActions?: ArchivedAction[];
}

/** An instance action kept by the API for a deleted server (Nova reads them from the cell database). */
export interface ArchivedAction {
  action: string;
  instanceUuid: string;
  requestId: string;
  userId: string;
  projectId: string;
  startTime: number;
  finishTime: number | null;
  message: string | null;
  events: Array<{ event: string; startTime: number; finishTime: number | null; result: string | null; traceback: string | null; host: string | null }>;
}

export interface InstanceMapping {
  uuid: string;
  projectId: string;
  userId: string;
  cell: string | null;
  attrs: ServerAttrs;
  createdAt: number;
  deletedAt: number | null;
}
