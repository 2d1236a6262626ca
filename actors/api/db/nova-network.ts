/**
 * The nova-network era records of the API cell's database (nova/db/main/models.py SecurityGroup,
 * SecurityGroupIngressRule, FixedIp.reserved): security groups per project with their ingress rules,
 * and the fixed IPs an operator reserved on the flat network. Kept in memory and written through.
 * These are records only: enforcing the rules needs a network service (docs/conformance.md).
 */
import type { Knex } from 'knex';
import type { Db, Migration } from '../../../runtime/db/index.ts';

export const novaNetworkMigration: Migration = {
  name: '003_nova_network',
  async up(db: Knex) {
    await db.schema.createTable('security_groups', (t) => {
      t.integer('id').primary();
      t.string('project_id').notNullable().index();
      t.string('user_id').notNullable();
      t.string('name', 255).notNullable();
      t.string('description', 255).notNullable();
      t.bigInteger('created_at').notNullable();
    });
    await db.schema.createTable('security_group_rules', (t) => {
      t.integer('id').primary();
      t.integer('parent_group_id').notNullable().index();
      t.string('protocol', 255).nullable();
      t.integer('from_port').nullable();
      t.integer('to_port').nullable();
      t.string('cidr', 43).nullable();
      t.integer('group_id').nullable();
    });
    await db.schema.createTable('fixed_ip_reservations', (t) => {
      t.string('address', 39).primary();
    });
  },
};

export interface SecurityGroup {
  id: number;
  projectId: string;
  userId: string;
  name: string;
  description: string;
  createdAt: number;
}

export interface SecurityGroupRule {
  id: number;
  parentGroupId: number;
  protocol: string | null;
  fromPort: number | null;
  toPort: number | null;
  cidr: string | null;
  /** The source group (a rule either names a CIDR or a group). */
  groupId: number | null;
}

export class NovaNetworkRepo {
  private readonly groups = new Map<number, SecurityGroup>();
  private readonly rules = new Map<number, SecurityGroupRule>();
  private readonly reserved = new Set<string>();
  private nextGroupId = 1;
  private nextRuleId = 1;

  constructor(private readonly db: Db) {}

  async load(): Promise<void> {
    for (const r of await this.db('security_groups').select()) {
      const g: SecurityGroup = {
        id: Number(r.id), projectId: String(r.project_id), userId: String(r.user_id), name: String(r.name),
        description: String(r.description), createdAt: Number(r.created_at),
      };
      this.groups.set(g.id, g);
      this.nextGroupId = Math.max(this.nextGroupId, g.id + 1);
    }
    for (const r of await this.db('security_group_rules').select()) {
      const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
      const rule: SecurityGroupRule = {
        id: Number(r.id), parentGroupId: Number(r.parent_group_id), protocol: r.protocol === null ? null : String(r.protocol),
        fromPort: num(r.from_port), toPort: num(r.to_port), cidr: r.cidr === null ? null : String(r.cidr), groupId: num(r.group_id),
      };
      this.rules.set(rule.id, rule);
      this.nextRuleId = Math.max(this.nextRuleId, rule.id + 1);
    }
    for (const r of await this.db('fixed_ip_reservations').select()) this.reserved.add(String(r.address));
  }

  get(id: number): SecurityGroup | undefined {
    return this.groups.get(id);
  }

  byName(projectId: string, name: string): SecurityGroup | undefined {
    return [...this.groups.values()].find((g) => g.projectId === projectId && g.name === name);
  }

  /** A project's groups (every project's with `projectId` undefined), oldest first. */
  list(projectId?: string): SecurityGroup[] {
    return [...this.groups.values()].filter((g) => projectId === undefined || g.projectId === projectId).sort((a, b) => a.id - b.id);
  }

  async create(g: Omit<SecurityGroup, 'id'>): Promise<SecurityGroup> {
    const sg: SecurityGroup = { ...g, id: this.nextGroupId++ };
    this.groups.set(sg.id, sg);
    await this.db('security_groups').insert({
      id: sg.id, project_id: sg.projectId, user_id: sg.userId, name: sg.name, description: sg.description, created_at: sg.createdAt,
    });
    return sg;
  }

  async update(sg: SecurityGroup, change: { name?: string; description?: string }): Promise<SecurityGroup> {
    Object.assign(sg, change);
    await this.db('security_groups').where({ id: sg.id }).update({ name: sg.name, description: sg.description });
    return sg;
  }

  /** Delete a group with its rules and every rule elsewhere that names it as source. */
  async delete(sg: SecurityGroup): Promise<void> {
    this.groups.delete(sg.id);
    for (const r of [...this.rules.values()]) if (r.parentGroupId === sg.id || r.groupId === sg.id) this.rules.delete(r.id);
    await this.db.transaction(async (trx) => {
      await trx('security_group_rules').where({ parent_group_id: sg.id }).orWhere({ group_id: sg.id }).delete();
      await trx('security_groups').where({ id: sg.id }).delete();
    });
  }

  rulesOf(groupId: number): SecurityGroupRule[] {
    return [...this.rules.values()].filter((r) => r.parentGroupId === groupId).sort((a, b) => a.id - b.id);
  }

  rule(id: number): SecurityGroupRule | undefined {
    return this.rules.get(id);
  }

  async addRule(r: Omit<SecurityGroupRule, 'id'>): Promise<SecurityGroupRule> {
    const rule: SecurityGroupRule = { ...r, id: this.nextRuleId++ };
    this.rules.set(rule.id, rule);
    await this.db('security_group_rules').insert({
      id: rule.id, parent_group_id: rule.parentGroupId, protocol: rule.protocol, from_port: rule.fromPort, to_port: rule.toPort,
      cidr: rule.cidr, group_id: rule.groupId,
    });
    return rule;
  }

  async deleteRule(rule: SecurityGroupRule): Promise<void> {
    this.rules.delete(rule.id);
    await this.db('security_group_rules').where({ id: rule.id }).delete();
  }

  isReserved(address: string): boolean {
    return this.reserved.has(address);
  }

  async setReserved(address: string, reserved: boolean): Promise<void> {
    if (reserved === this.reserved.has(address)) return;
    if (reserved) {
      this.reserved.add(address);
      await this.db('fixed_ip_reservations').insert({ address }).onConflict('address').ignore();
    } else {
      this.reserved.delete(address);
      await this.db('fixed_ip_reservations').where({ address }).delete();
    }
  }
}
