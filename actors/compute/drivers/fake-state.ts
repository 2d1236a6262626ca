/**
 * The FakeDriver's hypervisor state on disk: one JSON file per compute host (`<dir>/<host>.json`,
 * 0600 in a 0700 directory), so a restarted compute process finds its guests as a real hypervisor's
 * domains outlive nova-compute. Written whole (temporary file, then rename), so a SIGKILL at any moment
 * leaves either the old state or the new one, never half of one. A guest still building is not
 * written: a spawn does not survive its process, as with Nova.
 *
 * Writes are group-committed: save() asks for a write and returns its promise; every change asked for
 * before the write takes its snapshot (at the next turn of the event loop, after the write before it)
 * goes into that one write, off the main thread. The driver awaits the promise before its method
 * returns or its lifecycle event fires, so nothing hears of a change the file does not yet hold, and
 * a SIGKILL can only lose changes nobody was told about (a spawn that had not yet reported, which
 * the restart treats as a build in flight).
 */
import { chmod, rename, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { HypervisorError, errorMessage } from '../../../runtime/errors/index.ts';
import { FakeConsoleLog } from './fake-console.ts';
import type { FakeGuest } from './fake-guest.ts';
import { PowerState } from './power-state.ts';

const consoleEventSchema = z.object({
  kind: z.enum(['boot', 'rescue-boot', 'restart', 'halt', 'panic']),
  at: z.number(),
  imageId: z.string(),
});

const storedGuestSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  imageId: z.string(),
  vcpus: z.number(),
  memoryMb: z.number(),
  diskGb: z.number(),
  slot: z.number().int().nonnegative(),
  state: z.nativeEnum(PowerState),
  rescued: z.boolean(),
  macs: z.array(z.string()).optional(),
  snapshots: z.array(z.string()),
  console: z.object({
    guest: z.object({
      uuid: z.string(), hostname: z.string(), vcpus: z.number(), memoryMb: z.number(), imageId: z.string(),
      interfaces: z.array(z.object({ mac: z.string(), ips: z.array(z.string()) })),
    }),
    events: z.array(consoleEventSchema),
  }),
});

const stateFileSchema = z.object({ version: z.literal(1), host: z.string(), guests: z.array(storedGuestSchema) });
type StoredGuest = z.infer<typeof storedGuestSchema>;

/** The state file of `host` under `dir`. */
export function fakeStateFile(dir: string, host: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host)) throw new HypervisorError(`Cannot keep fake guests for host name ${JSON.stringify(host)}.`);
  return join(dir, `${host}.json`);
}

export class FakeStateFile {
  /** The write that has not yet taken its snapshot (changes asked for now go into it). */
  private queued: Promise<void> | null = null;
  /** The last write asked for, settled either way (the next one starts after it). */
  private tail: Promise<void> = Promise.resolve();
  private dirMade = false;

  constructor(readonly file: string) {}

  /** The guests written last time (none when there is no file yet). A file that does not parse is an error, not an empty host. */
  load(): FakeGuest[] {
    if (!existsSync(this.file)) return [];
    let parsed: z.infer<typeof stateFileSchema>;
    try {
      parsed = stateFileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch (e) {
      throw new HypervisorError(`The fake hypervisor's state file ${this.file} is unreadable: ${errorMessage(e).slice(0, 300)}`);
    }
    return parsed.guests.map(restoreGuest);
  }

  /**
   * Ask for the guests to be written; resolves once a write that includes every change made before
   * this call is on disk. `guests` is read when the write starts.
   */
  save(host: string, guests: () => Iterable<FakeGuest>): Promise<void> {
    if (this.queued) return this.queued;
    const p = this.tail.then(nextTurn).then(() => {
      this.queued = null;
      return this.write(host, guests());
    });
    this.queued = p;
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Resolves when every write asked for so far has ended. */
  idle(): Promise<void> {
    return this.tail;
  }

  private async write(host: string, guests: Iterable<FakeGuest>): Promise<void> {
    const out: StoredGuest[] = [];
    for (const g of guests) if (g.state !== PowerState.NOSTATE) out.push(storeGuest(g));
    if (!this.dirMade) {
      mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
      this.dirMade = true;
    }
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: 1, host, guests: out }), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
  }
}

function nextTurn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function storeGuest(g: FakeGuest): StoredGuest {
  const { uuid, name, imageId, vcpus, memoryMb, diskGb, slot, state, rescued } = g;
  return { uuid, name, imageId, vcpus, memoryMb, diskGb, slot, state, rescued, macs: [...g.macs], snapshots: [...g.snapshots], console: g.console.toJSON() };
}

function restoreGuest(s: StoredGuest): FakeGuest {
  return {
    uuid: s.uuid, name: s.name, imageId: s.imageId, vcpus: s.vcpus, memoryMb: s.memoryMb, diskGb: s.diskGb, slot: s.slot,
    state: s.state, rescued: s.rescued, macs: [...(s.macs ?? [])], snapshots: [...s.snapshots], console: FakeConsoleLog.fromJSON(s.console),
  };
}
