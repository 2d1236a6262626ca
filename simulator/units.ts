/**
 * Durations and rates as scenario files write them: `90s`, `1h30m`, `250ms`, `2d` (a bare number is
 * seconds); `10/min`, `5/s`, `1200/h` (a bare number is per second). Everything inside the simulator is
 * milliseconds of virtual time.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)\s*(ms|min|s|m|h|d)/gy;

/** Milliseconds from `90s`, `1h30m`, `0.5h` or a number of seconds; undefined when unreadable. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  let total = 0;
  PART.lastIndex = 0;
  let pos = 0;
  for (;;) {
    const m = PART.exec(s);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = PART.lastIndex;
    while (s[pos] === ' ') pos++;
    PART.lastIndex = pos;
  }
  return pos === s.length && pos > 0 ? total : undefined;
}

/** Events per millisecond from `10/min`, `5/s`, `1200/h`, `3/d` or a number per second. */
export function parseRate(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v / 1000 : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(ms|s|sec|min|m|h|hour|d|day)\s*$/.exec(v);
  if (!m) return undefined;
  const aliases: Record<string, string> = { sec: 's', hour: 'h', day: 'd' };
  const unit = aliases[m[2]!] ?? m[2]!;
  return Number(m[1]) / UNIT_MS[unit]!;
}

/** `5400000` → `1h30m`, for messages and reports. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${round(ms, 3)}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${round(rest / 1000, 3)}s`);
  return parts.join('');
}

/** Round to `digits` decimals, turning -0 into 0 (stable JSON). */
export function round(x: number, digits = 6): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
}
