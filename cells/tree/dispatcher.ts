/**
 * Passing a build down one level: rank the children with the cell scheduler, remember the route
 * durably, then call the chosen child. A child that answers "rejected" (nothing fits below it) is
 * added to the tried list and the next candidate is asked. A build already routed (a re-send) follows
 * its old route, so it can never be built twice in two subtrees.
 */
import type { Bus } from '../../runtime/bus/index.ts';
import type { Clock } from '../../runtime/clock/index.ts';
import type { WriteBehind, Db } from '../../runtime/db/index.ts';
import type { Logger } from '../../runtime/log/index.ts';
import type { CellBuildBody } from '../messages.ts';
import type { CellScheduler } from '../scheduler/cell-scheduler.ts';
import type { Children } from './children.ts';
import { downTopic } from '../topics.ts';
import { MessagingTimeout } from '../../runtime/errors/index.ts';

export interface DispatchResult {
  accepted: boolean;
  /** The child the build went to (when accepted). */
  child?: string;
  tried: string[];
  reason?: string;
}

export class Dispatcher {
  private readonly routes = new Map<string, string>();

  constructor(
    private readonly self: string,
    private readonly bus: Bus,
    private readonly children: Children,
    private readonly scheduler: CellScheduler,
    private readonly writer: WriteBehind,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly callTimeoutMs: number,
  ) {}

  async load(db: Db): Promise<void> {
    for (const r of await db('build_routes').select()) this.routes.set(r.instance_uuid, r.child);
  }

  routeOf(uuid: string): string | undefined {
    return this.routes.get(uuid);
  }

  /** The instance now lives below `child` (a cross-cell move): its updates count from there. */
  reroute(uuid: string, child: string): void {
    if (this.routes.get(uuid) === child) return;
    this.routes.set(uuid, child);
    this.writer.upsert('build_routes', { instance_uuid: uuid, child, created_at: this.clock.now() });
  }

  forget(uuid: string): void {
    if (this.routes.delete(uuid)) this.writer.delete('build_routes', { instance_uuid: uuid });
  }

  async dispatch(build: CellBuildBody): Promise<DispatchResult> {
    const tried = [...build.tried];
    const known = this.routes.get(build.instances[0]!.uuid);
    if (known && !tried.includes(known)) {
      // A re-send: same path as before (the child dedups by instance uuid). If the child now says no
      // (it never passed the build on), the build is free to try its siblings.
      const r = await this.send(build, known, tried);
      if (r.accepted) return r;
      tried.push(known);
    }
    for (;;) {
      const best = this.scheduler.best(this.children.candidates(), { spec: build.spec, numInstances: build.instances.length, tried });
      if (!best) {
        const why = this.scheduler.explain(this.children.candidates(), { spec: build.spec, numInstances: build.instances.length, tried });
        return { accepted: false, tried, reason: `no child cell of ${this.self} can host it (${JSON.stringify(why)})` };
      }
      const r = await this.send(build, best.path, tried);
      if (r.accepted) return r;
      tried.push(best.path);
    }
  }

  private async send(build: CellBuildBody, child: string, tried: string[]): Promise<DispatchResult> {
    const now = this.clock.now();
    const uuids = build.instances.map((i) => i.uuid);
    // Counted before the first await, so the next build ranked in this same turn already sees it.
    this.children.consume(child, uuids, build.spec.flavor);
    for (const i of build.instances) {
      if (this.routes.get(i.uuid) !== child) {
        this.routes.set(i.uuid, child);
        this.writer.upsert('build_routes', { instance_uuid: i.uuid, child, created_at: now });
      }
    }
    await this.writer.commit();
    // Without an answer (a link down) the call throws and the build stays counted: it may still arrive.
    let reply: { accepted: boolean; reason?: string };
    try {
      reply = await this.bus.call<{ accepted: boolean; reason?: string }>(
        downTopic(this.self, child),
        { type: 'cell_build', reqId: build.reqId, body: { ...build, tried, hops: build.hops + 1 } },
        { timeoutMs: this.callTimeoutMs },
      );
    } catch (err) {
      // A child that does not answer gets no more builds until it is heard from again.
      if (err instanceof MessagingTimeout) this.children.callTimedOut(child, now);
      throw err;
    }
    const ids = { request_id: build.reqId, instance_uuid: uuids[0], ...(uuids.length > 1 ? { instances: uuids.length } : {}) };
    if (!reply.accepted) {
      for (const u of uuids) this.children.release(u);
      for (const i of build.instances) this.forget(i.uuid);
      this.log.info({ ...ids, child, reason: reply.reason }, `child cell ${child} rejected the build`);
      return { accepted: false, tried, reason: reply.reason };
    }
    this.log.info({ ...ids, child }, `build sent to child cell ${child}`);
    return { accepted: true, child, tried };
  }
}
