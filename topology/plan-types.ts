/**
 * The resolved plan: what a topology file means once every default, inheritance and range is applied.
 * Cells are flat, in tree order (a parent before its children) with full `!`-joined names; hosts are
 * expanded; catalog records carry ids. Cells, the simulator and the CLI consume this, not the raw file.
 * Catalog records use Nova's, Glance's and Keystone's field names, as their APIs return them.
 */
import type { NovaConfig } from '../runtime/config/index.ts';
import type { NovaOverrides } from './nova-options.ts';
import type { DriverName, DriverOptions, Role } from './schema.ts';

export interface PlanSite {
  region: string;
  site: string;
  /** `region/site`, as cells refer to it. */
  ref: string;
  lat: number;
  lon: number;
  description: string | null;
}

export type PlanBroker =
  | {
      kind: 'embedded'; host: string; /** 0: chosen by the system at start-up. */ port: number; url: string;
      /** Set with broker_tls mode mutual (the default with one process per cell): the broker and its clients use the certificates in `pkiDir`. */
      tls?: { pkiDir: string };
    }
  | {
      kind: 'external'; url: string; username: string | null; password: string | null; caFile: string | null;
      /** broker_tls mutual and an mqtts:// url: clients present their certificate from `pkiDir` (Mosquitto's use_identity_as_username). */
      tls?: { pkiDir: string };
    };

export type PlanDatabase = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export interface PlanCell {
  /** Last path segment, e.g. `fra1`. */
  name: string;
  /** Full name, e.g. `api!eu!fra1`. */
  path: string;
  parentPath: string | null;
  /** 0 for the API cell. */
  depth: number;
  childPaths: string[];
  isLeaf: boolean;
  description: string | null;
  site: PlanSite | null;
  broker: PlanBroker;
  database: PlanDatabase;
  /** Nova defaults overlaid with the overrides of this cell and its ancestors. Shared; do not mutate. */
  nova: Readonly<NovaConfig>;
  /** Just the overrides in effect (inherited and own), for display and for writing a nova.conf. */
  novaOverrides: NovaOverrides;
  /** cells v1 WeightOffsetWeigher input. */
  weightOffset: number;
  disabled: boolean;
  /** Names of this cell's compute hosts (leaf cells only). */
  hostNames: string[];
}

export interface PlanHost {
  /** hypervisor_hostname and service host. */
  name: string;
  /** Full name of the leaf cell. */
  cell: string;
  driver: DriverName;
  driver_options: DriverOptions;
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
  availability_zone: string;
  aggregates: string[];
  hypervisor_type: string;
  cpu_arch: string;
  traits: string[];
}

export interface PlanAggregate {
  /** Nova aggregates have integer ids; 1.. in file order. */
  id: number;
  uuid: string;
  name: string;
  availability_zone: string | null;
  metadata: Record<string, string>;
  hosts: string[];
}

export interface PlanFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
}

export interface PlanImage {
  id: string;
  name: string;
  status: 'active';
  disk_format: string;
  container_format: string;
  min_disk: number;
  min_ram: number;
  visibility: 'public' | 'private' | 'shared' | 'community';
  protected: boolean;
  /** Project id of the owner. */
  owner: string | null;
  size: number | null;
  tags: string[];
  properties: Record<string, string>;
}

export interface PlanProject {
  id: string;
  name: string;
  domain: string;
  description: string | null;
  enabled: boolean;
}

export interface PlanUser {
  id: string;
  name: string;
  domain: string;
  /** Already substituted from `${ENV_VAR}` when loaded from a file. */
  password: string;
  project: string;
  projectId: string;
  roles: Role[];
  email: string | null;
  enabled: boolean;
}

export interface TopologyPlan {
  name: string;
  description: string | null;
  dataDir: string;
  api: { host: string; port: number; listen: string; publicUrl: string };
  identity: { tokenExpirationSeconds: number; lockoutFailureAttempts: number; lockoutDurationSeconds: number };
  /** Periodic purge of soft-deleted rows: age and interval in seconds (interval 0 = off). */
  purge: { deletedRowsAgeSeconds: number; intervalSeconds: number };
  /**
   * Mutual TLS on the brokers: on by default with one process per cell, off in `up`; `explicit` when the
   * topology says which. `pkiDir` holds ca.crt, crl.pem and `<principal>.crt/.key`.
   */
  brokerTls: { mode: 'off' | 'mutual'; pkiDir: string; explicit: boolean };
  sites: PlanSite[];
  /** Tree order: the API cell first, every parent before its children. */
  cells: PlanCell[];
  hosts: PlanHost[];
  aggregates: PlanAggregate[];
  /** Zones in first-seen order with their host counts. */
  availabilityZones: { name: string; hosts: number }[];
  flavors: PlanFlavor[];
  images: PlanImage[];
  projects: PlanProject[];
  users: PlanUser[];
  defaults: { flavor: PlanFlavor | null; image: PlanImage | null };
}
