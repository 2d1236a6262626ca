/**
 * The QEMU drivers' default accelerator: KVM only where a stock guest kernel can run under it
 * (/dev/kvm and hardware virtualisation); a paravirtual /dev/kvm without vmx/svm gets TCG.
 */
import { describe, expect, it } from 'vitest';
import { hostAccel } from '../../../../../../actors/compute/drivers/qemu/config.ts';

const cpu = (flags: string) => `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme ${flags} sse2\nbugs\t\t: spectre_v1\n`;

describe('hostAccel', () => {
  it('is kvm with /dev/kvm and vmx or svm among the CPU flags', () => {
    expect(hostAccel(true, cpu('vmx pae'))).toBe('kvm');
    expect(hostAccel(true, cpu('svm pae'))).toBe('kvm');
  });

  it('is tcg with a /dev/kvm but no hardware virtualisation (kvm-pvm hangs stock kernels)', () => {
    expect(hostAccel(true, cpu('pae hypervisor'))).toBe('tcg');
    expect(hostAccel(true, 'model name\t: vmx svm\nflags\t\t: sse2\n')).toBe('tcg'); // not on the flags line
    expect(hostAccel(true, '')).toBe('tcg');
  });

  it('is tcg without /dev/kvm whatever the CPU has', () => {
    expect(hostAccel(false, cpu('vmx'))).toBe('tcg');
  });
});
