/**
 * CreateTags, DescribeTags and DeleteTags on instances, kept as the server's tags (what
 * /servers/{id}/tags shows): EC2's key/value pair is the tag "key=value" (a bare "key" when the value
 * is empty), so a key may not hold "=", and the tag, Nova's rules: at most 60 characters, no "," or
 * "/", at most 50 per server.
 */
import { ensureMapping } from '../../compute/servers.ts';
import type { ServerModel } from '../../compute/views/servers.ts';
import { Ec2Error, fromComputeError, invalidParameter } from '../errors.ts';
import { ec2InstanceId } from '../ids.ts';
import { applyFilters, filterTable, type Tag } from '../params.ts';
import { ec2Tags } from '../views.ts';
import { serversByIds, serversOf } from './lookup.ts';
import { checkNotLocked } from '../../compute/server-lookup.ts';
import type { Ec2Action, Ec2Context } from './types.ts';

const MAX_TAGS = 50;

export function tagString(t: Tag): string {
  return t.value === '' ? t.key : `${t.key}=${t.value}`;
}

export function validateTags(tags: Tag[]): Tag[] {
  for (const t of tags) {
    if (t.key === '') throw invalidParameter('Tag keys may not be empty');
    if (t.key.includes('=')) throw invalidParameter(`Tag key '${t.key}' is invalid: it may not contain "="`);
    const s = tagString(t);
    if (s.length > 60) throw invalidParameter(`Tag '${s}' is too long: key=value may hold at most 60 characters`);
    if (/[,/]/.test(s)) throw invalidParameter(`Tag '${s}' is invalid: it may not contain "," or "/"`);
  }
  return tags;
}

async function resources(c: Ec2Context): Promise<ServerModel[]> {
  const ids = c.params.list('ResourceId');
  if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter ResourceId');
  for (const id of ids) if (!id.startsWith('i-')) throw invalidParameter(`Only instances can be tagged here, not '${id}'`);
  return serversByIds(c, ids);
}

async function save(c: Ec2Context, m: ServerModel, tags: Array<{ key: string; value: string }>): Promise<void> {
  try {
    checkNotLocked(c.request, m);
  } catch (e) {
    throw fromComputeError(e);
  }
  await ensureMapping(c.deps, m.inst.uuid, m.inst.projectId, m.inst.userId);
  await c.deps.store.instances.patch(m.inst.uuid, { tags: tags.map(tagString) });
}

export const createTags: Ec2Action = async (c) => {
  const add = validateTags(c.params.tags());
  if (add.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter Tag');
  for (const m of await resources(c)) {
    const kept = ec2Tags(m).filter((t) => !add.some((a) => a.key === t.key));
    const next = [...kept, ...add];
    if (next.length > MAX_TAGS) throw new Ec2Error('TagLimitExceeded', `The maximum number of tags for a resource (${MAX_TAGS}) has been reached`);
    await save(c, m, next);
  }
  return { return: true };
};

export const deleteTags: Ec2Action = async (c) => {
  const params = c.params;
  const drop = params.tags();
  for (const m of await resources(c)) {
    const next = drop.length === 0 ? [] : ec2Tags(m).filter((t) => !drop.some((d) => d.key === t.key && (!hasValue(c, d) || d.value === t.value)));
    await save(c, m, next);
  }
  return { return: true };
};

/** A DeleteTags entry with Tag.N.Value given (even empty) deletes only that value. */
function hasValue(c: Ec2Context, d: Tag): boolean {
  for (let n = 1; n <= 1000; n++) {
    const key = c.params.get(`Tag.${n}.Key`);
    if (key === undefined) break;
    if (key === d.key) return c.params.get(`Tag.${n}.Value`) !== undefined;
  }
  return false;
}

type TagRow = { resourceId: string; resourceType: string; key: string; value: string };

export const describeTags: Ec2Action = async (c) => {
  const rows: TagRow[] = (await serversOf(c)).flatMap((m) =>
    ec2Tags(m).map((t) => ({ resourceId: ec2InstanceId(m.inst.uuid), resourceType: 'instance', key: t.key, value: t.value })));
  const kept = applyFilters(rows, c.params.filters(), filterTable(new Map([
    ['resource-id', (r: TagRow) => [r.resourceId]],
    ['resource-type', (r: TagRow) => [r.resourceType]],
    ['key', (r: TagRow) => [r.key]],
    ['value', (r: TagRow) => [r.value]],
  ])));
  return { tagSet: kept };
};
