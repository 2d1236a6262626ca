/**
 * The deployment secret that broker passwords are derived from: `<data_dir>/secrets.json`, mode 0600,
 * made on first use (atomically, so cell processes starting together agree on one). Every cell process
 * of a deployment needs the same file; compute hosts get only their own password (`novacell
 * credentials`). The secret is never logged or printed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { TopologyPlan } from '../topology/plan-types.ts';
import { errorCode, errorMessage } from '../runtime/errors/index.ts';

const secretsSchema = z.looseObject({
  version: z.literal(1),
  /** 64 hex digits. */
  broker_secret: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Secrets = z.infer<typeof secretsSchema>;

export function secretsPath(plan: TopologyPlan, override?: string): string {
  return override ?? join(plan.dataDir, 'secrets.json');
}

function parse(file: string): Secrets {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a novacell secrets file (${errorMessage(e)})`);
  }
  const s = secretsSchema.safeParse(data);
  if (!s.success) {
    throw new Error(`${file}: not a novacell secrets file (expected {"version": 1, "broker_secret": "<64 hex digits>"})`);
  }
  return s.data;
}

/** Read the secrets file; an error naming the file if it is missing or malformed. */
export function readSecrets(file: string): Secrets {
  if (!existsSync(file)) {
    throw new Error(`${file}: no secrets file (a cell process makes it on first start; copy it to every cell's data directory)`);
  }
  return parse(file);
}

/** Read the secrets file, making it first if there is none. */
export function ensureSecrets(file: string): { secrets: Secrets; created: boolean } {
  if (existsSync(file)) return { secrets: parse(file), created: false };
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const s: Secrets = { version: 1, broker_secret: randomBytes(32).toString('hex') };
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, file); // fails if another process made it first: theirs wins
    return { secrets: s, created: true };
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') throw e;
    return { secrets: parse(file), created: false };
  } finally {
    unlinkSync(tmp);
  }
}

/** Group or world access to the secrets file is worth a warning. */
export function looseMode(file: string): boolean {
  return (statSync(file).mode & 0o077) !== 0;
}

/** The Keystone token signing key, made once per data directory (0600) so tokens survive a restart. */
export function apiTokenSecret(dataDir: string, name = 'api-token-secret'): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
