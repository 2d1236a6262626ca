/**
 * Server status from (vm_state, task_state), and back, as nova/api/openstack/common.py maps them.
 */

const STATE_MAP: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  active: {
    default: 'ACTIVE', rebooting: 'REBOOT', reboot_pending: 'REBOOT', reboot_started: 'REBOOT',
    rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT',
    updating_password: 'PASSWORD', rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD',
    rebuild_spawning: 'REBUILD', migrating: 'MIGRATING', resize_prep: 'RESIZE', resize_migrating: 'RESIZE',
    resize_migrated: 'RESIZE', resize_finish: 'RESIZE',
  },
  building: { default: 'BUILD' },
  stopped: {
    default: 'SHUTOFF', resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_migrated: 'RESIZE',
    resize_finish: 'RESIZE', rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD',
  },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED', migrating: 'MIGRATING' },
  suspended: { default: 'SUSPENDED' },
  rescued: { default: 'RESCUE' },
  error: { default: 'ERROR', rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' },
  deleted: { default: 'DELETED' },
  'soft-delete': { default: 'SOFT_DELETED' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

export function statusFromState(vmState: string, taskState: string | null): string {
  const m = STATE_MAP[vmState];
  if (!m) return 'UNKNOWN';
  return (taskState !== null ? m[taskState] : undefined) ?? m['default']!;
}

/** The (vm_state, task_state) pairs a list of statuses means; empty when none is known. */
export function statesFromStatuses(statuses: readonly string[]): Array<{ vmState: string; taskState: string }> {
  const wanted = new Set(statuses.map((s) => s.toLowerCase()));
  const out: Array<{ vmState: string; taskState: string }> = [];
  for (const [vm, tasks] of Object.entries(STATE_MAP)) {
    for (const [task, status] of Object.entries(tasks)) if (wanted.has(status.toLowerCase())) out.push({ vmState: vm, taskState: task });
  }
  return out;
}

/** Does an instance match one of the pairs ("default" matches any task state the map does not name)? */
export function matchesStates(vmState: string, taskState: string | null, pairs: ReadonlyArray<{ vmState: string; taskState: string }>): boolean {
  return pairs.some((p) => p.vmState === vmState && (p.taskState === 'default' ? statusFromState(vmState, taskState) === statusFromState(vmState, null) : p.taskState === taskState));
}
