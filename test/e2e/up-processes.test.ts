/**
 * `novacell up --processes` on the quickstart: every cell but the API cell is a `novacell cell run`
 * child process. With cell1's process stopped (SIGSTOP: the slowest request there is, it never
 * answers), a server whose flavor lands in cell2a still goes ACTIVE within a fixed bound, and while
 * cell1 is still stopped, so the build waited on nothing of cell1's. SIGKILL of `up` leaves no
 * cell process behind; `up --processes` on the same data directory still knows the servers, and
 * SIGTERM stops it and its cells cleanly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NovacellProcess } from '../support/novacell-process.ts';
import { NovaClient, QUICKSTART } from '../support/up-process.ts';
import { until } from '../support/waits.ts';

/**
 * The bound on the build in cell2a: far below what waiting on cell1 would cost (the quickstart's
 * rpc_response_timeout, 60 s), and independent of how long cell1 stays stopped — the build must end
 * while cell1 is still stopped.
 */
const BOUND_MS = 5_000;

const dir = mkdtempSync(join(tmpdir(), 'novacell-up-processes-'));
const procs: NovacellProcess[] = [];
const pids: number[] = [];

function start(): NovacellProcess {
  const up = new NovacellProcess('up', [
    'up', QUICKSTART, '--processes', '--data-dir', join(dir, 'data'), '--api-listen', '127.0.0.1:0', '--broker-base-port', '0',
  ], join(dir, 'up.log'));
  procs.push(up);
  return up;
}

/** The cell processes `up` printed: `cell <path>: broker <url>[, N hosts] (process <pid>)`. */
function cellPids(up: NovacellProcess): Map<string, number> {
  return new Map([...up.stdout().matchAll(/^cell (\S+): broker \S+?(?:, \d+ hosts)? \(process (\d+)\)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** Process state from /proc (R, S, T for stopped, Z for a zombie), or undefined once it is gone. */
function procState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
const gone = (pid: number) => { const s = procState(pid); return s === undefined || s === 'Z'; };

afterAll(async () => {
  for (const pid of pids) if (!gone(pid)) process.kill(pid, 'SIGCONT');
  for (const p of procs) await p.stop();
  for (const pid of pids) if (!gone(pid)) process.kill(pid, 'SIGKILL');
  if (!process.env.NOVACELL_KEEP_E2E) rmSync(dir, { recursive: true, force: true });
});

describe('novacell up --processes', () => {
  it('a stopped cell does not delay a build in another cell; no orphans after SIGKILL; restarts on its data', { timeout: 90_000 }, async () => {
    const up = start();
    await up.waitFor(/novacell is up \(4 cells, 4 processes\)/, 60_000);
    const cells = cellPids(up);
    expect([...cells.keys()]).toEqual(['api!cell1', 'api!cell2', 'api!cell2!cell2a']);
    pids.push(...cells.values());
    expect(new Set([up.pid, ...cells.values()]).size).toBe(4);
    const url = /API (http:\/\/\S+)/.exec(up.stdout())![1]!;
    const admin = await NovaClient.login(url, 'admin', 'secretadmin', 'admin');
    const imageRef = await admin.imageId();
    // Microversion 2.74: the admin names the host; the API cell routes the build down to its subtree.
    const create = async (name: string, host: string): Promise<string> => {
      const r = await fetch(`${url}/compute/v2.1/servers`, {
        method: 'POST', headers: { 'x-auth-token': admin.token, 'content-type': 'application/json', 'openstack-api-version': 'compute 2.74' },
        body: JSON.stringify({ server: { name, flavorRef: '1', imageRef, networks: 'none', host } }),
      });
      expect(r.status).toBe(202);
      return ((await r.json()) as { server: { id: string } }).server.id;
    };
    // Every cell linked and reporting: a first server in each leaf goes ACTIVE.
    const warm = [await create('warm-cell2a', 'ssd01'), await create('warm-cell1', 'compute01')];
    await admin.waitActive(warm, 60_000);

    const cell1 = cells.get('api!cell1')!;
    process.kill(cell1, 'SIGSTOP');
    await until('cell1 stopped', () => procState(cell1) === 'T');
    const sent = Date.now();
    const id = await create('while-cell1-stopped', 'ssd02');
    const server = await until('the server in cell2a ACTIVE', async () => {
      const r = await admin.request<{ server: { status: string; 'OS-SRV-USG:launched_at': string | null } }>('GET', `/compute/v2.1/servers/${id}`);
      return r.body.server.status === 'ACTIVE' || r.body.server.status === 'ERROR' ? r.body.server : undefined;
    }, 60_000);
    expect(procState(cell1)).toBe('T');
    expect(server.status).toBe('ACTIVE');
    // launched_at is a naive UTC time with microseconds, on this machine's clock like `sent`.
    const launched = Date.parse(`${server['OS-SRV-USG:launched_at']!}Z`);
    process.stderr.write(`[e2e] up --processes: cell1 stopped, build in cell2a ACTIVE ${launched - sent} ms after the request\n`);
    expect(launched - sent).toBeLessThan(BOUND_MS);
    process.kill(cell1, 'SIGCONT');

    // SIGKILL of up: each cell reads EOF on its stdin and stops; none is left running.
    up.kill('SIGKILL');
    await up.exited;
    await until('every cell process gone', () => pids.every(gone), 30_000);

    // Again on the same data directory: the servers are there, ACTIVE; SIGTERM stops everything cleanly.
    const again = start();
    await again.waitFor(/novacell is up/, 60_000);
    const newPids = [...cellPids(again).values()];
    pids.push(...newPids);
    const url2 = /API (http:\/\/\S+)/.exec(again.stdout())![1]!;
    const admin2 = await NovaClient.login(url2, 'admin', 'secretadmin', 'admin');
    await admin2.waitActive([...warm, id], 30_000);
    expect(await again.stop()).toEqual({ code: 0, signal: null });
    expect(newPids.every(gone)).toBe(true);
  });
});
