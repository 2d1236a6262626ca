/**
 * A small typed QMP client (QEMU Machine Protocol, docs/interop/qmp-spec.rst): JSON objects, one per
 * line, on a unix socket. The server speaks first (the greeting); the client leaves capabilities
 * negotiation with `qmp_capabilities`; then each `execute` carries an id that its answer echoes,
 * and asynchronous events (SHUTDOWN, STOP, RESUME, ...) arrive interleaved with the answers.
 * QEMU serves one client per monitor socket, so the driver keeps exactly one connection per guest.
 */
import { connect, type Socket } from 'node:net';
import { z } from 'zod';
import type { Clock } from '../../../../runtime/clock/index.ts';

/** The answers the driver relies on, typed (the schema is QEMU's qapi/*.json). */
export interface QmpCommands {
  qmp_capabilities: { args: Record<string, never>; ret: Record<string, never> };
  'query-status': { args: Record<string, never>; ret: { running: boolean; singlestep?: boolean; status: QmpRunState } };
  'query-vnc': { args: Record<string, never>; ret: { enabled: boolean; host?: string; service?: string; family?: string } };
  'query-spice': { args: Record<string, never>; ret: { enabled: boolean; host?: string; port?: number; 'tls-port'?: number } };
  'query-chardev': { args: Record<string, never>; ret: Array<{ label: string; filename: string; 'frontend-open': boolean }> };
  'query-migrate': {
    args: Record<string, never>;
    ret: {
      status?: string; 'error-desc'?: string; 'total-time'?: number; downtime?: number;
      ram?: { total: number; transferred: number; remaining: number };
    };
  };
  /** The human monitor (diagnostics and tests: `info …`, `qemu-io`). */
  'human-monitor-command': { args: { 'command-line': string }; ret: string };
  'migrate-set-parameters': { args: { 'max-bandwidth': number }; ret: Record<string, never> };
  migrate_cancel: { args: Record<string, never>; ret: Record<string, never> };
  'nbd-server-start': { args: { addr: { type: 'inet'; data: { host: string; port: string } } }; ret: Record<string, never> };
  'nbd-server-add': { args: { device: string; writable: boolean }; ret: Record<string, never> };
  'nbd-server-stop': { args: Record<string, never>; ret: Record<string, never> };
  'drive-mirror': {
    args: { 'job-id': string; device: string; target: string; format: string; sync: 'top' | 'full'; mode: 'existing'; 'copy-mode': 'write-blocking' | 'background' };
    ret: Record<string, never>;
  };
  'query-block-jobs': {
    args: Record<string, never>;
    ret: Array<{ device: string; len: number; offset: number; ready: boolean; status: string; error?: string }>;
  };
  'block-job-cancel': { args: { device: string; force: boolean }; ret: Record<string, never> };
  'query-pci': { args: Record<string, never>; ret: unknown[] };
  stop: { args: Record<string, never>; ret: Record<string, never> };
  cont: { args: Record<string, never>; ret: Record<string, never> };
  system_powerdown: { args: Record<string, never>; ret: Record<string, never> };
  system_reset: { args: Record<string, never>; ret: Record<string, never> };
  quit: { args: Record<string, never>; ret: Record<string, never> };
  migrate: { args: { uri: string }; ret: Record<string, never> };
  'inject-nmi': { args: Record<string, never>; ret: Record<string, never> };
  'query-cpus-fast': { args: Record<string, never>; ret: Array<{ 'cpu-index': number; 'thread-id': number }> };
  'query-blockstats': {
    args: Record<string, never>;
    ret: Array<{
      device?: string;
      stats: { rd_bytes: number; wr_bytes: number; rd_operations: number; wr_operations: number; failed_rd_operations: number; failed_wr_operations: number };
    }>;
  };
  'migrate-incoming': { args: { uri: string }; ret: Record<string, never> };
}
export type QmpCommand = keyof QmpCommands;

/** QEMU's RunState (qapi/run-state.json), the part the driver maps to power states. */
export type QmpRunState =
  | 'debug' | 'inmigrate' | 'internal-error' | 'io-error' | 'paused' | 'postmigrate' | 'prelaunch'
  | 'finish-migrate' | 'restore-vm' | 'running' | 'save-vm' | 'shutdown' | 'suspended' | 'watchdog'
  | 'guest-panicked' | 'colo';

