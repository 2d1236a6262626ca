/**
 * The FakeDriver's hypervisor state on disk, so a restarted compute process finds its guests as a real
 * hypervisor's domains outlive nova-compute. Per compute host, in a 0700 directory, two 0600 files:
 *
 * - `<host>.json`, the snapshot: every guest at the last compaction, written whole (temporary file, then
 *   rename), so a SIGKILL at any moment leaves either the old snapshot or the new one;
 * - `<host>.journal`, the changes since: a header line naming the snapshot generation it follows, then
 *   one JSON line per changed guest (`{"put":<guest>}` or `{"del":"<uuid>"}`), appended.
 *
 * A change costs one appended line (O(1), not a rewrite of every guest). When the journal grows past
 * twice the snapshot (and past a floor), the guests are compacted into a new snapshot of the next
 * generation and the journal starts over; a journal whose header names an older generation than the
 * snapshot (a SIGKILL between the snapshot's rename and the journal's reset) is ignored, as the snapshot
 * already holds it. A torn last line (no newline: a write cut short) is dropped and cut off before the
 * next append; any other line that does not parse, or a snapshot that does not, is an error, not an
 * empty host. A guest still building is not written: a spawn does not survive its process, as with Nova.
 *
 * Writes are group-committed: save() marks a guest changed and returns the promise of the next write;
 * every change asked for before that write starts (at the next turn of the event loop, after the write
 * before it) goes into it. The append is one synchronous write(2) of a few hundred bytes per changed
 * guest (cheaper than a round trip through the thread pool). The driver awaits the promise before its
 * method returns or its lifecycle event fires, so nothing hears of a change the files do not yet hold,
 * and a SIGKILL can only lose changes nobody was told about (a spawn that had not yet reported, which
 * the restart treats as a build in flight). A write that fails (its promise rejects) leaves the next
 * one to compact every guest, so a lost or half-written line does not outlive it.
 */
import {
  closeSync, existsSync, fchmodSync, ftruncateSync, chmodSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync,
} from 'node:fs';
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

/** The snapshot; `gen` (absent in files written before the journal: 0) is the generation its journal must name. */
const stateFileSchema = z.object({
  version: z.literal(1), host: z.string(), gen: z.number().int().nonnegative().optional(), guests: z.array(storedGuestSchema),
});
const journalHeaderSchema = z.object({ version: z.literal(1), host: z.string(), gen: z.number().int().nonnegative() });
const journalLineSchema = z.union([z.object({ put: storedGuestSchema }), z.object({ del: z.string() })]);
type StoredGuest = z.infer<typeof storedGuestSchema>;

/** The journal is compacted once it is larger than this many times the snapshot… */
const COMPACT_RATIO = 2;
/** …and larger than this (so a small host does not rewrite its snapshot every few changes). */
const COMPACT_FLOOR_BYTES = 64 * 1024;

/** The state file (snapshot) of `host` under `dir`; its journal is the same name ending `.journal`. */
export function fakeStateFile(dir: string, host: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host)) throw new HypervisorError(`Cannot keep fake guests for host name ${JSON.stringify(host)}.`);
  return join(dir, `${host}.json`);
}

export class FakeStateFile {
  readonly journal: string;
  /** The write that has not yet taken its snapshot (changes asked for now go into it). */
  private queued: Promise<void> | null = null;
  /** The last write asked for, settled either way (the next one starts after it). */
  private tail: Promise<void> = Promise.resolve();
  /** Guests changed since the last write, by uuid (their state is read when the write starts). */
  private dirty = new Set<string>();
  /** Guests the files hold now (a removed one needs a `del` line only if it is among them). */
  private readonly stored = new Set<string>();
  private gen = 0;
  private snapshotBytes = 0;
  private journalBytes = 0;
  /** The journal on disk has this generation's header and exactly `journalBytes` of whole lines. */
  private journalValid = false;
  /** The journal's length on disk when it holds a torn last line to cut off before appending. */
  private journalOnDisk = 0;
  private fd: number | undefined;
  private dirMade = false;
  /** A write failed: the next one compacts every guest into a snapshot instead of appending. */
  private failed = false;

  constructor(readonly file: string) {
    this.journal = file.replace(/\.json$/, '') + '.journal';
  }

  /**
   * The guests the files hold (none when there are no files yet): the snapshot, then the journal's
   * changes. A snapshot or a journal line that does not parse is an error, not an empty host; a torn
   * last journal line is dropped.
   */
  load(): FakeGuest[] {
    const guests = new Map<string, StoredGuest>();
    this.gen = 0;
    this.snapshotBytes = 0;
    if (existsSync(this.file)) {
      const text = readFileSync(this.file, 'utf8');
      let parsed: z.infer<typeof stateFileSchema>;
      try {
        parsed = stateFileSchema.parse(JSON.parse(text));
      } catch (e) {
        throw new HypervisorError(`The fake hypervisor's state file ${this.file} is unreadable: ${errorMessage(e).slice(0, 300)}`);
      }
      this.gen = parsed.gen ?? 0;
      this.snapshotBytes = Buffer.byteLength(text);
      for (const g of parsed.guests) guests.set(g.uuid, g);
    }
    this.loadJournal(guests);
    this.stored.clear();
    for (const uuid of guests.keys()) this.stored.add(uuid);
    return [...guests.values()].map(restoreGuest);
  }

