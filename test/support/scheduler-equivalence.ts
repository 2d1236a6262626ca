/**
 * Shared by the scheduler's equivalence tests (the fused scheduler against the plain
 * filter-then-weigh reference): the flavors they draw requests from, and a run's outcome as
 * comparable data (the selections, or the error's name).
 */
import type { FlavorSpec, Selection } from '../../actors/scheduler/types.ts';

export const FLAVORS: FlavorSpec[] = [
  { id: '1', name: 'tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
  { id: '2', name: 'small', vcpus: 1, memoryMb: 2048, rootGb: 20, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
  { id: '3', name: 'medium', vcpus: 2, memoryMb: 4096, rootGb: 40, ephemeralGb: 5, swapMb: 512, extraSpecs: {} },
  { id: '4', name: 'large', vcpus: 4, memoryMb: 8192, rootGb: 80, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
  { id: '5', name: 'huge', vcpus: 16, memoryMb: 65536, rootGb: 400, ephemeralGb: 0, swapMb: 0, extraSpecs: {} },
];

export function outcome(run: () => Selection[][]): Selection[][] | string {
  try {
    return run();
  } catch (e) {
    return (e as Error).name;
  }
}
