/**
 * What every compute route module is given: the API cell's store, the ComputeAPI facade that reaches
 * the cells, the identity directory (to tell a missing project from an empty one), time, randomness,
 * the key generator, and the few settings Nova reads from nova.conf for the API.
 */
import type { Clock } from '../../../runtime/clock/index.ts';
import type { Logger } from '../../../runtime/log/index.ts';
import type { RandomStream } from '../../../runtime/rng/index.ts';
import type { ComputeAPI } from '../compute-api.ts';
import type { ApiStore } from '../db/index.ts';
import type { KeyGenerator } from './keygen.ts';
import type { ConsoleBaseUrls } from '../../console/console-urls.ts';
import type { ImageFiles } from '../image/files.ts';
import type { CertificateService } from '../../cert/index.ts';

export interface ComputeSettings {
  /** `[DEFAULT] default_availability_zone`: the zone of hosts in no zone aggregate. */
  defaultAvailabilityZone: string;
  /** `[DEFAULT] internal_service_availability_zone`: where non-compute services are listed. */
  internalServiceAvailabilityZone: string;
  /** `[api] enable_instance_password`: adminPass in create/rebuild/rescue responses. */
  enableInstancePassword: boolean;
  /** `[api] max_limit`: the most items one list page holds. */
  maxLimit: number;
  /** The largest microversion served (e.g. "2.96"). */
  maxMicroversion: string;
  /** policy.yaml's `compute:servers:resize:cross_cell` (Nova's default `!`: no one). */
  crossCellResizeRule: CheckString;
}

/** The oslo.policy check strings this cloud understands for its configurable rules. */
export type CheckString = '!' | '@' | 'role:admin' | 'rule:admin_api';

export const DEFAULT_COMPUTE_SETTINGS: ComputeSettings = {
  defaultAvailabilityZone: 'nova',
  internalServiceAvailabilityZone: 'internal',
  enableInstancePassword: true,
  maxLimit: 1000,
  maxMicroversion: '2.96',
  crossCellResizeRule: '!',
};

/** What the API needs to know about Keystone projects and users. */
export interface ProjectDirectory {
  projectExists(projectId: string): boolean;
  userExists(userId: string): boolean;
}

export interface ComputeDeps {
  store: ApiStore;
  compute: ComputeAPI;
  directory: ProjectDirectory;
  clock: Clock;
  rng: RandomStream;
  log: Logger;
  keygen: KeyGenerator;
  settings: ComputeSettings;
  /** Overrides the scheme://host links are built from (Nova's [api] compute_link_prefix). */
  linkPrefix?: string;
  /** Where console URLs point ([vnc] novncproxy_base_url & co., else the running proxies). */
  consoleBaseUrls?: () => ConsoleBaseUrls;
  /** The image service's file store, where a compute host writes a snapshot's data. */
  imageFiles?: ImageFiles;
  /** nova-cert, for os-certificates (absent: 404, no CA). */
  certificates?: CertificateService;
}