  private loadJournal(guests: Map<string, StoredGuest>): void {
    this.journalValid = false;
    this.journalBytes = 0;
    this.journalOnDisk = 0;
    if (!existsSync(this.journal)) return;
    const buf = readFileSync(this.journal);
    this.journalOnDisk = buf.length;
    const unreadable = (what: string, e?: unknown): HypervisorError =>
      new HypervisorError(`The fake hypervisor's journal ${this.journal} is unreadable: ${what}${e === undefined ? '' : `: ${errorMessage(e).slice(0, 300)}`}`);
    let at = buf.indexOf(10);
    if (at < 0) return; // empty, or a header cut short: nothing was appended after it
    let header: z.infer<typeof journalHeaderSchema>;
    try {
      header = journalHeaderSchema.parse(JSON.parse(buf.toString('utf8', 0, at)));
    } catch (e) {
      throw unreadable('bad header', e);
    }
    if (header.gen < this.gen) return; // written before the snapshot's compaction, which holds it all
    if (header.gen > this.gen) throw unreadable(`it follows generation ${header.gen} of the state file, which is at ${this.gen}`);
    let start = at + 1;
    for (let line = 2; start < buf.length; line++) {
      at = buf.indexOf(10, start);
      if (at < 0) break; // a torn last line: its write never finished, so nobody was told of it
      let change: z.infer<typeof journalLineSchema>;
      try {
        change = journalLineSchema.parse(JSON.parse(buf.toString('utf8', start, at)));
      } catch (e) {
        // A whole line that does not parse is corruption, unless it is the last (a torn write may end in a newline byte of garbage).
        if (at + 1 < buf.length) throw unreadable(`line ${line}`, e);
        break;
      }
      if ('put' in change) guests.set(change.put.uuid, change.put);
      else guests.delete(change.del);
      start = at + 1;
    }
    this.journalBytes = start;
    this.journalValid = true;
  }

  /**
   * Ask for guest `uuid` (now in `guests`, or gone from it) to be written; resolves once a write that
   * includes every change asked for before this call is on disk. The guest is read when the write starts.
   */
  save(host: string, uuid: string, guests: ReadonlyMap<string, FakeGuest>): Promise<void> {
    this.dirty.add(uuid);
    if (this.queued) return this.queued;
    const p = this.tail.then(nextTurn).then(() => {
      this.queued = null;
      const dirty = this.dirty;
      this.dirty = new Set();
      this.write(host, dirty, guests);
    });
    this.queued = p;
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Resolves when every write asked for so far has ended. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Close the journal once every write asked for has ended (a later save opens it again). */
  async close(): Promise<void> {
    await this.tail;
    if (this.queued || this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  private write(host: string, dirty: Set<string>, guests: ReadonlyMap<string, FakeGuest>): void {
    try {
      if (this.failed) {
        // The last write failed part-way (a line lost, or half of one on disk): start over from every guest.
        this.compact(host, guests);
        this.failed = false;
        return;
      }
      this.append(host, dirty, guests);
    } catch (e) {
      this.failed = true;
      this.journalValid = false;
      if (this.fd !== undefined) {
        try {
          closeSync(this.fd);
        } catch {
          // already unusable
        }
        this.fd = undefined;
      }
      throw e;
    }
  }

  private append(host: string, dirty: Set<string>, guests: ReadonlyMap<string, FakeGuest>): void {
    let lines = '';
    for (const uuid of dirty) {
      const g = guests.get(uuid);
      if (g && g.state !== PowerState.NOSTATE) {
        lines += `{"put":${JSON.stringify(storeGuest(g))}}\n`;
        this.stored.add(uuid);
      } else if (this.stored.delete(uuid)) {
        lines += `{"del":${JSON.stringify(uuid)}}\n`;
      }
    }
    if (lines === '') return;
    const fd = this.openJournal(host);
    const bytes = Buffer.from(lines);
    writeAll(fd, bytes);
    this.journalBytes += bytes.length;
    if (this.journalBytes > Math.max(COMPACT_RATIO * this.snapshotBytes, COMPACT_FLOOR_BYTES)) this.compact(host, guests);
  }

  /** The journal open for appending, with this generation's header and no torn tail. */
  private openJournal(host: string): number {
    if (!this.dirMade) {
      mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
      this.dirMade = true;
    }
    if (this.fd === undefined) {
      this.fd = openSync(this.journal, 'a', 0o600);
      fchmodSync(this.fd, 0o600);
    }
    if (!this.journalValid) {
      this.startJournal(host);
    } else if (this.journalOnDisk > this.journalBytes) {
      ftruncateSync(this.fd, this.journalBytes); // the torn line the last run left
    }
    this.journalOnDisk = 0;
    return this.fd;
  }

  /** Empty the journal and write this generation's header. */
  private startJournal(host: string): void {
    const fd = this.fd!;
    ftruncateSync(fd, 0);
    const header = Buffer.from(`${JSON.stringify({ version: 1, host, gen: this.gen })}\n`);
    writeAll(fd, header);
    this.journalBytes = header.length;
    this.journalValid = true;
  }

  /** Every guest into a snapshot of the next generation, then a journal that follows it. */
  private compact(host: string, guests: ReadonlyMap<string, FakeGuest>): void {
    const out: StoredGuest[] = [];
    this.stored.clear();
    for (const g of guests.values()) {
      if (g.state === PowerState.NOSTATE) continue;
      out.push(storeGuest(g));
      this.stored.add(g.uuid);
    }
    const text = JSON.stringify({ version: 1, host, gen: this.gen + 1, guests: out });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
    this.gen++;
    this.snapshotBytes = Buffer.byteLength(text);
    this.journalValid = false;
    this.openJournal(host); // a journal of the new generation, empty
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
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
