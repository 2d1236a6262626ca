/** The driver a planned host gets by default: the FakeDriver, sized and tuned from the topology. */
import type { Clock } from '../../runtime/clock/index.ts';
import type { Rng } from '../../runtime/rng/index.ts';
import type { PlanHost } from '../../topology/plan-types.ts';
import { FakeDriver } from '../../actors/compute/drivers/fake.ts';
import type { ComputeDriver } from '../../actors/compute/drivers/driver.ts';

export function defaultDriver(clock: Clock, rng: Rng, h: PlanHost): ComputeDriver {
  return new FakeDriver({
    clock, rng: rng.stream(`fake-driver:${h.name}`),
    resources: { vcpus: h.vcpus, memoryMb: h.memory_mb, localGb: h.disk_gb, hypervisorType: h.hypervisor_type, cpuArch: h.cpu_arch },
    spawnTimeMs: h.driver_options.spawn_time_ms ?? 0, failureRate: h.driver_options.failure_rate ?? 0,
  });
}
