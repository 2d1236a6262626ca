/**
 * The fake hypervisor of a simulated host, with a power switch: while a fault has the host down, every
 * spawn fails at once (the compute service answers, its hypervisor does not), so the conductor
 * reschedules until the missed heartbeats take the host out of scheduling.
 */
import { HypervisorError } from '../../runtime/errors/index.ts';
import { FakeDriver } from '../../actors/compute/drivers/fake.ts';
import type { SpawnContext } from '../../actors/compute/drivers/spawn-context.ts';

export class SimFakeDriver extends FakeDriver {
  down = false;

  override async spawn(ctx: SpawnContext): Promise<void> {
    if (this.down) throw new HypervisorError(`Failed to spawn instance ${ctx.instance.uuid}: the host is down.`);
    return super.spawn(ctx);
  }
}
