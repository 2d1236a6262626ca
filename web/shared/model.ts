/**
 * What the dashboard's server sends its browsers: one snapshot of the cell tree, its hosts and its
 * instances. Shared by web/server (which builds it) and web/client (which draws it).
 */
export type LinkState = 'up' | 'muted' | 'down';

export interface DashCapacity {
  vcpus: number;
  vcpusFree: number;
  memoryMb: number;
  memoryMbFree: number;
  diskGb: number;
  diskGbFree: number;
  hostsUp: number;
  hosts: number;
}

export interface DashCell {
  path: string;
  name: string;
  parent: string | null;
  depth: number;
  role: 'api' | 'intermediate' | 'leaf';
  description: string | null;
  site: { ref: string; lat: number; lon: number; description: string | null } | null;
  /** The link as the parent sees it (null for the API cell). */
  link: LinkState | null;
  muted: boolean;
  /** Muted by an operator from the dashboard (stays muted until unmuted). */
  adminMuted: boolean;
  /** Seconds since the parent last heard from it (null: never, or the API cell). */
  lastHeardS: number | null;
  /** Did the cell answer the last status round (false: its figures are the parent's last view). */
  answered: boolean;
  capacity: DashCapacity;
  /** Flavor name → how many more fit. */
  units: Record<string, number>;
  hosts: { up: number; down: number; disabled: number };
  instances: Record<string, number>;
  buildsPerMin: number;
}

export interface DashHost {
  host: string;
  cell: string;
  state: 'up' | 'down' | 'unknown';
  disabled: boolean;
  disabledReason: string | null;
  vcpus: number;
  vcpusUsed: number;
  memoryMb: number;
  memoryMbUsed: number;
  localGb: number;
  localGbUsed: number;
  runningVms: number;
}

export interface DashInstance {
  uuid: string;
  name: string;
  cell: string | null;
  host: string | null;
  vmState: string;
  taskState: string | null;
  flavor: string;
  projectId: string;
  createdAt: number;
}

export interface Snapshot {
  at: number;
  cells: DashCell[];
  hosts: DashHost[];
  instances: DashInstance[];
  /** Instances left out of `instances` (the newest are sent). */
  instancesOmitted: number;
  totals: { instances: number; buildsPerMin: number };
}

export interface InstanceDetail {
  instance: DashInstance & { powerState: number; fault: { code: number; message: string } | null };
  /** The cells from the API cell down to the instance's leaf. */
  path: string[];
  actions: Array<{ action: string; requestId: string; startTime: number; finishTime: number | null; message: string | null;
    events: Array<{ event: string; startTime: number; finishTime: number | null; result: string | null; host: string | null }> }>;
}

/** Server → browser over the websocket. */
export type ServerMessage = { type: 'snapshot'; seq: number; snapshot: Snapshot } | { type: 'error'; message: string };
/** Browser → server: the snapshot `seq` has been drawn; the next may come. */
export type ClientMessage = { type: 'ack'; seq: number };
