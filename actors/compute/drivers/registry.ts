/**
 * Driver registry: turns Nova's [DEFAULT] compute_driver option into a driver instance. A compute
 * actor asks for a kind by name and never imports a driver module itself, so plugins (libvirt, raw
 * QEMU) can be added without touching the compute manager. Nova's own spellings ('fake.FakeDriver',
 * 'libvirt.LibvirtDriver') are accepted as aliases so an operator's nova.conf value works unchanged.
 */
import type { Clock } from '../../../runtime/clock/index.ts';
import type { RandomStream } from '../../../runtime/rng/index.ts';
import type { ComputeDriver } from './driver.ts';
import { UnknownComputeDriver } from './errors.ts';
import type { FakeDriverOptions } from './fake-config.ts';
import { FakeDriver } from './fake.ts';

/** What every driver is built with; each kind reads its own extra options from the same object. */
export interface DriverOptions {
  clock: Clock;
  rng: RandomStream;
  [option: string]: unknown;
}

export type DriverFactory = (opts: DriverOptions) => ComputeDriver;

const factories = new Map<string, DriverFactory>();
const aliases = new Map<string, string>();

/**
 * Make a driver kind available to createDriver. Plugins call this when their module is loaded
 * (libvirt: registerDriver('libvirt', ..., ['libvirt.LibvirtDriver']); qemu likewise). Registering a
 * kind twice is a programming error, not an override.
 */
export function registerDriver(kind: string, factory: DriverFactory, novaNames: readonly string[] = []): void {
  if (factories.has(kind) || aliases.has(kind)) throw new Error(`compute driver "${kind}" is already registered`);
  factories.set(kind, factory);
  for (const alias of novaNames) aliases.set(alias, kind);
}

/** Registered kinds, sorted, for error messages and `novacell` help text. */
export function knownDriverKinds(): string[] {
  return [...factories.keys()].sort();
}

export function createDriver(kind: 'fake', opts: FakeDriverOptions): FakeDriver;
export function createDriver(kind: string, opts: DriverOptions): ComputeDriver;
export function createDriver(kind: string, opts: DriverOptions | FakeDriverOptions): ComputeDriver {
  const factory = factories.get(aliases.get(kind) ?? kind);
  if (!factory) throw new UnknownComputeDriver(kind, knownDriverKinds());
  return factory({ ...opts });
}

registerDriver('fake', (opts) => new FakeDriver(opts), ['fake.FakeDriver']);
// libvirt and qemu plugins register here when they land (actors/compute/drivers/libvirt/, qemu/),
// by importing registerDriver and calling it from their module, then being imported by index.ts.
