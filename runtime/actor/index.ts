/** Actor: nact bootstrap, typed service actors (ask/tell), grouping actors, named supervision policies. */
export { startActorSystem, stopActor, spawnGroup } from './system.ts';
export type { ActorSystem } from './system.ts';
export { spawnService, ask, tell } from './service-actor.ts';
export type { ServiceRef, SpawnServiceOptions } from './service-actor.ts';
export { supervisionDirective } from './supervision.ts';
export type { SupervisionPolicyName } from './supervision.ts';
