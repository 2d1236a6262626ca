/**
 * What a running `novacell up` tells the other commands: `<data_dir>/up.json` (0600) with the
 * topology file it runs, its pid, each cell's broker URL (ports may have been picked at start) and
 * the API URL. `novacell status` and friends read it to find a running `up` without more flags.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const upStateSchema = z.object({
  topology: z.string(),
  pid: z.number(),
  brokers: z.record(z.string(), z.string()),
  api: z.string(),
});
export type UpState = z.infer<typeof upStateSchema>;

export function upStatePath(dataDir: string): string {
  return join(dataDir, 'up.json');
}

export function writeUpState(dataDir: string, s: UpState): void {
  const file = upStatePath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeUpState(dataDir: string): void {
  rmSync(upStatePath(dataDir), { force: true });
}

/** The state of a running `up` on this data directory, if its process is still alive. */
export function readUpState(dataDir: string): UpState | undefined {
  const file = upStatePath(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = upStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return undefined;
    const s = parsed.data;
    process.kill(s.pid, 0);
    return s;
  } catch {
    return undefined;
  }
}
