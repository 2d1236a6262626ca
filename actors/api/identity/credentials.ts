/**
 * Keystone's credentials (keystone/credential): a user's secrets for other authentication schemes,
 * here the EC2 access/secret pairs the EC2 API checks signatures with. A credential's blob is JSON
 * text; for type "ec2" it holds {access, secret, trust_id} and the credential id is sha256(access),
 * as Keystone makes it. The blobs are stored encrypted (EncryptedCredentialStore over the database's
 * rows); memory holds them in clear so a signature check does not decrypt.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CredentialCipher } from './credential-cipher.ts';

export interface Credential {
  id: string;
  userId: string;
  projectId: string | null;
  type: string;
  /** JSON text, as Keystone shows it. */
  blob: string;
  createdAt: number;
}

/** The EC2 form of a credential (what /v3/users/{id}/credentials/OS-EC2 shows). */
export interface Ec2Credential {
  id: string;
  access: string;
  secret: string;
  userId: string;
  projectId: string;
  trustId: string | null;
}

/** Where credentials live: in memory for tests, encrypted in the API database otherwise. */
export interface CredentialStore {
  all(): Credential[];
  get(id: string): Credential | undefined;
  put(c: Credential): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Keystone's id of an EC2 credential: the hex sha256 of its access key. */
export function ec2CredentialId(access: string): string {
  return createHash('sha256').update(access).digest('hex');
}

/** What an ec2 credential's blob holds (JSON): keys and the trust, if any. */
const ec2Blob = z.object({ access: z.string(), secret: z.string(), trust_id: z.unknown() });

/** The EC2 view of a credential, or undefined when it is not a well-formed ec2 credential. */
export function asEc2(c: Credential): Ec2Credential | undefined {
  if (c.type !== 'ec2' || c.projectId === null) return undefined;
  let blob: unknown;
  try {
    blob = JSON.parse(c.blob);
  } catch {
    return undefined;
  }
  const b = ec2Blob.safeParse(blob);
  if (!b.success) return undefined;
  return {
    id: c.id, access: b.data.access, secret: b.data.secret, userId: c.userId, projectId: c.projectId,
    trustId: typeof b.data.trust_id === 'string' ? b.data.trust_id : null,
  };
}

export class InMemoryCredentialStore implements CredentialStore {
  private readonly byId = new Map<string, Credential>();

  all(): Credential[] {
    return [...this.byId.values()];
  }
  get(id: string): Credential | undefined {
    return this.byId.get(id);
  }
  async put(c: Credential): Promise<void> {
    this.byId.set(c.id, { ...c });
  }
  async delete(id: string): Promise<void> {
    this.byId.delete(id);
  }
}

/** A stored row: the blob encrypted. */
export interface CredentialRow {
  id: string;
  userId: string;
  projectId: string | null;
  type: string;
  encryptedBlob: string;
  createdAt: number;
}

/** The database side (ApiStore's credentials table). */
export interface CredentialRows {
  rows(): Promise<CredentialRow[]>;
  upsert(row: CredentialRow): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Credentials kept encrypted on disk, in clear in memory. */
export class EncryptedCredentialStore implements CredentialStore {
  private readonly mem = new InMemoryCredentialStore();

  private constructor(private readonly rows: CredentialRows, private readonly cipher: CredentialCipher) {}

  /** Read every row; a row that does not decrypt (another key) is a configuration error, said with its id. */
  static async open(rows: CredentialRows, cipher: CredentialCipher): Promise<EncryptedCredentialStore> {
    const s = new EncryptedCredentialStore(rows, cipher);
    for (const r of await rows.rows()) {
      let blob: string;
      try {
        blob = cipher.decrypt(r.encryptedBlob);
      } catch {
        throw new Error(`identity: credential ${r.id} does not decrypt with this service's secret (was the token secret replaced?)`);
      }
      await s.mem.put({ id: r.id, userId: r.userId, projectId: r.projectId, type: r.type, blob, createdAt: r.createdAt });
    }
    return s;
  }

  all(): Credential[] {
    return this.mem.all();
  }
  get(id: string): Credential | undefined {
    return this.mem.get(id);
  }
  async put(c: Credential): Promise<void> {
    await this.rows.upsert({
      id: c.id, userId: c.userId, projectId: c.projectId, type: c.type, encryptedBlob: this.cipher.encrypt(c.blob), createdAt: c.createdAt,
    });
    await this.mem.put(c);
  }
  async delete(id: string): Promise<void> {
    await this.rows.delete(id);
    await this.mem.delete(id);
  }
}
