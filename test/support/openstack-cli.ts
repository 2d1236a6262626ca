/**
 * The real `openstack` CLI (python3-openstackclient) as a child process against a novacell endpoint,
 * for end-to-end tests. A clean environment by default (no OS_* variables, clouds.yaml or caches of
 * the machine running the tests), authenticated either by the clouds.yaml novacell writes or by a
 * password on the command line; stdout returned, `-f json` parsed; a failure names the command, keeps
 * its exit code and stderr, and shows the tail of novacell's output.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** /usr/bin/openstack first: another Python earlier on PATH may lack the client's modules. OPENSTACK_CLI overrides both. */
export function findOpenstackCli(): string | undefined {
  const candidates = [process.env['OPENSTACK_CLI'], '/usr/bin/openstack', '/usr/local/bin/openstack'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

/** A value known only later (e.g. the clouds.yaml path once novacell is up) may be given as a function. */
type Lazy<T> = T | (() => T);
const value = <T>(v: Lazy<T>): T => (typeof v === 'function' ? (v as () => T)() : v);

export interface OpenstackCliOptions {
  /** The binary, usually findOpenstackCli(). */
  cli: string;
  /**
   * HOME of a clean environment (PATH=/usr/bin:/bin, LANG=C.UTF-8, nothing else of the test's).
   * Without it the test's own environment is inherited.
   */
  home?: Lazy<string>;
  /** The clouds.yaml novacell wrote (OS_CLIENT_CONFIG_FILE) and the cloud in it (OS_CLOUD, default "novacell"). */
  cloudsYaml?: Lazy<string>;
  cloud?: string;
  /** Password authentication with --os-* options instead of a clouds.yaml (Keystone v3, Default domain). */
  auth?: { url: string; username: string; password: string; project: string };
  /** More environment, e.g. OS_COMPUTE_API_VERSION. */
  env?: Record<string, string>;
  /** Per command; default 120 s. */
  timeoutMs?: number;
  /** novacell's output, whose tail goes into a failure's message. */
  log?: () => string | undefined;
}

/** A failed command: its exit code and stderr as execFile gave them, and a message that says everything. */
export class OpenstackCliError extends Error {
  constructor(message: string, readonly args: readonly string[], readonly code: number | string | undefined, readonly stderr: string | undefined) {
    super(message);
    this.name = 'OpenstackCliError';
  }
}

export interface OpenstackCli {
  /** Run `openstack <args>`; resolves with its stdout. */
  openstack(...args: string[]): Promise<string>;
  /** Run `openstack <args> -f json` and parse what it prints. */
  json<T>(...args: string[]): Promise<T>;
  /** The environment the commands run with. */
  env(): NodeJS.ProcessEnv;
}

/** The functions close over `options` (safe to destructure: `const { openstack, json } = openstackCli(...)`). */
export function openstackCli(options: OpenstackCliOptions): OpenstackCli {
  const env = (): NodeJS.ProcessEnv => {
    const home = options.home === undefined ? undefined : value(options.home);
    const base: NodeJS.ProcessEnv = home === undefined ? { ...process.env } : { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
    const clouds = options.cloudsYaml === undefined ? {} : { OS_CLIENT_CONFIG_FILE: value(options.cloudsYaml), OS_CLOUD: options.cloud ?? 'novacell' };
    return { ...base, ...clouds, ...options.env };
  };
  const authArgs = (): string[] => {
    const a = options.auth;
    if (!a) return [];
    return [
      '--os-auth-url', a.url, '--os-username', a.username, '--os-password', a.password, '--os-project-name', a.project,
      '--os-user-domain-name', 'Default', '--os-project-domain-name', 'Default', '--os-identity-api-version', '3',
    ];
  };
  const openstack = async (...args: string[]): Promise<string> => {
    try {
      const { stdout } = await execFileAsync(options.cli, [...authArgs(), ...args], { env: env(), timeout: options.timeoutMs ?? 120_000 });
      return stdout;
    } catch (e) {
      const x = e as { stderr?: string; message: string; code?: number | string };
      const log = options.log?.();
      const tail = log === undefined ? '' : `\n--- novacell output ---\n${log.slice(-4000)}`;
      throw new OpenstackCliError(`openstack ${args.join(' ')} failed: ${x.stderr || x.message}${tail}`, args, x.code, x.stderr);
    }
  };
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await openstack(...args, '-f', 'json')) as T;
  return { openstack, json, env };
}
