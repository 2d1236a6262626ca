/**
 * A burst of builds for the build benches: `count` creates at once, each timed from its request to its
 * ACTIVE, resolved when every one is ACTIVE. The bench tells `active(uuid)` whenever the cell or tree
 * it watches shows an instance ACTIVE; `run` may be called again (an untimed `--warm` burst first).
 */
export class Burst {
  private started = new Map<string, number>();
  private done = 0;
  private target = 0;
  private finish = (): void => undefined;
  /** Request-to-ACTIVE times (ms) of the last burst. */
  latencies: number[] = [];

  /** An instance is ACTIVE; counted once, and only if the current burst requested it. */
  active(uuid: string): void {
    const t0 = this.started.get(uuid);
    if (t0 === undefined) return;
    this.latencies.push(performance.now() - t0);
    this.started.delete(uuid);
    if (++this.done === this.target) this.finish();
  }

  /** `count` creates at once; resolves when every instance they made is ACTIVE. */
  async run(count: number, create: (i: number) => Promise<{ instanceUuids: readonly string[] }>): Promise<void> {
    this.started = new Map();
    this.latencies = [];
    this.done = 0;
    this.target = count;
    const all = new Promise<void>((r) => (this.finish = r));
    await Promise.all(Array.from({ length: count }, async (_, i) => {
      const t = performance.now();
      const r = await create(i);
      for (const u of r.instanceUuids) if (!this.started.has(u)) this.started.set(u, t);
    }));
    await all;
  }
}

/** The `--warm <n>` option's value: a whole number of builds, or an error for commander to print. */
export function warmBuilds(arg: string, error: (message: string) => never): number {
  const n = Number(arg);
  if (!Number.isInteger(n) || n < 0) error(`--warm: a whole number of builds, not ${arg}`);
  return n;
}
