/**
 * ApiStore: the API cell's database, opened with its migrations and read into memory once. Every
 * repository writes its changes through before the caller answers; reads never touch the disk.
 */
import { openDb, type Db, type DbConfig } from '../../../runtime/db/index.ts';
import { purgeDeletedRows, type PurgeCounts } from '../../conductor/db-purge.ts';
import { AggregateRepo } from './aggregates.ts';
import { CredentialRepo } from './credentials.ts';
import { FlavorRepo } from './flavors.ts';
import { ImageRepo } from './images.ts';
import { InstanceMappingRepo } from './instances.ts';
import { KeypairRepo } from './keypairs.ts';
import { LegacyIds } from './legacy-ids.ts';
import { NovaNetworkRepo } from './nova-network.ts';
import { apiMigrations } from './migrations.ts';
import { QuotaRepo } from './quotas.ts';
import { RevokedTokenRepo } from './revoked-tokens.ts';
import { ServerGroupRepo } from './server-groups.ts';

export class ApiStore {
  readonly flavors: FlavorRepo;
  readonly keypairs: KeypairRepo;
  readonly images: ImageRepo;
  readonly groups: ServerGroupRepo;
  readonly aggregates: AggregateRepo;
  readonly quotas: QuotaRepo;
  readonly instances: InstanceMappingRepo;
  readonly legacyIds: LegacyIds;
  readonly revokedTokens: RevokedTokenRepo;
  /** Keystone credentials (EC2 keys), encrypted by the identity service before they get here. */
  readonly credentials: CredentialRepo;
  /** Security groups and reserved fixed IPs (the nova-network era APIs). */
  readonly network: NovaNetworkRepo;

  private constructor(readonly db: Db) {
    this.flavors = new FlavorRepo(db);
    this.keypairs = new KeypairRepo(db);
    this.images = new ImageRepo(db);
    this.groups = new ServerGroupRepo(db);
    this.aggregates = new AggregateRepo(db);
    this.quotas = new QuotaRepo(db);
    this.instances = new InstanceMappingRepo(db);
    this.legacyIds = new LegacyIds(db);
    this.revokedTokens = new RevokedTokenRepo(db);
    this.credentials = new CredentialRepo(db);
    this.network = new NovaNetworkRepo(db);
  }

  static async open(cfg: DbConfig): Promise<ApiStore> {
    const db = await openDb(cfg, apiMigrations);
    const store = new ApiStore(db);
    await Promise.all([
      store.flavors.load(), store.keypairs.load(), store.images.load(), store.groups.load(), store.aggregates.load(),
      store.quotas.load(), store.instances.load(), store.legacyIds.load(), store.revokedTokens.load(),
      store.network.load(),
    ]);
    return store;
  }

  /** Nova's purge: mappings of servers deleted before `before` (ms) leave memory and the database. */
  async purgeDeleted(before: number): Promise<PurgeCounts> {
    this.instances.forgetDeleted(before);
    return purgeDeletedRows(this.db, before);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.db('api_meta').where({ key }).first();
    return row ? String(row.value) : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db('api_meta').insert({ key, value }).onConflict('key').merge();
  }

  async close(): Promise<void> {
    await this.legacyIds.flush();
    await this.db.destroy();
  }
}
