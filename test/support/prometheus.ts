/**
 * A real Prometheus (Debian's /usr/bin/prometheus) for end-to-end tests: its own config and data
 * directory under a temp dir, a free loopback port, a 1 s scrape interval; queried through its HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './waits.ts';

export const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));

export interface Target {
  job: string;
  /** host:port */
  address: string;
  path?: string;
}

export class Prometheus {
  private log = '';

  private constructor(private readonly child: ChildProcess, readonly url: string) {
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
  }

  static async start(dir: string, port: number, targets: Target[]): Promise<Prometheus> {
    const config = join(dir, 'prometheus.yml');
    const jobs = targets.map((t) => `  - job_name: ${JSON.stringify(t.job)}\n    metrics_path: ${JSON.stringify(t.path ?? '/metrics')}\n    static_configs:\n      - targets: [${JSON.stringify(t.address)}]`);
    writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs.join('\n')}\n`);
    const child = spawn(PROMETHEUS!, [
      `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    const p = new Prometheus(child, `http://127.0.0.1:${port}`);
    await until('prometheus ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${p.log}`);
      return fetch(`${p.url}/-/ready`).then((r) => r.ok, () => false);
    }, 60_000);
    return p;
  }

  /** An instant query; one number per series, keyed by its labels as JSON. */
  async query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
    const r = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await r.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
    return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
  }

  async targetsUp(): Promise<boolean> {
    const r = await this.query('up');
    return r.length > 0 && r.every((s) => s.value === 1);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
