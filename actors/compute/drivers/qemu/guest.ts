/**
 * One guest as the QEMU driver sees it at run time: its record and files, the QEMU process (pid)
 * and its QMP connection, and the power state derived from them. Operations on a guest are
 * serialised (a power-state sync never interleaves with a reboot); QMP events and the connection
 * closing update the state and are reported as Nova lifecycle events.
 */
import { open, stat } from 'node:fs/promises';
import type { Clock } from '../../../../runtime/clock/index.ts';
import { HypervisorError } from '../../../../runtime/errors/index.ts';
import { PowerState } from '../power-state.ts';
import type { GuestPaths, GuestRecord } from './guest-files.ts';
import { isGuestProcess, killProcess, readPid } from './process.ts';
import { QmpClient, type QmpEvent, type QmpRunState } from './qmp.ts';

const { NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED } = PowerState;

/** Printed by the guest image's /etc/rc once it is up (scripts/make-guest-image.sh); a regular expression's source. */
export const BOOT_BANNER = '=== novacell guest( RESCUE)?: instance ';
const BOOT_BANNER_RE = new RegExp(BOOT_BANNER);

/** QEMU's run state as a Nova power state (Nova's libvirt LIBVIRT_POWER_STATE, seen through QMP). */
export function powerStateOf(status: QmpRunState): PowerState {
  switch (status) {
    case 'running':
      return RUNNING;
    case 'shutdown':
      return SHUTDOWN;
    case 'guest-panicked':
    case 'internal-error':
    case 'io-error':
      return CRASHED;
    case 'suspended':
      return SUSPENDED;
    default:
      return PAUSED; // paused, inmigrate, postmigrate, prelaunch, save-vm, finish-migrate, ...
  }
}

