/**
 * `cell_status` on a cell's status topic (cells/tree/status.ts serveStatus): answered through a
 * handler table keyed by CellStatusRequest; any other message on the topic is a BadRequest.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBus, MemoryHub } from '../../../../runtime/bus/index.ts';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import { BadRequest } from '../../../../runtime/errors/index.ts';
import { createLogger } from '../../../../runtime/log/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { serveStatus, type CellStatus } from '../../../../cells/tree/status.ts';
import { statusTopic } from '../../../../cells/topics.ts';
import { emptyCapacity } from '../../../../cells/capacity/capacity.ts';

describe('status endpoint', () => {
  it('answers cell_status with the timeout it names, and nothing else', async () => {
    const hub = new MemoryHub();
    const clock = new VirtualClock();
    const rng = new SeededRng('status');
    const log = createLogger({}, 'silent');
    const bus = (id: string) => new MemoryBus({ hub, clientId: id, clock, rng: rng.stream(id), topicPrefix: 'nc/api!c1', log });
    const asked: number[] = [];
    const capacity = emptyCapacity();
    await serveStatus(bus('api!c1:cell'), 'api!c1', async (t) => {
      asked.push(t);
      return { cell: 'api!c1', role: 'intermediate', capacity, children: [] };
    }, log);
    const client = bus('api!c1:cli');
    const s = await client.call<CellStatus>(statusTopic('api!c1'), { type: 'cell_status', body: { timeoutMs: 1500 } }, { timeoutMs: 5000 });
    expect(s.cell).toBe('api!c1');
    expect(asked).toEqual([1500]);
    const e = await client.call(statusTopic('api!c1'), { type: 'capacity_request', body: {} }, { timeoutMs: 5000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BadRequest);
    expect(asked).toEqual([1500]);
  });
});
