/**
 * Nova's instance states: vm_state (what the instance is), task_state (what is being done to it) and
 * the transitions the control plane allows. Names are Nova's (nova/compute/vm_states.py,
 * task_states.py); power states live with the drivers.
 */
export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  STOPPED: 'stopped',
  RESCUED: 'rescued',
  RESIZED: 'resized',
  SOFT_DELETED: 'soft-delete',
  DELETED: 'deleted',
  ERROR: 'error',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;
export type VmState = (typeof VmState)[keyof typeof VmState];

export const TaskState = {
  SCHEDULING: 'scheduling',
  NETWORKING: 'networking',
  BLOCK_DEVICE_MAPPING: 'block_device_mapping',
  SPAWNING: 'spawning',
  DELETING: 'deleting',
  REBOOTING: 'rebooting',
  REBOOTING_HARD: 'rebooting_hard',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  REBUILDING: 'rebuilding',
  RESIZE_PREP: 'resize_prep',
  RESIZE_MIGRATING: 'resize_migrating',
  RESIZE_REVERTING: 'resize_reverting',
  RESIZE_CONFIRMING: 'resize_confirming',
  SHELVING: 'shelving',
  SHELVING_OFFLOADING: 'shelving_offloading',
  UNSHELVING: 'unshelving',
  RESCUING: 'rescuing',
  UNRESCUING: 'unrescuing',
  IMAGE_SNAPSHOT: 'image_snapshot',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** Power actions the API can ask of a running instance, with Nova's task state and the states they start from. */
export const POWER_ACTIONS = {
  reboot: { task: TaskState.REBOOTING, from: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.ERROR] },
  reboot_hard: { task: TaskState.REBOOTING_HARD, from: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.ERROR] },
  stop: { task: TaskState.POWERING_OFF, from: [VmState.ACTIVE, VmState.ERROR] },
  start: { task: TaskState.POWERING_ON, from: [VmState.STOPPED] },
  pause: { task: TaskState.PAUSING, from: [VmState.ACTIVE] },
  unpause: { task: TaskState.UNPAUSING, from: [VmState.PAUSED] },
  suspend: { task: TaskState.SUSPENDING, from: [VmState.ACTIVE] },
  resume: { task: TaskState.RESUMING, from: [VmState.SUSPENDED] },
} as const satisfies Record<string, { task: TaskState; from: readonly VmState[] }>;
export type PowerAction = keyof typeof POWER_ACTIONS;

/** vm_state an instance lands in once a power action succeeded. */
export const POWER_ACTION_RESULT: Record<PowerAction, VmState> = {
  reboot: VmState.ACTIVE,
  reboot_hard: VmState.ACTIVE,
  stop: VmState.STOPPED,
  start: VmState.ACTIVE,
  pause: VmState.PAUSED,
  unpause: VmState.ACTIVE,
  suspend: VmState.SUSPENDED,
  resume: VmState.ACTIVE,
};
