/**
 * Keystone's credential table in the API cell's database: blobs arrive encrypted (the identity
 * service's EncryptedCredentialStore) and are stored as given; this module never sees a secret.
 */
import type { Knex } from 'knex';
import type { Db, Migration } from '../../../runtime/db/index.ts';
import type { CredentialRow, CredentialRows } from '../identity/credentials.ts';

export const credentialsMigration: Migration = {
  name: '002_credentials',
  async up(db: Knex) {
    await db.schema.createTable('credentials', (t) => {
      t.string('id', 64).primary();
      t.string('user_id').notNullable().index();
      t.string('project_id');
      t.string('type', 255).notNullable();
      t.text('encrypted_blob').notNullable();
      t.bigInteger('created_at').notNullable();
    });
  },
};

export class CredentialRepo implements CredentialRows {
  constructor(private readonly db: Db) {}

  async rows(): Promise<CredentialRow[]> {
    return (await this.db('credentials').select()).map((r: Record<string, unknown>) => ({
      id: String(r.id), userId: String(r.user_id), projectId: r.project_id === null ? null : String(r.project_id),
      type: String(r.type), encryptedBlob: String(r.encrypted_blob), createdAt: Number(r.created_at),
    }));
  }

  async upsert(row: CredentialRow): Promise<void> {
    await this.db('credentials')
      .insert({
        id: row.id, user_id: row.userId, project_id: row.projectId, type: row.type, encrypted_blob: row.encryptedBlob, created_at: row.createdAt,
      })
      .onConflict('id')
      .merge();
  }

  async delete(id: string): Promise<void> {
    await this.db('credentials').where({ id }).delete();
  }
}
