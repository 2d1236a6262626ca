/**
 * An error raised in a leaf cell reaches the API with the HTTP code it was raised with, across two
 * bus hops (leaf → parent cell → API cell), as the cells pass routed requests on: the parent rethrows
 * what the leaf answered, the API renders it as Nova's fault. Classes the receiving side does not
 * know (a driver's, a console's, a subclass) used to come back as a 500 after the second hop.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryBus, MemoryHub, MessageRegistry } from '../../../../runtime/bus/index.ts';
import { VirtualClock } from '../../../../runtime/clock/index.ts';
import {
  Conflict, InstanceInvalidState, InstanceNotFound, NotFound, NovaError, RemoteError,
} from '../../../../runtime/errors/index.ts';
import { classifyError, novaFaultBody } from '../../../../runtime/http/index.ts';
import { SeededRng } from '../../../../runtime/rng/index.ts';
import { NotSupportedByDriver } from '../../../../actors/compute/drivers/errors.ts';
import { InstanceNotReady } from '../../../../actors/console/errors.ts';
import { Gone } from '../../../../actors/api/compute/removed.ts';
import { QuotaExceeded } from '../../../../actors/api/compute/quota-usage.ts';
import { NotImplementedByCells } from '../../../../actors/api/compute-api.ts';

const RAISE: Record<string, () => Error> = {
  driver: () => new NotSupportedByDriver('fake', 'crash dumps'),
  console: () => new InstanceNotReady('i-1'),
  gone: () => new Gone('This API was removed from the Compute service.'),
  quota: () => new QuotaExceeded('instances', 1, 10, 10),
  cells: () => new NotImplementedByCells('Not served.'),
  state: () => new InstanceInvalidState('Cannot migrate instance i-1 while it is in vm_state stopped'),
  missing: () => new InstanceNotFound('i-1'),
  conflict: () => new Conflict('Migration 1 is not in progress.'),
  plain: () => new Error('disk on fire'),
};

/** Leaf, parent and API cell on one in-memory hub; the parent passes requests down as cells do. */
async function threeCells() {
  const hub = new MemoryHub();
  const clock = new VirtualClock();
  const rng = new SeededRng('remote-errors');
  const registry = new MessageRegistry();
  registry.define('test.raise', 1, z.object({ what: z.string() }));
  const bus = (id: string) => new MemoryBus({ hub, clientId: id, clock, rng: rng.stream(id), registry, topicPrefix: 'nova' });
  const leaf = bus('leaf');
  const parent = bus('parent');
  const api = bus('api');
  await leaf.subscribe('cell/leaf', (msg) => {
    throw RAISE[(msg.body as { what: string }).what]!();
  });
  await parent.subscribe('cell/parent', (msg) => parent.call('cell/leaf', { type: 'test.raise', body: msg.body }));
  const ask = async (what: string): Promise<NovaError> => {
    try {
      await api.call('cell/parent', { type: 'test.raise', body: { what } });
    } catch (e) {
      return e as NovaError;
    }
    throw new Error('no error came back');
  };
  return { ask };
}

describe('errors from a leaf cell, two bus hops up to the API', () => {
  it.each([
    ['driver', 501, 'notImplemented', 'NotSupportedByDriver'],
    ['console', 409, 'conflictingRequest', 'InstanceNotReady'],
    ['gone', 410, 'computeFault', 'Gone'],
    ['quota', 403, 'forbidden', 'QuotaExceeded'],
    ['cells', 501, 'notImplemented', 'NotImplementedByCells'],
    ['state', 409, 'conflictingRequest', 'InstanceInvalidState'],
    ['missing', 404, 'itemNotFound', 'InstanceNotFound'],
    ['conflict', 409, 'conflictingRequest', 'Conflict'],
  ])('%s keeps HTTP %i (%s) and its name', async (what, code, fault, name) => {
    const { ask } = await threeCells();
    const e = await ask(what);
    expect(e).toBeInstanceOf(NovaError);
    expect(e.code).toBe(code);
    expect(e.name).toBe(name);
    const http = classifyError(e);
    expect(http).toMatchObject({ status: code, unexpected: false });
    expect(novaFaultBody(http.status, http.message)).toEqual({ [fault]: { code, message: RAISE[what]!().message } });
  });

  it('a 404 or 409 of a class the API does not know is still a NotFound or Conflict there', async () => {
    const { ask } = await threeCells();
    expect(await ask('missing')).toBeInstanceOf(NotFound);
    expect(await ask('console')).toBeInstanceOf(Conflict);
    expect(await ask('driver')).toBeInstanceOf(RemoteError);
  });

  it('an unexpected error stays a 500 with its message, not a made-up code', async () => {
    const { ask } = await threeCells();
    const e = await ask('plain');
    expect(e.code).toBe(500);
    expect(e.message).toBe('disk on fire');
  });
});
