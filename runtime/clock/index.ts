/** Clock: injected time for the control plane (real for deployments, virtual for simulation and tests). */
export type { Clock, TimerHandle } from './clock.ts';
export { isoSeconds } from './clock.ts';
export { RealClock } from './real-clock.ts';
export { VirtualClock, settle } from './virtual-clock.ts';
export { WorkCounter } from './work.ts';
export type { WorkPort } from './work.ts';
