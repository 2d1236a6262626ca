/**
 * Every route the server knows, by path pattern, so that a request for a known path with an unknown
 * method is answered 405 with an Allow header rather than 404. Fastify's router cannot tell the two
 * apart, so the patterns are recorded through the onRoute hook.
 */

interface Pattern {
  regex: RegExp;
  methods: Set<string>;
}

function patternRegex(url: string): RegExp {
  const parts = trimSlash(url).split('/').map((seg) => {
    if (seg === '*') return '.*';
    if (seg.startsWith(':')) return '[^/]+';
    return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}$`);
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export class RouteTable {
  private readonly patterns = new Map<string, Pattern>();

  add(url: string, methods: string | readonly string[]): void {
    const key = trimSlash(url);
    let p = this.patterns.get(key);
    if (!p) {
      p = { regex: patternRegex(url), methods: new Set() };
      this.patterns.set(key, p);
    }
    for (const m of typeof methods === 'string' ? [methods] : methods) p.methods.add(m.toUpperCase());
  }

  /** Methods that some route accepts for this concrete path (query string ignored), sorted. */
  allowedMethods(path: string): string[] {
    const bare = trimSlash(path.split('?')[0] ?? '');
    const out = new Set<string>();
    for (const p of this.patterns.values()) {
      if (p.regex.test(bare)) for (const m of p.methods) out.add(m);
    }
    return [...out].sort();
  }
}
