/** Shared fixtures for driver tests: a spawn context per instance and a ready FakeDriver on a VirtualClock. */
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { FakeDriver, type FakeDriverOptions, type SpawnContext } from '../../../../../actors/compute/drivers/index.ts';

export const HOST = 'compute-1';

export function spawnCtx(uuid: string, overrides: Partial<SpawnContext['instance']> = {}, extra: Partial<SpawnContext> = {}): SpawnContext {
  return {
    instance: {
      uuid,
      name: `instance-${uuid.slice(0, 8)}`,
      hostname: `vm-${uuid.slice(0, 4)}`,
      projectId: 'p1',
      userId: 'u1',
      vcpus: 2,
      memoryMb: 2048,
      rootGb: 20,
      ephemeralGb: 0,
      swapMb: 0,
      metadata: {},
      ...overrides,
    },
    image: { id: 'img-cirros', properties: {} },
    injectedFiles: [],
    adminPassword: null,
    networkInfo: [],
    blockDeviceInfo: null,
    ...extra,
  };
}

export async function makeDriver(
  opts: Partial<Omit<FakeDriverOptions, 'clock' | 'rng'>> = {},
  seed = 'seed-1',
): Promise<{ driver: FakeDriver; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const driver = new FakeDriver({ clock, rng: new SeededRng(seed).stream('fake-driver'), ...opts });
  await driver.init(HOST);
  return { driver, clock };
}

/** Whether a promise has settled, without waiting for it. */
export function track<T>(p: Promise<T>): { settled: () => boolean; result: Promise<T> } {
  let settled = false;
  const result = p.finally(() => {
    settled = true;
  });
  result.catch(() => undefined);
  return { settled: () => settled, result };
}
