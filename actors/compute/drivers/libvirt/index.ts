/**
 * The libvirt compute driver (compute_driver = libvirt.LibvirtDriver), driven through virsh.
 * Importing this module registers it with the driver registry.
 */
import { registerDriver } from '../registry.ts';
import { qemuOptionsFrom } from '../qemu/config.ts';
import { LibvirtDriver } from './libvirt-driver.ts';

export { LibvirtDriver, type LibvirtDriverOptions } from './libvirt-driver.ts';
export { domainName, domainXml } from './domain-xml.ts';

registerDriver('libvirt', (opts) => new LibvirtDriver(qemuOptionsFrom(opts)), ['libvirt.LibvirtDriver']);
