/**
 * The fake guest's serial console: a short, deterministic boot log per power event, rendered on demand
 * from a few timestamps so that a simulated host with many guests keeps almost nothing in memory. It
 * looks enough like a cloud image's console (kernel lines, cloud-init, login prompt) for the API's
 * os-getConsoleOutput and its `length` tail to be exercised realistically.
 */
import { isoSeconds } from '../../../runtime/clock/index.ts';

export type ConsoleEventKind = 'boot' | 'rescue-boot' | 'restart' | 'halt' | 'panic';

export interface ConsoleEvent {
  kind: ConsoleEventKind;
  /** Clock time (ms) of the event. */
  at: number;
  imageId: string;
}

/** What the log mentions about its guest. */
export interface ConsoleGuest {
  uuid: string;
  hostname: string;
  vcpus: number;
  memoryMb: number;
  imageId: string;
  interfaces: ReadonlyArray<{ mac: string; ips: readonly string[] }>;
}

/** Older boots fall off, as a real console log file is capped (libvirt keeps the last 100 KiB). */
const MAX_EVENTS = 16;

/** Kernel-style "[   12.345678]" seconds since the guest booted. */
function stamp(sinceBootMs: number): string {
  const us = Math.max(0, Math.round(sinceBootMs * 1000));
  const s = Math.floor(us / 1_000_000);
  return `[${String(s).padStart(5, ' ')}.${String(us % 1_000_000).padStart(6, '0')}]`;
}

export class FakeConsoleLog {
  /** Made with its first event (an array grown by push from empty reserves room for 16). */
  private events: ConsoleEvent[] = [];

  constructor(private readonly guest: ConsoleGuest) {}

  /** A log written out by toJSON (the FakeDriver's state file), with its events as they were. */
  static fromJSON(saved: { guest: ConsoleGuest; events: readonly ConsoleEvent[] }): FakeConsoleLog {
    const log = new FakeConsoleLog(saved.guest);
    log.events.push(...saved.events.slice(-MAX_EVENTS).map((e) => ({ ...e })));
    return log;
  }

  toJSON(): { guest: ConsoleGuest & { interfaces: Array<{ mac: string; ips: string[] }> }; events: ConsoleEvent[] } {
    const g = this.guest;
    return {
      guest: { ...g, interfaces: g.interfaces.map((i) => ({ mac: i.mac, ips: [...i.ips] })) },
      events: this.events.map((e) => ({ ...e })),
    };
  }

  record(kind: ConsoleEventKind, at: number, imageId = this.guest.imageId): void {
    const e = { kind, at, imageId };
    if (this.events.length === 0) this.events = [e];
    else this.events.push(e);
    if (this.events.length > MAX_EVENTS) this.events.shift();
  }

  render(): string {
    const lines: string[] = [];
    let bootAt: number | undefined;
    for (const ev of this.events) {
      if (ev.kind === 'boot' || ev.kind === 'rescue-boot') {
        bootAt = ev.at;
        lines.push(...this.bootLines(ev));
        continue;
      }
      const up = stamp(bootAt === undefined ? 0 : ev.at - bootAt);
      if (ev.kind === 'restart') lines.push(`${up} reboot: Restarting system`);
      if (ev.kind === 'halt') lines.push(`${up} reboot: Power down`);
      if (ev.kind === 'panic') lines.push(`${up} Kernel panic - not syncing: Fatal exception in interrupt`);
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  private bootLines(ev: ConsoleEvent): string[] {
    const g = this.guest;
    const rescue = ev.kind === 'rescue-boot';
    const lines = [
      `${stamp(0)} Linux version 6.1.0-novacell-fake (builder@novacell) #1 SMP PREEMPT_DYNAMIC`,
      `${stamp(0)} Command line: BOOT_IMAGE=/boot/vmlinuz root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0`,
      `${stamp(0)} DMI: OpenStack Foundation OpenStack Nova, BIOS 1.16.3 04/01/2014`,
      `${stamp(12)} Memory: ${g.memoryMb * 1024}K available`,
      `${stamp(40)} smpboot: Allowing ${g.vcpus} CPUs, 0 hotplug CPUs`,
      `${stamp(1104)} EXT4-fs (vda1): mounted filesystem with ordered data mode.`,
    ];
    if (rescue) lines.push(`${stamp(1110)} Rescue image ${ev.imageId}: instance disk attached as vdb`);
    lines.push(
      `Cloud-init v. 23.4 running 'init' at ${isoSeconds(ev.at + 3210)}. Up 3.21 seconds.`,
      `ci-info: instance-id: ${g.uuid} image: ${ev.imageId}`,
    );
    g.interfaces.forEach((vif, i) => {
      lines.push(`ci-info: | eth${i} | True | ${vif.ips.join(',') || '.'} | ${vif.mac} |`);
    });
    lines.push(
      `Cloud-init v. 23.4 finished at ${isoSeconds(ev.at + 5020)}. Datasource DataSourceOpenStackLocal.  Up 5.02 seconds`,
      '',
      `${g.hostname} login: `,
    );
    return lines;
  }
}
