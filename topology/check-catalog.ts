/**
 * Checks of the global catalog: names unique where the file refers to records by name (flavors, images,
 * projects, users), explicit ids unique, and every reference (user → project, image owner, defaults)
 * pointing at something defined in the same file.
 */
import type { PathIssue, PathSegment } from './errors.ts';
import type { Topology } from './schema.ts';
import { expectedOneOf } from './suggest.ts';

/** Reports the second and later records that repeat a key (a name or an id). */
function unique<T>(items: readonly T[], key: (t: T) => string | undefined, field: string, base: PathSegment[], what: string, issues: PathIssue[]): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const prev = first.get(k);
    if (prev !== undefined) {
      issues.push({ path: [...base, i, field], message: `duplicate ${what} "${k}": already used by ${base.join('.')}[${prev}]` });
    } else {
      first.set(k, i);
    }
  });
}

function reference(name: string | undefined, known: readonly string[], path: PathSegment[], what: string, where: string, issues: PathIssue[]): void {
  if (name === undefined || known.includes(name)) return;
  issues.push({ path, message: `unknown ${what} "${name}"; ${expectedOneOf(name, known)} (define it under ${where}:)` });
}

export function checkCatalog(t: Topology): PathIssue[] {
  const issues: PathIssue[] = [];
  unique(t.flavors, (f) => f.name, 'name', ['flavors'], 'flavor name', issues);
  unique(t.flavors, (f) => f.id, 'id', ['flavors'], 'flavor id', issues);
  unique(t.images, (i) => i.name, 'name', ['images'], 'image name', issues);
  unique(t.images, (i) => i.id, 'id', ['images'], 'image id', issues);
  unique(t.projects, (p) => `${p.domain}/${p.name}`, 'name', ['projects'], 'project (domain/name)', issues);
  unique(t.projects, (p) => p.id, 'id', ['projects'], 'project id', issues);
  unique(t.users, (u) => `${u.domain}/${u.name}`, 'name', ['users'], 'user (domain/name)', issues);
  unique(t.users, (u) => u.id, 'id', ['users'], 'user id', issues);

  const projects = t.projects.map((p) => p.name);
  t.users.forEach((u, i) => reference(u.project, projects, ['users', i, 'project'], 'project', 'projects', issues));
  t.images.forEach((img, i) => reference(img.owner, projects, ['images', i, 'owner'], 'project', 'projects', issues));
  reference(t.defaults.flavor, t.flavors.map((f) => f.name), ['defaults', 'flavor'], 'flavor', 'flavors', issues);
  reference(t.defaults.image, t.images.map((i) => i.name), ['defaults', 'image'], 'image', 'images', issues);
  return issues;
}
