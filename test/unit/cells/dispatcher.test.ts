/**
 * A re-sent build follows its old route; when the child on that route now turns it away (it never
 * passed it on, say after a restart), the build goes to a sibling instead of failing — and the parent's
 * view of its children shows link states and what is in flight to each.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../runtime/clock/index.ts';
import { createLogger } from '../../../runtime/log/index.ts';
import { novaConfig } from '../../../runtime/config/index.ts';
import { openDb, WriteBehind, type Db } from '../../../runtime/db/index.ts';
import type { Bus } from '../../../runtime/bus/index.ts';
import { Children } from '../../../cells/tree/children.ts';
import { Dispatcher } from '../../../cells/tree/dispatcher.ts';
import { CellScheduler } from '../../../cells/scheduler/cell-scheduler.ts';
import { treeMigrations, treeTables } from '../../../cells/tree/tree-db.ts';
import { emptyCapacity } from '../../../cells/capacity/capacity.ts';
import type { CellBuildBody } from '../../../cells/messages.ts';
import { MessagingTimeout } from '../../../runtime/errors/index.ts';

const tiny = { id: '1', name: 'm1.tiny', vcpus: 1, memoryMb: 512, rootGb: 1, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
const log = createLogger({}, 'silent');
let db: Db | undefined;

afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

function build(uuid: string): CellBuildBody {
  return {
    instances: [{ uuid, displayName: 'vm', hostname: 'vm', launchIndex: 0, reservationId: 'r-1', imageRef: 'i', keyName: null, metadata: {}, extra: {}, createdAt: 0 }],
    spec: {
      projectId: 'p', userId: 'u', flavor: tiny, image: { id: 'i', properties: {} }, availabilityZone: null, schedulerHints: {},
      instanceGroup: null, ignoreHosts: [], forceHosts: [], forceNodes: [],
    },
    tried: [], hops: 0,
  } as CellBuildBody;
}

async function setup() {
  const clock = new VirtualClock(0);
  db = await openDb({ file: ':memory:' }, treeMigrations);
  const writer = new WriteBehind(db, treeTables);
  const children = new Children([{ path: 'api!a', isLeaf: true, weightOffset: 0 }, { path: 'api!b', isLeaf: true, weightOffset: 0 }], clock, 300_000, log);
  children.setFlavors([tiny]);
  const cap = (units: number) => ({ ...emptyCapacity(), hosts: 1, hostsUp: 1, vcpus: 16, vcpusFree: 16, memoryMb: 8192, memoryMbFree: 8192, diskGb: 100, diskGbFree: 100, units: { '1': units }, hypervisorTypes: ['fake'], cpuArchs: ['x86_64'], availabilityZones: ['nova'] });
  children.report({ from: 'api!a', seq: 0, full: true, capacity: cap(16) });
  children.report({ from: 'api!b', seq: 0, full: true, capacity: cap(8) });
  /** 'restarted': the call goes unanswered, but a new process of the child says hello meanwhile. */
  const accepts: Record<string, boolean | 'silent' | 'restarted'> = { 'api!a': true, 'api!b': true };
  const sent: string[] = [];
  const bus = {
    async call(topic: string) {
      const child = topic.slice(topic.lastIndexOf('/') + 1);
      sent.push(child);
      if (accepts[child] === 'restarted') {
        await clock.advance(500);
        children.heardFrom(child);
        await clock.advance(500);
      }
      if (accepts[child] === 'silent' || accepts[child] === 'restarted') throw new MessagingTimeout(`Timed out waiting for a reply (cell_build on ${topic})`);
      return accepts[child] ? { accepted: true } : { accepted: false, reason: 'nothing below can take it' };
    },
  } as unknown as Bus;
  const d = new Dispatcher('api', bus, children, new CellScheduler(novaConfig()), writer, clock, log, 1000);
  return { d, children, accepts, sent };
}

describe('dispatcher', () => {
  it('sends a re-sent build along its old route, and to a sibling when that child now turns it away', async () => {
    const { d, accepts, sent } = await setup();
    const first = await d.dispatch(build('u1'));
    expect(first).toMatchObject({ accepted: true, child: 'api!a' }); // the roomier child
    expect(d.routeOf('u1')).toBe('api!a');
    expect((await d.dispatch(build('u1'))).child).toBe('api!a'); // a re-send: same route

    accepts['api!a'] = false;
    const again = await d.dispatch(build('u1'));
    expect(again).toMatchObject({ accepted: true, child: 'api!b', tried: ['api!a'] });
    expect(d.routeOf('u1')).toBe('api!b');
    expect(sent).toEqual(['api!a', 'api!a', 'api!a', 'api!b']);
  });

  it('mutes a child whose call timed out, so the next builds go elsewhere, until it is heard from', async () => {
    const { d, children, accepts, sent } = await setup();
    accepts['api!a'] = 'silent';
    await expect(d.dispatch(build('u1'))).rejects.toThrow(MessagingTimeout);
    expect(children.linkState('api!a')).toMatchObject({ link: 'muted', inFlight: 1 });
    expect(await d.dispatch(build('u2'))).toMatchObject({ accepted: true, child: 'api!b' });
    expect(sent).toEqual(['api!a', 'api!b']);
    children.heardFrom('api!a');
    accepts['api!a'] = true;
    expect(await d.dispatch(build('u3'))).toMatchObject({ accepted: true, child: 'api!a' });
  });

  it('leaves a child unmuted when its call timed out but it was heard from after the call left (a restarted process)', async () => {
    const { d, children, accepts } = await setup();
    accepts['api!a'] = 'restarted';
    await expect(d.dispatch(build('u1'))).rejects.toThrow(MessagingTimeout);
    expect(children.linkState('api!a')).toMatchObject({ link: 'up', inFlight: 1 });
    accepts['api!a'] = 'silent';
    await expect(d.dispatch(build('u2'))).rejects.toThrow(MessagingTimeout);
    expect(children.linkState('api!a')!.link).toBe('muted');
  });

  it('reports each child link and the builds in flight to it', async () => {
    const { d, children } = await setup();
    await d.dispatch(build('u1'));
    await d.dispatch(build('u2'));
    expect(children.linkState('api!a')).toMatchObject({ link: 'up', lastHeardMsAgo: 0, inFlight: 2 });
    expect(children.linkState('api!b')).toMatchObject({ link: 'up', inFlight: 0 });
    children.linkLost('api!b');
    expect(children.linkState('api!b')!.link).toBe('down');
    expect(children.linkState('api!nope')).toBeUndefined();
  });
});
