/**
 * Quota limits: Nova's defaults (the "default" quota class) overridden per project. Usage is counted
 * from what exists (instances in the cells, keypairs, groups), as Nova counts since Pike, so nothing
 * here can drift.
 */
import type { Db } from '../../../runtime/db/index.ts';

/** Nova's quota resources and their defaults (nova/conf/quota.py); -1 is unlimited. */
export const DEFAULT_QUOTAS: Readonly<Record<string, number>> = {
  instances: 10,
  cores: 20,
  ram: 51200,
  metadata_items: 128,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  key_pairs: 100,
  server_groups: 10,
  server_group_members: 10,
  // nova-network era, shown (as -1) up to 2.35
  fixed_ips: -1,
  floating_ips: -1,
  security_groups: -1,
  security_group_rules: -1,
};

export const QUOTA_RESOURCES = Object.keys(DEFAULT_QUOTAS);

export class QuotaRepo {
  private readonly overrides = new Map<string, Record<string, number>>();

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('quotas').select()) {
      const p = this.overrides.get(String(r.project_id)) ?? {};
      p[String(r.resource)] = Number(r.hard_limit);
      this.overrides.set(String(r.project_id), p);
    }
  }

  defaults(): Record<string, number> {
    return { ...DEFAULT_QUOTAS };
  }

  /** The limits in force for a project. */
  limits(projectId: string): Record<string, number> {
    return { ...DEFAULT_QUOTAS, ...(this.overrides.get(projectId) ?? {}) };
  }

  limit(projectId: string, resource: string): number {
    return this.limits(projectId)[resource] ?? -1;
  }

  async set(projectId: string, values: Record<string, number>): Promise<void> {
    const p = { ...(this.overrides.get(projectId) ?? {}), ...values };
    this.overrides.set(projectId, p);
    for (const [resource, hard] of Object.entries(values)) {
      await this.db('quotas').insert({ project_id: projectId, resource, hard_limit: hard }).onConflict(['project_id', 'resource']).merge();
    }
  }

  /** Back to the defaults (DELETE os-quota-sets/{project}). */
  async reset(projectId: string): Promise<void> {
    this.overrides.delete(projectId);
    await this.db('quotas').where({ project_id: projectId }).delete();
  }
}
