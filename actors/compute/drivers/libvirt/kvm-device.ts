/**
 * A /dev/kvm the qemu user cannot open (root-only, as a machine without udev leaves it) makes libvirtd
 * call its cached QEMU capabilities outdated and probe QEMU again at every lookup: ~4 s each, about a
 * minute for one `virsh define`. The libvirt driver says so when it starts (docs/hypervisors.md).
 */
import { readFileSync, statSync } from 'node:fs';

/** What is looked at: the device's mode and group, and the kvm group's id (undefined: no such group). */
export interface KvmDevice {
  mode: number;
  gid: number;
  isCharacterDevice: boolean;
}

/** The warning to log, or undefined when there is no /dev/kvm or the kvm group (or everyone) may use it. */
export function kvmDeviceWarning(dev: KvmDevice | undefined, kvmGid: number | undefined): string | undefined {
  if (!dev || !dev.isCharacterDevice) return undefined;
  const othersRw = (dev.mode & 0o006) === 0o006;
  const groupRw = (dev.mode & 0o060) === 0o060 && kvmGid !== undefined && dev.gid === kvmGid;
  if (othersRw || groupRw) return undefined;
  return `/dev/kvm (mode ${(dev.mode & 0o777).toString(8).padStart(4, '0')}) is not open to the kvm group: libvirtd will probe QEMU again at every capability lookup (about a minute per spawn); give it the group and mode udev would: chgrp kvm /dev/kvm && chmod 0660 /dev/kvm`;
}

/** This machine's /dev/kvm, or undefined. */
export function readKvmDevice(): KvmDevice | undefined {
  try {
    const s = statSync('/dev/kvm');
    return { mode: s.mode, gid: s.gid, isCharacterDevice: s.isCharacterDevice() };
  } catch {
    return undefined;
  }
}

/** The kvm group's id from /etc/group (`kvm:x:<gid>:…`), or undefined. */
export function readKvmGid(groupFile = '/etc/group'): number | undefined {
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'kvm' && f.length >= 3) {
      const gid = Number(f[2]);
      return Number.isInteger(gid) && f[2] !== '' ? gid : undefined;
    }
  }
  return undefined;
}
