/**
 * os-security-group-rules (≤ 2.35): ingress rules of a security group, from a CIDR (0.0.0.0/0 by
 * default) or from the members of another group, with nova-network's checks
 * (security_group_base.py _new_ingress_rule): tcp/udp ports 1-65535 with from ≤ to, icmp type and code
 * -1..255, a source group alone opens every port of its protocol, a duplicate rule is 400.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest, NotFound } from '../../../runtime/errors/index.ts';
import type { SecurityGroupRule } from '../db/index.ts';
import { callerOf } from './context.ts';
import type { ComputeDeps } from './deps.ts';
import { checkCount } from './quota-usage.ts';
import { checkNetworkEra, findGroup, parseId, ruleView } from './security-groups.ts';
import { asObject } from './validation.ts';

type NewRule = Omit<SecurityGroupRule, 'id' | 'parentGroupId'>;
const PROTOCOLS = ['TCP', 'UDP', 'ICMP'];
const CIDR_V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const CIDR_V6 = /^[0-9a-fA-F:]+\/(\d{1,3})$/;

function isCidr(s: string): boolean {
  const v4 = CIDR_V4.exec(s);
  if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32;
  const v6 = CIDR_V6.exec(s);
  return v6 !== null && s.includes(':') && Number(v6[1]) <= 128;
}

function toPort(v: unknown, icmp: boolean): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new BadRequest(icmp ? 'Type and Code must be integers for ICMP protocol type' : 'To and From ports must be integers');
  return n;
}

/** Nova's _new_ingress_rule: the rule's protocol and ports, checked. */
export function ingressRule(ipProtocol: unknown, fromPort: unknown, toPortArg: unknown, source: { groupId: number } | { cidr: string }): NewRule {
  const rule: NewRule = { protocol: null, fromPort: null, toPort: null, cidr: null, groupId: null };
  if (ipProtocol !== undefined && ipProtocol !== null && typeof ipProtocol !== 'string') throw new BadRequest(`Invalid IP protocol ${String(ipProtocol)}.`);
  const proto = typeof ipProtocol === 'string' && ipProtocol !== '' ? ipProtocol : null;
  let from = fromPort ?? null;
  let to = toPortArg ?? null;
  if ('groupId' in source) {
    rule.groupId = source.groupId;
    const upper = proto?.toUpperCase();
    if (upper === 'ICMP' && from === null && to === null) [from, to] = [-1, -1];
    else if ((upper === 'TCP' || upper === 'UDP') && from === null && to === null) [from, to] = [1, 65535];
  } else {
    rule.cidr = source.cidr;
  }
  if (proto !== null && from !== null && to !== null) {
    const upper = proto.toUpperCase();
    const f = toPort(from, upper === 'ICMP');
    const t = toPort(to, upper === 'ICMP');
    if (!PROTOCOLS.includes(upper)) throw new BadRequest(`Invalid IP protocol ${proto}.`);
    if (upper !== 'ICMP' && f > t) throw new BadRequest(`Invalid port range ${f}:${t}. Former value cannot be greater than the later`);
    if (upper !== 'ICMP' && (f < 1 || t > 65535)) throw new BadRequest(`Invalid port range ${f}:${t}. Valid TCP ports should be between 1-65535`);
    if (upper === 'ICMP' && (f < -1 || f > 255 || t < -1 || t > 255)) throw new BadRequest(`Invalid port range ${f}:${t}. For ICMP, the type:code must be valid`);
    Object.assign(rule, { protocol: proto, fromPort: f, toPort: t });
  } else if (rule.cidr !== null) {
    // A CIDR rule needs its protocol and ports.
    throw new BadRequest('Not enough parameters to build a valid rule.');
  }
  return rule;
}

function sameRule(a: NewRule, b: SecurityGroupRule): boolean {
  return (a.protocol?.toLowerCase() ?? null) === (b.protocol?.toLowerCase() ?? null) && a.fromPort === b.fromPort
    && a.toPort === b.toPort && a.cidr === b.cidr && a.groupId === b.groupId;
}

export function registerSecurityGroupRuleRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.post('/os-security-group-rules', async (request) => {
    checkNetworkEra(request);
    const c = callerOf(request);
    const body = asObject(request.body)['security_group_rule'];
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('Missing parameter security_group_rule');
    const r = body as Record<string, unknown>;
    const parent = findGroup(deps, c, parseId(r['parent_group_id']));
    let source: { groupId: number } | { cidr: string };
    if (r['group_id'] !== undefined && r['group_id'] !== null) {
      const sourceId = parseId(r['group_id']);
      const g = deps.store.network.get(sourceId);
      if (!g || (!c.isAdmin && g.projectId !== c.projectId)) throw new NotFound(`Security group ${sourceId} not found.`);
      source = { groupId: sourceId };
    } else if (r['cidr'] !== undefined && r['cidr'] !== null && r['cidr'] !== '') {
      if (typeof r['cidr'] !== 'string' || !isCidr(r['cidr'])) throw new BadRequest(`Invalid cidr ${String(r['cidr'])}.`);
      source = { cidr: r['cidr'] };
    } else {
      source = { cidr: '0.0.0.0/0' };
    }
    const rule = ingressRule(r['ip_protocol'], r['from_port'], r['to_port'], source);
    const existing = deps.store.network.rulesOf(parent.id);
    if (existing.some((e) => sameRule(rule, e))) throw new BadRequest(`This rule already exists in group ${parent.id}`);
    checkCount(deps.store.quotas.limits(parent.projectId), 'security_group_rules', existing.length, 1);
    const made = await deps.store.network.addRule({ ...rule, parentGroupId: parent.id });
    return { security_group_rule: ruleView(deps, made) };
  });

  app.delete<{ Params: { id: string } }>('/os-security-group-rules/:id', async (request, reply) => {
    checkNetworkEra(request);
    const c = callerOf(request);
    const id = parseId(request.params.id, 'Security group rule');
    const rule = deps.store.network.rule(id);
    const parent = rule ? deps.store.network.get(rule.parentGroupId) : undefined;
    if (!rule || !parent || (!c.isAdmin && parent.projectId !== c.projectId)) throw new NotFound(`Rule (${id}) not found`);
    await deps.store.network.deleteRule(rule);
    return reply.code(202).send();
  });
}
