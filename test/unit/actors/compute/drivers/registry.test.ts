/** Driver registry, capabilities-as-traits and power-state names. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import {
  DEFAULT_CAPABILITIES,
  FAKE_CAPABILITIES,
  FakeDriver,
  PowerState,
  UnknownComputeDriver,
  capabilitiesAsTraits,
  createDriver,
  isPowerState,
  knownDriverKinds,
  powerStateName,
  registerDriver,
} from '../../../../../actors/compute/drivers/index.ts';

const opts = () => ({ clock: new VirtualClock(), rng: new SeededRng('s').stream('driver') });

describe('createDriver', () => {
  it('builds the fake driver by kind or by Nova\'s compute_driver name', () => {
    expect(createDriver('fake', opts())).toBeInstanceOf(FakeDriver);
    expect(createDriver('fake.FakeDriver', opts()).name).toBe('fake');
  });

  it('names the known kinds when asked for an unknown one', () => {
    expect(() => createDriver('libvirt.LibvirtDriver', opts())).toThrow(UnknownComputeDriver);
    expect(() => createDriver('vmware', opts())).toThrow('Unknown compute driver "vmware"; known drivers: fake.');
  });

  it('refuses to register a kind twice', () => {
    expect(knownDriverKinds()).toContain('fake');
    expect(() => registerDriver('fake', (o) => new FakeDriver(o))).toThrow(/already registered/);
  });
});

describe('capabilities', () => {
  it('reports the fake driver\'s capabilities as placement traits, keeping unsupported ones as false', () => {
    const traits = capabilitiesAsTraits(FAKE_CAPABILITIES);
    expect(traits.COMPUTE_NET_ATTACH_INTERFACE).toBe(true);
    expect(traits.COMPUTE_IMAGE_TYPE_RAW).toBe(true);
    expect(traits.COMPUTE_IMAGE_TYPE_QCOW2).toBe(false);
    expect(traits.COMPUTE_SAME_HOST_COLD_MIGRATE).toBe(false);
    expect('hasImagecache' in traits).toBe(false);
    expect(Object.values(capabilitiesAsTraits(DEFAULT_CAPABILITIES)).every((v) => v === false)).toBe(true);
  });

  it('honours image_type_exclude_list', () => {
    expect(capabilitiesAsTraits(FAKE_CAPABILITIES, ['raw']).COMPUTE_IMAGE_TYPE_RAW).toBe(false);
  });
});

describe('power states', () => {
  it('uses Nova\'s numbers and names', () => {
    expect(PowerState).toEqual({ NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 });
    expect(powerStateName(PowerState.NOSTATE)).toBe('pending');
    expect(powerStateName(PowerState.SHUTDOWN)).toBe('shutdown');
    expect(isPowerState(7)).toBe(true);
    expect(isPowerState(5)).toBe(false);
    expect(isPowerState('1')).toBe(false);
  });
});
