/**
 * Build requests: a build is written here before anything is sent to a compute host, and stays until
 * the instance is ACTIVE, in ERROR or deleted. After a restart the conductor replays what is left, so
 * a build is never silently dropped. Duplicates are recognised by instance uuid.
 */
import type { Db, WriteBehind } from '../../runtime/db/index.ts';
import type { BuildSpec } from './messages.ts';

export interface Alternate {
  host: string;
  nodename: string;
  uuid: string;
}

export interface BuildRequest {
  instanceUuid: string;
  requestId: string;
  spec: BuildSpec;
  /** pending: not scheduled yet; dispatched: sent to `host` as attempt `attempts`. */
  state: 'pending' | 'dispatched';
  attempts: number;
  host: Alternate | null;
  alternates: Alternate[];
  triedHosts: string[];
  createdAt: number;
}

export class BuildRequests {
  private readonly byUuid = new Map<string, BuildRequest>();

  constructor(private readonly writer: WriteBehind) {}

  async load(db: Db): Promise<void> {
    for (const r of await db('build_requests').select()) {
      const extra = JSON.parse(r.tried_hosts ?? '{}');
      this.byUuid.set(r.instance_uuid, {
        instanceUuid: r.instance_uuid, requestId: r.request_id, spec: JSON.parse(r.request_spec), state: r.state,
        attempts: r.attempts, host: extra.host ?? null, alternates: extra.alternates ?? [], triedHosts: extra.tried ?? [],
        createdAt: Number(r.created_at),
      });
    }
  }

  get(uuid: string): BuildRequest | undefined {
    return this.byUuid.get(uuid);
  }

  all(): BuildRequest[] {
    return [...this.byUuid.values()];
  }

  save(br: BuildRequest, now: number): void {
    this.byUuid.set(br.instanceUuid, br);
    this.writer.upsertLazy('build_requests', { instance_uuid: br.instanceUuid }, () => ({
      instance_uuid: br.instanceUuid, request_id: br.requestId, request_spec: JSON.stringify(br.spec), state: br.state,
      attempts: br.attempts,
      tried_hosts: JSON.stringify({ host: br.host, alternates: br.alternates, tried: br.triedHosts }),
      created_at: br.createdAt, updated_at: now,
    }));
  }

  remove(uuid: string): void {
    if (!this.byUuid.delete(uuid)) return;
    this.writer.delete('build_requests', { instance_uuid: uuid });
  }
}