const qmpVersionSchema = z.object({ major: z.number(), minor: z.number(), micro: z.number() });

/** What QEMU sends: the greeting, an event, or the answer (return or error) to an execute. */
const greetingSchema = z.looseObject({
  QMP: z.looseObject({ version: z.looseObject({ qemu: qmpVersionSchema.optional() }).optional() }),
});
const eventSchema = z.looseObject({
  event: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.object({ seconds: z.number(), microseconds: z.number() }),
});
const answerSchema = z.looseObject({
  id: z.unknown(),
  error: z.looseObject({ class: z.string().optional(), desc: z.string().optional() }).optional(),
  return: z.unknown(),
});

export type QmpEvent = z.infer<typeof eventSchema>;
type QmpGreeting = z.infer<typeof greetingSchema>;

/** QEMU answered an execute with an error object ({class, desc}). */
export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, desc: string) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`);
  }
}

/** The connection ended (QEMU quit or died) while a command was waiting. */
export class QmpClosed extends Error {
  constructor(what: string) {
    super(`QMP connection closed: ${what}`);
  }
}

interface Pending {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class QmpClient {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners: Array<(e: QmpEvent) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private greeted: ((v: QmpGreeting | undefined) => void) | undefined;
  private closed = false;
  /** QEMU's version from the greeting, e.g. {major:7, minor:2, micro:22}. */
  version: z.infer<typeof qmpVersionSchema> | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  /** Connect, read the greeting and negotiate capabilities; rejects after `timeoutMs` without a greeting. */
  static async connect(path: string, clock: Clock, timeoutMs = 10_000): Promise<QmpClient> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new QmpClient(socket);
    const greeting = new Promise<QmpGreeting | undefined>((resolve) => (client.greeted = resolve));
    const timer = clock.setTimeout(() => client.close(), timeoutMs);
    try {
      const g = await Promise.race([greeting, client.whenClosed()]);
      if (!g?.QMP) throw new QmpClosed(`no greeting from ${path}`);
      client.version = g.QMP.version?.qemu;
    } finally {
      clock.clearTimer(timer);
    }
    await client.execute('qmp_capabilities');
    return client;
  }

  /** Run a command; resolves with its `return`, rejects with QmpError or QmpClosed. */
  execute<C extends QmpCommand>(command: C, args?: QmpCommands[C]['args']): Promise<QmpCommands[C]['ret']> {
    if (this.closed) return Promise.reject(new QmpClosed(`cannot run ${command}`));
    const id = `novacell-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id })}\n`);
    });
  }

  onEvent(listener: (e: QmpEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onClose(listener?: () => void): void {
    if (listener) {
      if (this.closed) listener();
      else this.closeListeners.push(listener);
      return;
    }
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new QmpClosed(`while running ${p.command}`));
    this.pending.clear();
    this.greeted?.(undefined);
    for (const l of this.closeListeners) l();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  whenClosed(): Promise<void> {
    return new Promise((resolve) => this.onClose(resolve));
  }

  close(): void {
    this.socket.destroy();
    this.onClose();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return; // QEMU only sends JSON; a torn line cannot be answered anyway
    }
    const greeting = greetingSchema.safeParse(json);
    if (greeting.success) {
      this.greeted?.(greeting.data);
      this.greeted = undefined;
      return;
    }
    const event = eventSchema.safeParse(json);
    if (event.success) {
      for (const l of this.eventListeners) l(event.data);
      return;
    }
    const answer = answerSchema.safeParse(json);
    if (!answer.success) return;
    const msg = answer.data;
    const id = typeof msg.id === 'string' ? msg.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || id === undefined) return;
    this.pending.delete(id);
    if (msg.error !== undefined) {
      const e = msg.error;
      p.reject(new QmpError(p.command, e.class ?? 'GenericError', e.desc ?? 'unknown error'));
    } else {
      p.resolve(msg.return);
    }
  }
}
