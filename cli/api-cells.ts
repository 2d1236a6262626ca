/**
 * How the API cell reaches the cells, in one place: today every leaf cell runs as an independent
 * SingleCell, so the API gets its own MQTT client on each cell's broker and fans out over them
 * (FanoutCellsPort). When the cell tree provides a CellsPort for the whole federation, this is the
 * one function to replace.
 */
import { MqttBus, type Bus } from '../runtime/bus/index.ts';
import type { Clock } from '../runtime/clock/index.ts';
import type { Rng } from '../runtime/rng/index.ts';
import type { CellsPort } from '../actors/api/compute-api.ts';
import type { ApiStore } from '../actors/api/db/index.ts';
import { FanoutCellsPort } from '../actors/api/fanout-port.ts';
import { SingleCellPort } from '../actors/api/single-cell-port.ts';
import type { SingleCell } from '../cells/single-cell.ts';
import { cellPrefix, conductorTopic } from '../cells/topics.ts';

export interface ApiCellsLink {
  port: CellsPort;
  close(): Promise<void>;
}

export async function apiCellsPort(cells: SingleCell[], store: ApiStore, defaultZone: string, clock: Clock, rng: Rng): Promise<ApiCellsLink> {
  const buses: Bus[] = [];
  const named = [];
  for (const cell of cells) {
    if (!cell.broker) throw new Error(`cell ${cell.name}: the API needs the cell's broker`);
    const bus = await MqttBus.connect({
      url: cell.broker.url, clientId: `${cell.name}:api-cell`, clock, rng: rng.stream(`bus:${cell.name}:api-cell`),
      topicPrefix: cellPrefix(cell.name),
    });
    buses.push(bus);
    named.push({ name: cell.name, port: new SingleCellPort(bus, conductorTopic(cell.name)) });
  }
  const port = new FanoutCellsPort(named, {
    cellOf: (uuid) => store.instances.cellOf(uuid),
    onPlaced: async (uuids, cell, body) => {
      for (const uuid of uuids) {
        await store.instances.create({
          uuid, projectId: body.spec.projectId, userId: body.spec.userId, cell, attrs: {}, createdAt: clock.now(), deletedAt: null,
        });
      }
    },
    aggregatesOf: (host) => store.aggregates.all().filter((a) => a.hosts.includes(host)).map((a) => ({
      id: a.id, name: a.name, availabilityZone: a.availabilityZone, metadata: a.metadata, hosts: a.hosts,
    })),
    defaultZone,
  });
  return { port, close: async () => { await Promise.all(buses.map((b) => b.close())); } };
}
