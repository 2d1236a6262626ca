/**
 * Errors only the drivers raise. Everything else a driver reports uses runtime/errors:
 * InstanceNotFound (unknown uuid), InstanceInvalidState (wrong power state), HypervisorError (the
 * hypervisor failed, so the manager reschedules the build).
 */
import { InstanceInvalidState, NovaError, errorMessage } from '../../../runtime/errors/index.ts';
import { powerStateName, type PowerState } from './power-state.ts';

/** Nova's InstanceExists: a spawn for a uuid the hypervisor already has (a duplicate build message). */
export class InstanceExists extends NovaError {
  constructor(name: string) {
    super(`Instance ${name} already exists.`);
  }
}

/** Nova's compute_driver names a driver nobody registered: a configuration error, fatal at start-up. */
export class UnknownComputeDriver extends NovaError {
  constructor(kind: string, known: readonly string[]) {
    super(`Unknown compute driver "${kind}"; known drivers: ${known.join(', ') || '(none)'}.`);
  }
}

/** InstanceInvalidState with Nova's message, for an operation the guest's power state does not allow. */
export function invalidPowerState(uuid: string, state: PowerState, method: string): InstanceInvalidState {
  return invalidState(uuid, 'power_state', powerStateName(state), method);
}

/** Nova's InstanceInvalidState message: "Instance X in <attr> <state>. Cannot <method> while ...". */
export function invalidState(uuid: string, attr: string, state: string, method: string): InstanceInvalidState {
  return new InstanceInvalidState(
    `Instance ${uuid} in ${attr} ${state}. Cannot ${method} while the instance is in this state.`,
  );
}

/** A driver without an optional operation (diagnostics, crash dumps): Nova's 501 notImplemented. */
export class NotSupportedByDriver extends NovaError {
  override readonly code = 501;
  override readonly fault = 'notImplemented';
  constructor(driver: string, what: string) {
    super(`The ${driver} driver does not support ${what}.`);
  }
}

/** What a failed child process (execFile) said: its stderr when it wrote any, else the error's message. */
export function execFailureText(e: unknown): string {
  if (e instanceof Error && 'stderr' in e && typeof e.stderr === 'string' && e.stderr !== '') return e.stderr;
  return errorMessage(e);
}
