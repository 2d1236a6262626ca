/**
 * Nova's power states (nova/compute/power_state.py): what the hypervisor says a guest is doing. The
 * hypervisor is the authority; the power_state column is a recent snapshot of it, refreshed by the
 * compute manager's power-state sync and at the end of every task that changes it. The numbers are
 * Nova's (they once matched libvirt's virDomainState, hence the gaps at 2 and 5) because they are
 * stored in the instances table and shown by the API as OS-EXT-STS:power_state.
 */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  /** Powered off, whether by the guest or by the hypervisor. */
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;
export type PowerState = (typeof PowerState)[keyof typeof PowerState];

/** Nova's names for the power states (fields.InstancePowerState); 0 reads as "pending". */
export const POWER_STATE_NAMES: Readonly<Record<PowerState, string>> = {
  0: 'pending',
  1: 'running',
  3: 'paused',
  4: 'shutdown',
  6: 'crashed',
  7: 'suspended',
};

export function powerStateName(state: PowerState): string {
  return POWER_STATE_NAMES[state];
}

/** Narrow a number read from a database row or a bus message; Nova has no state 2 or 5 any more. */
export function isPowerState(n: unknown): n is PowerState {
  return typeof n === 'number' && Object.prototype.hasOwnProperty.call(POWER_STATE_NAMES, n);
}
