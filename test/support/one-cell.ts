/**
 * One cell (conductor, scheduler, placement, FakeDriver compute hosts) on the in-memory bus with the
 * API's port to it, for integration tests of instance operations. Hosts are 8 vCPU / 16 GiB / 100 GB.
 */
import { RealClock } from '../../runtime/clock/index.ts';
import { SeededRng } from '../../runtime/rng/index.ts';
import { novaConfig } from '../../runtime/config/index.ts';
import { createLogger } from '../../runtime/log/index.ts';
import { MemoryBus, MemoryHub } from '../../runtime/bus/index.ts';
import { SingleCell } from '../../cells/single-cell.ts';
import { cellPrefix, conductorTopic } from '../../cells/topics.ts';
import { SingleCellPort } from '../../actors/api/single-cell-port.ts';
import { until } from './waits.ts';

export interface OneCell {
  cell: SingleCell;
  port: SingleCellPort;
  stop(): Promise<void>;
}

/** Starts cell `c1` with the named hosts and returns once every host has registered. */
export async function startOneCell(seed: string, hosts: readonly string[] = ['h1']): Promise<OneCell> {
  const hub = new MemoryHub();
  const clock = new RealClock();
  const rng = new SeededRng(seed);
  const cell = await SingleCell.start({
    name: 'c1', transport: { kind: 'memory', hub }, db: { file: ':memory:' },
    hosts: hosts.map((name) => ({ name, vcpus: 8, memoryMb: 16384, diskGb: 100 })),
    clock, rng, config: novaConfig(), log: createLogger({}, 'silent'),
  });
  await until('hosts registered', () => cell.services.ctx.hostManager.hosts().length === hosts.length);
  const bus = new MemoryBus({ hub, clientId: 'c1:test-api', clock, rng: rng.stream('test-api'), topicPrefix: cellPrefix('c1') });
  const port = new SingleCellPort(bus, conductorTopic('c1'));
  return { cell, port, stop: async () => { await bus.close(); await cell.stop(); } };
}
