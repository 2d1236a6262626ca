/**
 * Hypervisor drivers for the compute manager: the ComputeDriver contract (Nova's nova/virt/driver.py),
 * power states, capabilities and their placement traits, the in-memory FakeDriver used by tests and
 * the simulator, and the registry that builds a driver from Nova's compute_driver option.
 */
export { PowerState, POWER_STATE_NAMES, powerStateName, isPowerState } from './power-state.ts';
export type {
  AvailableResource,
  ComputeDriver,
  ConsoleInfo,
  InstanceInfo,
  LifecycleEvent,
  LifecycleListener,
  LifecycleTransition,
} from './driver.ts';
export type {
  BlockDeviceInfo,
  BlockDeviceMapping,
  DestroyOptions,
  GuestOpContext,
  ImageMeta,
  InjectedFile,
  NetworkInfo,
  RescueContext,
  SpawnContext,
  SpawnFlavor,
  SpawnInstance,
  VifInfo,
  VifIp,
} from './spawn-context.ts';
export {
  CAPABILITY_TRAITS,
  DEFAULT_CAPABILITIES,
  capabilitiesAsTraits,
  type CapabilityName,
  type DriverCapabilities,
} from './capabilities.ts';
export { InstanceExists, UnknownComputeDriver } from './errors.ts';
export { FakeDriver } from './fake.ts';
export {
  DEFAULT_FAKE_RESOURCES,
  FAKE_CAPABILITIES,
  type FakeDriverOptions,
  type FakeDriverResources,
} from './fake-config.ts';
export type { FakeGuestView } from './fake-guest.ts';
export { createDriver, knownDriverKinds, registerDriver, type DriverFactory, type DriverOptions } from './registry.ts';
