/**
 * libvirt through `virsh` (one short process per call, ~30 ms here) and `virsh event --loop` (one
 * long-running process streaming lifecycle events). Chosen over a Node binding: the `libvirt` npm
 * package does not compile on Node 20, `@unraid/libvirt` needs libvirt-dev and a compiler at install
 * time and has no events or console streams, while virsh is in libvirt-clients, speaks every libvirt
 * API the driver needs, and fails with libvirt's own error text.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { HypervisorError } from '../../../../runtime/errors/index.ts';
import { execFailureText } from '../errors.ts';

const run = promisify(execFile);

export class Virsh {
  constructor(readonly uri: string, private readonly binary = 'virsh') {}

  /** Run `virsh -c uri <args>`; HypervisorError with libvirt's message on failure. */
  async run(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(this.binary, ['-q', '-c', this.uri, ...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (e) {
      throw new HypervisorError(`virsh ${args[0]} failed: ${execFailureText(e).trim().replace(/^error: /gm, '')}`);
    }
  }

  /** Like run, but a failure resolves undefined (for "destroy it if it runs"). */
  async try(...args: string[]): Promise<string | undefined> {
    return this.run(...args).catch(() => undefined);
  }

  /**
   * Stream lifecycle events: `onEvent(domain, event)` with libvirt's words, e.g. ("novacell-…",
   * "Stopped Shutdown"). Returns the child process so cleanup can end it.
   */
  events(onEvent: (domain: string, event: string) => void): ChildProcess {
    const child = spawn(this.binary, ['-c', this.uri, 'event', '--loop', '--all'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      const m = /^event '([\w-]+)' for domain '?([^':]+)'?: (.*)$/.exec(line.trim());
      if (m && m[1] === 'lifecycle') onEvent(m[2]!, m[3]!);
    });
    child.on('error', () => undefined);
    return child;
  }
}
