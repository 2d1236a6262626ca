/**
 * Encryption of stored credentials (Keystone's credential provider encrypts every blob with its
 * credential keys). EC2 secrets must be readable again to check request signatures, so they are
 * encrypted, not hashed: AES-256-GCM under a key derived (HKDF-SHA256) from the identity service's
 * secret, with a fresh IV from the operating system's CSPRNG per blob: a seeded stream would be guessable.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class CredentialCipher {
  private readonly key: Buffer;

  /** `secret`: the service's master secret (the token secret); the key is derived from it, never the secret itself. */
  constructor(secret: string | Uint8Array) {
    if (secret.length < 16) throw new Error('credential cipher: the secret must be at least 16 characters');
    this.key = Buffer.from(hkdfSync('sha256', secret, 'novacell', 'keystone credential encryption v1', 32));
  }

  /** `v1:<iv>:<tag>:<ciphertext>`, each base64url. */
  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [VERSION, iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
  }

  /** Throws when the blob was not made with this key (or was altered). */
  decrypt(blob: string): string {
    const [v, iv, tag, data] = blob.split(':');
    if (v !== VERSION || iv === undefined || tag === undefined || data === undefined) throw new Error('credential cipher: unknown blob format');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
  }
}
