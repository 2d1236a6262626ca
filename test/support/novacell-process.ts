/**
 * A `novacell` command as a real child process for end-to-end tests: `node --import tsx cli/main.ts
 * …` (the same as bin/novacell.js), stdout kept for waiting on its lines, stdout and stderr appended to
 * a log file (JSON logs at info level) to read when a test fails, exit awaited or forced.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');
/** `node --import TSX MAIN …` runs the CLI in this very process (tsx's own CLI would run it in a child). */
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const MAIN = join(ROOT, 'cli', 'main.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class NovacellProcess {
  readonly exited: Promise<Exit>;
  private out = '';
  private readonly child: ChildProcess;

  constructor(readonly name: string, readonly args: string[], logFile: string, env: Record<string, string> = {}) {
    const log = createWriteStream(logFile, { flags: 'a' });
    log.write(`\n=== ${new Date().toISOString()} novacell ${args.join(' ')}\n`);
    const childEnv: NodeJS.ProcessEnv = { ...process.env, NOVACELL_LOG_LEVEL: 'info', ...env };
    delete childEnv.VITEST;
    this.child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString();
      log.write(d);
    });
    this.child.stderr!.on('data', (d: Buffer) => log.write(d));
    // The log ends when every pipe has closed, not at exit: processes the command started (the cells of
    // `up --processes`) share its stderr and may still write there after it was SIGKILLed.
    this.child.once('close', () => log.end());
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  stdout(): string {
    return this.out;
  }

  /** Resolve with the first stdout line matching `re`; reject if the process exits first or time runs out. */
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let gone: Exit | undefined;
    void this.exited.then((e) => (gone = e));
    for (;;) {
      const line = this.out.split('\n').find((l) => re.test(l));
      if (line) return line;
      if (gone) throw new Error(`${this.name} exited (${gone.code ?? gone.signal}) before printing ${re}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no line matching ${re} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<Exit> {
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Run a short command to its end; resolves with its exit code and output. */
export async function runNovacell(args: string[], logFile: string, env: Record<string, string> = {}): Promise<Exit & { stdout: string }> {
  const p = new NovacellProcess(args[0] ?? 'novacell', args, logFile, env);
  const exit = await p.exited;
  return { ...exit, stdout: p.stdout() };
}
