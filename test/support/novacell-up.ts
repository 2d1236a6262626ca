/**
 * `novacell up <topology>` as a child process for end-to-end tests (temporary data directory, free
 * ports), and the `openstack` CLI pointed at the clouds.yaml it writes. Restartable on the same data
 * directory, to test what survives a crash of the whole control plane.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');

export function findOpenstackCli(): string | undefined {
  const candidates = [process.env['OPENSTACK_CLI'], '/usr/bin/openstack', '/usr/local/bin/openstack'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

export class NovacellUp {
  child!: ChildProcess;
  url = '';
  cloudsYaml = '';
  private out = '';
  private err = '';

  constructor(readonly topology: string, readonly dataDir: string, readonly home: string, readonly cli: string) {}

  /** Start (or start again) and wait for "novacell is up". */
  async start(): Promise<void> {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    this.out = '';
    this.err = '';
    const child = spawn(process.execPath, [
      tsx, join(ROOT, 'cli', 'main.ts'), 'up', this.topology,
      '--data-dir', this.dataDir, '--api-listen', '127.0.0.1:0', '--broker-base-port', '0',
    ], { cwd: ROOT, env: { ...process.env, NOVACELL_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => { this.out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { this.err += d.toString(); });
    await new Promise<void>((ok, fail) => {
      const onExit = (code: number | null) => fail(new Error(`novacell up exited (${code}):\n${this.out}\n${this.err}`));
      child.once('exit', onExit);
      const check = () => {
        if (this.out.includes('novacell is up')) {
          child.off('exit', onExit);
          ok();
        }
      };
      child.stdout!.on('data', check);
    });
    const url = /API (http:\/\/\S+)/.exec(this.out)?.[1];
    const cloudsYaml = /clouds\.yaml: (\S+)/.exec(this.out)?.[1];
    if (!url || !cloudsYaml) throw new Error(`cannot read the API address from:\n${this.out}`);
    this.url = url;
    this.cloudsYaml = cloudsYaml;
  }

  output(): string {
    return `${this.out}\n${this.err}`;
  }

  /** SIGKILL: nothing runs its shutdown path (guests are in their own sessions and survive). */
  async crash(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((ok) => this.child.once('exit', () => ok()));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((ok) => this.child.once('exit', () => ok()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  env(): NodeJS.ProcessEnv {
    return { PATH: '/usr/bin:/bin', HOME: this.home, LANG: 'C.UTF-8', OS_CLIENT_CONFIG_FILE: this.cloudsYaml, OS_CLOUD: 'novacell', OPENSTACK: this.cli };
  }

  async openstack(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(this.cli, args, { env: this.env(), timeout: 240_000 });
      return stdout;
    } catch (e) {
      const x = e as { stderr?: string; message: string };
      throw new Error(`openstack ${args.join(' ')} failed: ${x.stderr ?? x.message}\n--- novacell output ---\n${this.output().slice(-4000)}`);
    }
  }

  async json<T>(...args: string[]): Promise<T> {
    return JSON.parse(await this.openstack(...args, '-f', 'json')) as T;
  }

  /** Run a script of ours with this cloud's environment. */
  async script(name: string, ...args: string[]): Promise<string> {
    const { stdout } = await run(join(ROOT, 'scripts', name), args, { env: { ...process.env, ...this.env() }, timeout: 300_000 });
    return stdout;
  }
}
