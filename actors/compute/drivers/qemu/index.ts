/**
 * The raw QEMU compute driver (compute_driver = qemu): one QEMU process per guest over QMP. Importing
 * this module registers it with the driver registry.
 */
import { registerDriver } from '../registry.ts';
import { qemuOptionsFrom } from './config.ts';
import { QemuDriver } from './qemu-driver.ts';

export { QemuDriver, QEMU_CAPABILITIES } from './qemu-driver.ts';
export type { QemuDriverOptions } from './config.ts';
export { QmpClient, QmpError, QmpClosed, type QmpEvent } from './qmp.ts';
export { BOOT_BANNER } from './guest.ts';

registerDriver('qemu', (opts) => new QemuDriver(qemuOptionsFrom(opts)), ['qemu.QemuDriver']);
