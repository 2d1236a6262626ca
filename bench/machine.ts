/** The machine a benchmark ran on, printed with every result. */
import os from 'node:os';
import { readFileSync } from 'node:fs';

export function machine(): string {
  return `${os.cpus()[0]?.model ?? 'cpu?'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.platform()}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

/**
 * CPU time (user + system, µs) other processes have used so far, from /proc/<pid>/stat (Linux; clock
 * ticks of 10 ms, Linux's USER_HZ on every architecture); undefined where /proc cannot tell (another
 * OS, a process gone).
 */
export function processesCpuMicros(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    // Fields after the command name (which may hold spaces and parentheses): state is the 3rd, utime the 14th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(f[11]) + Number(f[12])) * 10_000;
  }
  return Number.isFinite(total) ? total : undefined;
}
