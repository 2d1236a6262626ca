/**
 * libvirtd for tests: there is no systemd here, so when no libvirtd answers on qemu:///system the
 * test starts one by hand (`virtlogd -d`, `libvirtd -d`, as docs/hypervisors.md tells an operator)
 * and stops exactly those processes afterwards, by the pids they wrote, if no other domains exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function answers(): boolean {
  try {
    execFileSync('virsh', ['-c', 'qemu:///system', 'version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

export function libvirtInstalled(): boolean {
  try {
    execFileSync('libvirtd', ['--version'], { stdio: 'ignore' });
    execFileSync('virsh', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Libvirtd {
  stop(): void;
}

export async function ensureLibvirtd(dir: string): Promise<Libvirtd> {
  if (answers()) return { stop: () => undefined };
  const pids = [join(dir, 'virtlogd.pid'), join(dir, 'libvirtd.pid')];
  if (!existsSync('/run/virtlogd.pid')) execFileSync('virtlogd', ['-d', '-p', pids[0]!]);
  execFileSync('libvirtd', ['-d', '-p', pids[1]!]);
  for (let i = 0; i < 100 && !answers(); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    stop() {
      const left = execFileSync('virsh', ['-q', '-c', 'qemu:///system', 'list', '--all', '--name'], { encoding: 'utf8' }).trim();
      if (left) return; // someone else's domains: leave their libvirtd running
      for (const f of [...pids].reverse()) {
        if (!existsSync(f)) continue;
        const pid = Number(readFileSync(f, 'utf8').trim());
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // gone already
          }
        }
      }
    },
  };
}
