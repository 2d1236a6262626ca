/**
 * The cells of `novacell up --processes` other than the API cell: each a `novacell cell run` child
 * process (its own event loop, so a slow request in one cell stalls no other, and the tree uses every
 * core). Children get `--stop-with-parent`, so they stop when this process ends, even by SIGKILL; one
 * that exits on its own is started again after a pause. `stop()` ends them with SIGTERM (SIGKILL past
 * the grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../runtime/log/index.ts';
import type { PlanCell } from '../topology/plan-types.ts';

const BIN = fileURLToPath(new URL('../bin/novacell.js', import.meta.url));
/** Pause before a child cell that exited on its own is started again. */
const RESTART_MS = 1000;
const STOP_GRACE_MS = 15_000;

export interface CellProcessOptions {
  topology: string;
  cells: PlanCell[];
  /** The overrides `up` itself was given, so every child resolves the same plan (ports included). */
  dataDir: string;
  brokerBasePort?: number;
  apiListen?: string;
  /** Leaf cells' qemu guests reach nova-api-metadata here. */
  metadataUrl?: string;
  log: Logger;
  /** Where each child's stdout lines go (default: nowhere). */
  out?: (cell: string, line: string) => void;
  /** Extra environment of the children (e.g. NOVACELL_LOG_LEVEL). */
  env?: Record<string, string>;
}

export interface CellProcess {
  cell: PlanCell;
  pid(): number | undefined;
}

export interface CellProcesses {
  processes: Map<string, CellProcess>;
  /** Resolves when every child has said it is ready (rejects if one exits first). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export function startCellProcesses(o: CellProcessOptions): CellProcesses {
  let stopping = false;
  const children = new Map<string, ChildProcess>();
  const processes = new Map<string, CellProcess>();
  const readies: Promise<void>[] = [];

  const args = (c: PlanCell): string[] => [
    'cell', 'run', '--topology', o.topology, '--cell', c.path, '--data-dir', o.dataDir, '--stop-with-parent',
    ...(o.brokerBasePort !== undefined ? ['--broker-base-port', String(o.brokerBasePort)] : []),
    ...(o.apiListen !== undefined ? ['--api-listen', o.apiListen] : []),
    ...(o.metadataUrl !== undefined && c.isLeaf ? ['--metadata-url', o.metadataUrl] : []),
  ];

  const launch = (c: PlanCell, onReady?: () => void, onEarlyExit?: (e: Error) => void): void => {
    // stdin is a pipe the child watches: when this process ends, however it ends, the child reads EOF.
    // Its own process group: Ctrl-C reaches only `up`, which then stops the cells leaves first.
    const child = spawn(process.execPath, [BIN, ...args(c)], {
      stdio: ['pipe', 'pipe', 'inherit'], detached: true, env: { ...process.env, ...o.env },
    });
    children.set(c.path, child);
    let buf = '';
    let isReady = false;
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (o.out) o.out(c.path, line);
        if (!isReady && line.includes(': ready')) {
          isReady = true;
          onReady?.();
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (children.get(c.path) === child) children.delete(c.path);
      if (stopping) return;
      if (!isReady && onEarlyExit) {
        onEarlyExit(new Error(`cell ${c.path}: its process exited (${code ?? signal}) before it was ready`));
        return;
      }
      o.log.error({ cell: c.path, code, signal, restartMs: RESTART_MS }, 'cell process exited; starting it again');
      setTimeout(() => { if (!stopping) launch(c); }, RESTART_MS).unref();
    });
  };

  for (const c of o.cells) {
    processes.set(c.path, { cell: c, pid: () => children.get(c.path)?.pid });
    readies.push(new Promise<void>((resolve, reject) => launch(c, resolve, reject)));
  }

  return {
    processes,
    ready: Promise.all(readies).then(() => undefined),
    async stop() {
      stopping = true;
      // Leaves first, then their parents: a parent still listens while its children say goodbye.
      const order = [...o.cells].sort((a, b) => b.depth - a.depth);
      const byDepth = new Map<number, PlanCell[]>();
      for (const c of order) byDepth.set(c.depth, [...(byDepth.get(c.depth) ?? []), c]);
      for (const group of byDepth.values()) {
        await Promise.all(group.map((c) => stopChild(children.get(c.path))));
      }
    },
  };
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * `up --processes` with broker_base_port 0: the children must know each other's ports before they
 * start, so pick a base from which `count` consecutive loopback ports are free now.
 */
export async function freeBasePort(count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (40_000 - count));
    const ok = await Promise.all(Array.from({ length: count }, (_, i) => canListen(host, base + i)));
    if (ok.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found on ${host}`);
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}