export class QemuGuest {
  pid: number | undefined;
  qmp: QmpClient | undefined;
  state: PowerState = NOSTATE;
  building = true;
  destroyed = false;
  private inOperation = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly uuid: string,
    readonly paths: GuestPaths,
    public record: GuestRecord,
    private readonly clock: Clock,
    private readonly onState: (g: QemuGuest, from: PowerState, to: PowerState) => void,
  ) {}

  /** Run `fn` after every earlier operation on this guest has finished. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    // The intermediate states of our own operation (a suspend stops, saves and quits) are not
    // lifecycle events; one transition from before to after is reported when it ends.
    const run = async (): Promise<T> => {
      const before = this.state;
      this.inOperation = true;
      try {
        return await fn();
      } finally {
        this.inOperation = false;
        if (this.state !== before && !this.building && !this.destroyed) this.onState(this, before, this.state);
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  setState(to: PowerState): void {
    const from = this.state;
    this.state = to;
    if (from !== to && !this.building && !this.inOperation && !this.destroyed) this.onState(this, from, to);
  }

  /** Is the QEMU process of this guest alive? */
  async alive(): Promise<boolean> {
    if (this.pid === undefined) this.pid = await readPid(this.paths);
    return this.pid !== undefined && (await isGuestProcess(this.pid, this.uuid));
  }

  /** Connect to the running QEMU's monitor (after a launch, or at init to re-attach). */
  async attach(): Promise<void> {
    this.qmp?.close();
    this.pid = await readPid(this.paths);
    const qmp = await QmpClient.connect(this.paths.qmpSocket, this.clock);
    this.qmp = qmp;
    qmp.onEvent((e) => this.onEvent(e));
    qmp.onClose(() => {
      if (this.qmp !== qmp) return;
      this.qmp = undefined;
      // QEMU went away (guest powered off, crashed, or killed): what remains on disk says what it is now.
      void (async () => {
        await this.waitExit(3_000);
        const s = await this.stateFromDisk();
        if (this.qmp === undefined && !this.destroyed) this.setState(s);
      })();
    });
    this.setState(powerStateOf((await qmp.execute('query-status')).status));
  }

  /** The power state, asked of QEMU when it runs, else read from the files left behind. */
  async refresh(): Promise<PowerState> {
    if (this.building) return NOSTATE;
    if (this.qmp && !this.qmp.isClosed) {
      try {
        this.setState(powerStateOf((await this.qmp.execute('query-status')).status));
        return this.state;
      } catch {
        // closed meanwhile: fall through to the files
      }
    }
    if (await this.alive()) {
      // Running but not attached (a monitor connection that dropped): attach again.
      await this.attach().catch(() => undefined);
      if (this.qmp) return this.state;
    }
    this.setState(await this.stateFromDisk());
    return this.state;
  }

  async stateFromDisk(): Promise<PowerState> {
    if (await this.alive()) return this.state === NOSTATE ? RUNNING : this.state;
    return (await stat(this.paths.savedState).then(() => true, () => false)) ? SUSPENDED : SHUTDOWN;
  }

  requireQmp(what: string): QmpClient {
    if (!this.qmp || this.qmp.isClosed) throw new HypervisorError(`Cannot ${what} instance ${this.uuid}: its QEMU is not running.`);
    return this.qmp;
  }

  /** Wait until the QEMU process has exited; false after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    while (await this.alive()) {
      if (this.clock.now() >= deadline) return false;
      await this.clock.sleep(100);
    }
    return true;
  }

  /**
   * Make sure QEMU is gone: ask it to quit, then SIGKILL it (its process group is its own, so only
   * this guest is hit). Resolves once the process has exited.
   */
  async kill(): Promise<void> {
    if (!(await this.alive())) return;
    await this.qmp?.execute('quit').catch(() => undefined);
    if (await this.waitExit(5_000)) return;
    if (this.pid !== undefined) killProcess(this.pid, 'SIGKILL');
    if (!(await this.waitExit(10_000))) throw new HypervisorError(`QEMU of instance ${this.uuid} (pid ${this.pid}) does not die.`);
  }

  /** Size of the serial log now: a later boot banner is looked for after this offset. */
  async consoleOffset(): Promise<number> {
    return stat(this.paths.serialLog).then((s) => s.size, () => 0);
  }

  /** Wait for the guest image's boot banner past `offset`; HypervisorError after `timeoutMs`. */
  async waitBanner(offset: number, timeoutMs: number): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      if (this.destroyed) return;
      if (BOOT_BANNER_RE.test(await this.readConsole(offset))) return;
      if (!(await this.alive())) throw new HypervisorError(`Instance ${this.uuid} stopped while booting.`);
      if (this.clock.now() >= deadline) throw new HypervisorError(`Instance ${this.uuid} did not boot within ${Math.round(timeoutMs / 1000)} s.`);
      await this.clock.sleep(200);
    }
  }

  /** The serial log from `offset` (at most the last `maxBytes`, as Nova's MAX_CONSOLE_BYTES). */
  async readConsole(offset = 0, maxBytes = 100 * 1024): Promise<string> {
    const fh = await open(this.paths.serialLog, 'r').catch(() => undefined);
    if (!fh) return '';
    try {
      const size = (await fh.stat()).size;
      const start = Math.max(offset, size - maxBytes);
      const buf = Buffer.alloc(Math.max(0, size - start));
      await fh.read(buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      await fh.close();
    }
  }

  private onEvent(e: QmpEvent): void {
    switch (e.event) {
      case 'SHUTDOWN':
        // QEMU exits after this (no -no-shutdown): the guest powered itself off or we asked it to.
        this.setState(SHUTDOWN);
        break;
      case 'STOP':
        if (this.state === RUNNING) this.setState(PAUSED);
        break;
      case 'RESUME':
        this.setState(RUNNING);
        break;
      case 'GUEST_PANICKED':
        this.setState(CRASHED);
        break;
      case 'SUSPEND':
        this.setState(SUSPENDED);
        break;
      case 'WAKEUP':
        this.setState(RUNNING);
        break;
    }
  }
}
