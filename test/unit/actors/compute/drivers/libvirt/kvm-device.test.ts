/**
 * The libvirt driver's start-up check of /dev/kvm: a warning exactly when the qemu user (group kvm)
 * cannot read and write the device, and the kvm group's id read from a group file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kvmDeviceWarning, readKvmGid } from '../../../../../../actors/compute/drivers/libvirt/kvm-device.ts';

const CHR = 0o020000;
const dev = (mode: number, gid: number) => ({ mode: CHR | mode, gid, isCharacterDevice: true });

describe('kvmDeviceWarning', () => {
  it('warns about a root-only device (no udev), with the command that fixes it', () => {
    const w = kvmDeviceWarning(dev(0o600, 0), 108);
    expect(w).toContain('mode 0600');
    expect(w).toContain('chgrp kvm /dev/kvm && chmod 0660 /dev/kvm');
  });

  it('warns when the group may read and write but the group is not kvm', () => {
    expect(kvmDeviceWarning(dev(0o660, 0), 108)).toContain('mode 0660');
    expect(kvmDeviceWarning(dev(0o660, 108), undefined)).toBeDefined();
  });

  it('is quiet for group kvm with read and write, for a device open to everyone, and without a device', () => {
    expect(kvmDeviceWarning(dev(0o660, 108), 108)).toBeUndefined();
    expect(kvmDeviceWarning(dev(0o666, 0), undefined)).toBeUndefined();
    expect(kvmDeviceWarning(undefined, 108)).toBeUndefined();
    expect(kvmDeviceWarning({ mode: 0o100600, gid: 0, isCharacterDevice: false }, 108)).toBeUndefined();
  });

  it('warns when the kvm group may only read', () => {
    expect(kvmDeviceWarning(dev(0o640, 108), 108)).toContain('mode 0640');
  });
});

describe('readKvmGid', () => {
  it('reads the kvm line of a group file; undefined without one or without the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'novacell-kvm-gid-'));
    try {
      const f = join(dir, 'group');
      writeFileSync(f, 'root:x:0:\nkvmx:x:7:\nkvm:x:108:libvirt-qemu\n');
      expect(readKvmGid(f)).toBe(108);
      writeFileSync(f, 'root:x:0:\nkvm:x::\n');
      expect(readKvmGid(f)).toBeUndefined();
      writeFileSync(f, 'root:x:0:\n');
      expect(readKvmGid(f)).toBeUndefined();
      expect(readKvmGid(join(dir, 'absent'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
