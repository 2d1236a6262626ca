/** Actor system bootstrap: one nact system per process, a named root actor per cell. */
import nact from 'nact';
import type { Ref } from 'nact';

export type ActorSystem = Ref<never>;

export function startActorSystem(name = 'novacell'): ActorSystem {
  return nact.start(name);
}

export function stopActor(ref: Ref<unknown>): void {
  nact.stop(ref);
}

/**
 * A plain container actor (no behaviour of its own) that groups children, so that no actor has
 * thousands of children: nact copies an actor's children map on every message it handles.
 */
export function spawnGroup(parent: Ref<unknown>, name: string): Ref<unknown> {
  return nact.spawnStateless(parent, () => undefined, name);
}
