/**
 * `novacell up <topology>` as a child process for end-to-end tests (temporary data directory, free
 * ports), and the `openstack` CLI (openstack-cli.ts) pointed at the clouds.yaml it writes.
 * Restartable on the same data directory, to test what survives a crash of the whole control plane.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAIN, TSX } from './novacell-process.ts';
import { openstackCli, type OpenstackCli } from './openstack-cli.ts';

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');

export class NovacellUp {
  child!: ChildProcess;
  url = '';
  cloudsYaml = '';
  private out = '';
  private err = '';
  private readonly osc: OpenstackCli;

  constructor(readonly topology: string, readonly dataDir: string, readonly home: string, readonly cli: string, readonly logLevel = 'warn') {
    this.osc = openstackCli({ cli, home, cloudsYaml: () => this.cloudsYaml, timeoutMs: 240_000, log: () => this.output() });
  }

  /** Start (or start again) and wait for "novacell is up". */
  async start(): Promise<void> {
    this.out = '';
    this.err = '';
    // The CLI runs in the spawned process itself, so SIGKILL (crash) and SIGTERM (stop) reach novacell;
    // through tsx's CLI wrapper a SIGKILL would leave novacell running as an orphan.
    const child = spawn(process.execPath, [
      '--import', TSX, MAIN, 'up', this.topology,
      '--data-dir', this.dataDir, '--api-listen', '127.0.0.1:0', '--broker-base-port', '0',
    ], { cwd: ROOT, env: { ...process.env, NOVACELL_LOG_LEVEL: this.logLevel }, stdio: ['ignore', 'pipe', 'pipe'] });
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

  /** The openstack CLI's environment (see openstack-cli.ts), and OPENSTACK for our scripts. */
  env(): NodeJS.ProcessEnv {
    return { ...this.osc.env(), OPENSTACK: this.cli };
  }

  openstack(...args: string[]): Promise<string> {
    return this.osc.openstack(...args);
  }

  json<T>(...args: string[]): Promise<T> {
    return this.osc.json<T>(...args);
  }

  /** Run a script of ours with this cloud's environment. */
  async script(name: string, ...args: string[]): Promise<string> {
    const { stdout } = await run(join(ROOT, 'scripts', name), args, { env: { ...process.env, ...this.env() }, timeout: 300_000 });
    return stdout;
  }
}
