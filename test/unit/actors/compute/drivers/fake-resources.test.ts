/** FakeDriver host view: the compute_nodes record it reports and the consoles of its guests. */
import { describe, expect, it } from 'vitest';
import { ComputeHostNotFound, HypervisorError, InstanceInvalidState } from '../../../../../runtime/errors/index.ts';
import { VirtualClock } from '../../../../../runtime/clock/index.ts';
import { SeededRng } from '../../../../../runtime/rng/index.ts';
import { FakeDriver } from '../../../../../actors/compute/drivers/index.ts';
import { HOST, makeDriver, spawnCtx, track } from './helpers.ts';
import { ConsoleTypeUnavailable } from '../../../../../actors/console/errors.ts';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const resources = { vcpus: 16, memoryMb: 65536, localGb: 1000 };

describe('FakeDriver resources', () => {
  it('reports totals, Nova\'s fields and no usage on an empty host', async () => {
    const { driver } = await makeDriver({ resources });
    expect(await driver.getAvailableNodes()).toEqual([HOST]);
    const r = await driver.getAvailableResource(HOST);
    expect(r).toMatchObject({
      vcpus: 16, memory_mb: 65536, local_gb: 1000,
      vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0,
      hypervisor_type: 'fake', hypervisor_version: 1000, hypervisor_hostname: HOST,
      disk_available_least: 1000, supported_instances: [['x86_64', 'fake', 'hvm']], numa_topology: null,
    });
    expect(JSON.parse(r.cpu_info)).toMatchObject({ arch: 'x86_64', topology: { sockets: 1, cores: 16, threads: 1 } });
  });

  it('defaults to Nova\'s roomy fake host', async () => {
    const { driver } = await makeDriver();
    expect(await driver.getAvailableResource(HOST)).toMatchObject({ vcpus: 1000, memory_mb: 800000, local_gb: 600000 });
  });

  it('counts guests from the start of their build until they are destroyed, whatever their power state', async () => {
    const { driver, clock } = await makeDriver({ resources, spawnTimeMs: 1000 });
    const a = track(driver.spawn(spawnCtx(A, { vcpus: 4, memoryMb: 8192, rootGb: 40, ephemeralGb: 10, swapMb: 1536 })));
    expect(await driver.getAvailableResource(HOST)).toMatchObject({ vcpus_used: 4, memory_mb_used: 8192, local_gb_used: 52 });
    await clock.advance(1000);
    await a.result;
    const b = track(driver.spawn(spawnCtx(B, { vcpus: 1, memoryMb: 512, rootGb: 1 })));
    await clock.advance(1000);
    await b.result;
    await driver.powerOff(B);
    expect(await driver.getAvailableResource(HOST)).toMatchObject({
      vcpus_used: 5, memory_mb_used: 8704, local_gb_used: 53, disk_available_least: 947,
    });
    await driver.destroy(A);
    expect(await driver.getAvailableResource(HOST)).toMatchObject({ vcpus_used: 1, memory_mb_used: 512, local_gb_used: 1 });
  });

  it('reports the configured hypervisor type and architecture', async () => {
    const { driver } = await makeDriver({ resources: { ...resources, hypervisorType: 'QEMU', cpuArch: 'aarch64' } });
    const r = await driver.getAvailableResource(HOST);
    expect(r.hypervisor_type).toBe('QEMU');
    expect(r.supported_instances).toEqual([['aarch64', 'qemu', 'hvm']]);
    expect(JSON.parse(r.cpu_info).arch).toBe('aarch64');
  });

  it('knows only its own node and nothing before init', async () => {
    const { driver } = await makeDriver();
    await expect(driver.getAvailableResource('other-host')).rejects.toBeInstanceOf(ComputeHostNotFound);
    const fresh = new FakeDriver({ clock: new VirtualClock(), rng: new SeededRng('s').stream('d') });
    await expect(fresh.getAvailableResource(HOST)).rejects.toBeInstanceOf(HypervisorError);
    await expect(fresh.spawn(spawnCtx(A))).rejects.toBeInstanceOf(HypervisorError);
  });

  it('rejects negative totals', () => {
    expect(() => new FakeDriver({ clock: new VirtualClock(), rng: new SeededRng('s').stream('d'), resources: { ...resources, vcpus: -1 } }))
      .toThrow(RangeError);
  });
});

describe('FakeDriver consoles', () => {
  const withNet = spawnCtx(A, { hostname: 'web-1', vcpus: 2, memoryMb: 1024 }, {
    networkInfo: [{
      id: 'port-1',
      address: 'fa:16:3e:00:00:01',
      network: { id: 'net-1', label: 'private', subnets: [{ cidr: '10.0.0.0/24', ips: [{ address: '10.0.0.5' }] }] },
    }],
  });

  it('prints a deterministic boot log naming the guest', async () => {
    const render = async (): Promise<string> => {
      const { driver } = await makeDriver();
      await driver.spawn(withNet);
      return driver.getConsoleOutput(A);
    };
    const out = await render();
    expect(out).toBe(await render());
    expect(out).toContain('Memory: 1048576K available');
    expect(out).toContain('Allowing 2 CPUs');
    expect(out).toContain(`instance-id: ${A} image: img-cirros`);
    expect(out).toContain('| eth0 | True | 10.0.0.5 | fa:16:3e:00:00:01 |');
    expect(out).toContain("running 'init' at 2026-01-01T00:00:03Z");
    expect(out.trimEnd().endsWith('web-1 login:')).toBe(true);
  });

  it('appends what happened to the guest since, with uptime', async () => {
    const { driver, clock } = await makeDriver();
    await driver.spawn(withNet);
    await clock.advance(90_000);
    await driver.powerOff(A);
    await driver.powerOn(A);
    await driver.reboot(A, 'SOFT');
    const out = await driver.getConsoleOutput(A);
    expect(out).toContain('[   90.000000] reboot: Power down');
    expect(out).toContain('[    0.000000] reboot: Restarting system');
    expect(out.match(/Linux version/g)).toHaveLength(3);
  });

  it('offers no console it does not really have, and the real ones it was given', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    await expect(driver.getVncConsole(A)).rejects.toBeInstanceOf(ConsoleTypeUnavailable);
    await expect(driver.getSpiceConsole(A)).rejects.toThrow('Unavailable console type spice-html5.');
    await expect(driver.getSerialConsole(A)).rejects.toBeInstanceOf(ConsoleTypeUnavailable);
    const withVnc = new FakeDriver({ clock: new VirtualClock(), rng: new SeededRng('c').stream('d'), consoles: { vnc: { host: '127.0.0.1', port: 5907 } } });
    await withVnc.init('h1');
    await withVnc.spawn(spawnCtx(B));
    expect(await withVnc.getVncConsole(B)).toEqual({ host: '127.0.0.1', port: 5907 });
    await expect(withVnc.getSerialConsole(B)).rejects.toBeInstanceOf(ConsoleTypeUnavailable);
  });

  it('has no graphical or serial console while the guest is shut down', async () => {
    const { driver } = await makeDriver();
    await driver.spawn(spawnCtx(A));
    await driver.powerOff(A);
    await expect(driver.getVncConsole(A)).rejects.toBeInstanceOf(InstanceInvalidState);
    await expect(driver.getSerialConsole(A)).rejects.toBeInstanceOf(InstanceInvalidState);
    expect(await driver.getConsoleOutput(A)).toContain('login:');
  });
});
