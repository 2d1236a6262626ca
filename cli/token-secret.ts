/** The API's token signing key, made once per data directory (mode 600) so tokens survive a restart. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir } from '../runtime/db/index.ts';

/** The token signing key, made once per data directory so tokens survive a restart. */
export function tokenSecret(dataDir: string): string {
  const file = join(dataDir, 'api-token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  ensurePrivateDir(dataDir, true);
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

