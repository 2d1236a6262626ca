/**
 * A lock on a pki directory across processes: `<dir>/.lock` created exclusively (O_EXCL) with the
 * holder's pid. Whoever creates or changes the CA (the API cell's first start, `novacell cert`, the
 * os-certificates API) holds it, so two processes never make two CAs nor lose each other's records
 * in issued.json. A lock whose process is gone is taken over; a live holder is waited for.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RealClock } from '../../runtime/clock/index.ts';
import { errorCode } from '../../runtime/errors/index.ts';
import { CertificateError } from './authority.ts';

const POLL_MS = 100;

export interface LockOptions {
  /** Give up after this long (default 30 s): a CA operation takes well under a second. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

function tryLock(file: string): boolean {
  try {
    const fd = openSync(file, 'wx', 0o600);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') throw e;
    let pid = Number.NaN;
    try {
      pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      return false; // removed meanwhile: try again
    }
    // An empty file is a holder between open and write; only a dead pid is stale.
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(file, { force: true });
    return false;
  }
}

/** Whether a live process holds the lock of `dir` now (the CA being created or certificates issued). */
export function pkiLockHeld(dir: string): boolean {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, '.lock'), 'utf8'), 10);
    return !Number.isInteger(pid) || pid <= 0 || alive(pid);
  } catch {
    return false;
  }
}

export async function withPkiLock<T>(dir: string, fn: () => Promise<T>, o: LockOptions = {}): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, '.lock');
  // The lock is shared with other processes through the file system: it waits on real time.
  const sleep = o.sleep ?? ((ms: number) => new RealClock().sleep(ms));
  const timeoutMs = o.timeoutMs ?? 30_000;
  for (let waited = 0; !tryLock(file); waited += POLL_MS) {
    if (waited >= timeoutMs) {
      throw new CertificateError(`${file} is held by another process (pid ${readFileSync(file, 'utf8').trim() || '?'}); try again once it is done`);
    }
    await sleep(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
