/**
 * The libvirt domain XML of a guest (Nova's nova/virt/libvirt/config.py, reduced to what this guest
 * needs): `type='qemu'` (TCG) or kvm, kernel/initrd/cmdline for an AMI-style image, the qcow2 overlay
 * (behind the rescue disk while rescued), a serial console on a loopback TCP port logged to a file,
 * VNC and SPICE on loopback with automatic ports, and user networking with the guest's fixed IP
 * (passed as QEMU arguments: libvirt 9 cannot set slirp's dhcpstart). QEMU runs as root:root
 * (static DAC label, no relabelling), so instance directories need not be opened to libvirt-qemu.
 * A config drive, when the instance has one, is a read-only raw virtio disk after the others.
 */
import type { GuestPaths, GuestRecord } from '../qemu/guest-files.ts';
import { safeHostname } from '../qemu/process.ts';

export function domainName(uuid: string): string {
  return `novacell-${uuid}`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

export function domainXml(r: GuestRecord, p: GuestPaths, virtType: 'qemu' | 'kvm', serialPort: number): string {
  const rescue = r.rescue;
  const direct = rescue ? rescue.directKernel : r.directKernel;
  const cmdline = ['console=ttyS0', 'quiet', `novacell.uuid=${r.uuid}`, `novacell.hostname=${safeHostname(r.hostname)}`, ...(rescue ? ['novacell.rescue=1'] : [])].join(' ');
  const disks: string[] = [];
  const disk = (file: string, dev: string) =>
    `    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${esc(file)}'/><target dev='${dev}' bus='virtio'/></disk>`;
  if (rescue?.hasDisk) disks.push(disk(p.rescueDisk, 'vda'));
  if (r.hasDisk) disks.push(disk(p.disk, rescue?.hasDisk ? 'vdb' : 'vda'));
  // The config drive (ISO 9660, config-2), read-only after the other disks.
  if (r.configDrive) {
    disks.push(`    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${esc(p.configDrive)}'/><target dev='vd${String.fromCharCode(97 + disks.length)}' bus='virtio'/><readonly/></disk>`);
  }
  const n = r.network;
  const netdev = `user,id=net0,net=${n.cidr},host=${n.gateway},dhcpstart=${n.address},hostname=${safeHostname(r.hostname)}`;
  return `<domain type='${virtType}' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>${domainName(r.uuid)}</name>
  <uuid>${r.uuid}</uuid>
  <title>${esc(r.name)}</title>
  <memory unit='MiB'>${r.memoryMb}</memory>
  <vcpu>${r.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
${direct ? `    <kernel>${esc(rescue ? p.rescueKernel : p.kernel)}</kernel>
    <initrd>${esc(rescue ? p.rescueRamdisk : p.ramdisk)}</initrd>
    <cmdline>${esc(cmdline)}</cmdline>
` : ''}  </os>
  <features><acpi/></features>
  <cpu mode='${virtType === 'kvm' ? 'host-passthrough' : 'custom'}'>${virtType === 'kvm' ? '' : '<model fallback=\'allow\'>qemu64</model>'}</cpu>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
${disks.join('\n')}
    <serial type='tcp'>
      <source mode='bind' host='127.0.0.1' service='${serialPort}'/>
      <protocol type='raw'/>
      <log file='${esc(p.serialLog)}' append='on'/>
      <target port='0'/>
    </serial>
    <console type='tcp'><source mode='bind' host='127.0.0.1' service='${serialPort}'/><protocol type='raw'/><target type='serial' port='0'/></console>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
    <graphics type='spice' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
    <memballoon model='none'/>
  </devices>
  <seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>
  <qemu:commandline>
    <qemu:arg value='-netdev'/><qemu:arg value='${esc(netdev)}'/>
    <qemu:arg value='-device'/><qemu:arg value='virtio-net-pci,netdev=net0,mac=${esc(n.mac)},bus=pci.0,addr=0x10'/>
  </qemu:commandline>
</domain>
`;
}
