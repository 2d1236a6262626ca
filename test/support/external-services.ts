/**
 * External services for end-to-end tests, started the way an operator would: a Mosquitto broker on a
 * free loopback port with a password file (hashed by mosquitto_passwd) and an ACL file, and a fresh
 * database in the local PostgreSQL cluster (started and given a `novacell` role if needed; .ci/run
 * does the same). `externalSkipReason()` says why these tests cannot run here, if they cannot.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

function which(name: string, extra: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', ...extra];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

const pgBinDirs = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`) : [];
export const BIN = {
  mosquitto: which('mosquitto'),
  mosquittoPasswd: which('mosquitto_passwd'),
  psql: which('psql', pgBinDirs),
  pgCtlcluster: which('pg_ctlcluster'),
  pgLsclusters: which('pg_lsclusters'),
};

export function externalSkipReason(): string | undefined {
  const missing = Object.entries(BIN).filter(([, p]) => !p).map(([k]) => k);
  if (missing.length) return `missing ${missing.join(', ')} (apt-get install -y mosquitto postgresql)`;
  if (process.getuid?.() !== 0) return 'needs root to start PostgreSQL and create its role (as .ci/run does)';
  return undefined;
}

/** Why PostgreSQL alone cannot be used here, if it cannot. */
export function postgresSkipReason(): string | undefined {
  if (!BIN.psql || !BIN.pgCtlcluster || !BIN.pgLsclusters) return 'missing PostgreSQL (apt-get install -y postgresql)';
  if (process.getuid?.() !== 0) return 'needs root to start PostgreSQL and create its role (as .ci/run does)';
  return undefined;
}

export interface RunningMosquitto {
  url: string;
  stop(): Promise<void>;
}

/** Mosquitto with our password list (hashed here) and ACL file, on `port`. */
export async function startMosquitto(dir: string, port: number, passwd: string, acl: string): Promise<RunningMosquitto> {
  execFileSync(BIN.mosquittoPasswd!, ['-U', passwd]);
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwd}`, `acl_file ${acl}`,
    'persistence false', 'user root', 'log_dest stderr', 'log_type error', 'log_type warning', '',
  ].join('\n'));
  const child: ChildProcess = spawn(BIN.mosquitto!, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

const ROLE = 'novacell';
const ROLE_PASSWORD = 'novacell';

function psql(port: number, sql: string): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', BIN.psql!, '-p', String(port), '-v', 'ON_ERROR_STOP=1', '-tAc', sql], {
    encoding: 'utf8', cwd: '/',
  }).trim();
}

/** The local cluster, started if it is down (created if there is none); its port. */
function ensureCluster(): number {
  const list = () => execFileSync(BIN.pgLsclusters!, ['-h'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/));
  let rows = list();
  if (rows.length === 0) {
    const version = readdirSync('/usr/lib/postgresql').sort().pop()!;
    execFileSync('pg_createcluster', [version, 'main', '--start']);
    rows = list();
  }
  const [version, name, port, status] = rows[0]!;
  if (status !== 'online') execFileSync(BIN.pgCtlcluster!, [version!, name!, 'start']);
  return Number(port);
}

/** A fresh database owned by the `novacell` role (made if missing), dropped by `drop()`. */
export async function createTestDatabase(name: string): Promise<TestDatabase> {
  const port = ensureCluster();
  if (psql(port, `SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}'`) !== '1') {
    psql(port, `CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${ROLE_PASSWORD}'`);
  }
  psql(port, `DROP DATABASE IF EXISTS ${name}`);
  psql(port, `CREATE DATABASE ${name} OWNER ${ROLE}`);
  return {
    url: `postgres://${ROLE}:${ROLE_PASSWORD}@127.0.0.1:${port}/${name}`,
    async drop() {
      psql(port, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
