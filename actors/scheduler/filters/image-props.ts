/**
 * Image-property helpers for ImagePropertiesFilter: Nova's canonical names for architectures,
 * hypervisor types and VM modes (nova/objects/fields.py), the legacy property names Glance images
 * still carry, and the hypervisor-version predicate of img_hv_requested_version.
 */

/** Newer name first, then the pre-Liberty one ImageMetaProps still accepts. */
export function imageProp(props: Record<string, string>, name: string, legacy: string): string | undefined {
  return props[name] ?? props[legacy];
}

export function canonicalArch(name: string | undefined): string | null {
  if (!name) return null;
  const n = name.toLowerCase();
  if (n === 'i386' || n === 'i486' || n === 'i586' || n === 'x86_32') return 'i686';
  if (n === 'amd64' || n === 'x64') return 'x86_64';
  return n;
}

export function canonicalHvType(name: string | undefined): string | null {
  if (!name) return null;
  const n = name.toLowerCase();
  return n === 'xapi' ? 'xen' : n;
}

export function canonicalVmMode(name: string | undefined): string | null {
  if (!name) return null;
  const n = name.toLowerCase();
  if (n === 'pv') return 'xen';
  if (n === 'hv' || n === 'baremetal') return 'hvm';
  return n;
}

/** Nova packs versions as integers, three decimal digits per part: 2011000 is 2.11.0. */
export function versionParts(v: number): number[] {
  const parts: number[] = [];
  while (v > 0) {
    parts.unshift(v % 1000);
    v = Math.floor(v / 1000);
  }
  return parts;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export type VersionPredicate = (hypervisorVersion: number) => boolean;

/** distutils' VersionPredicate body: ">=6.0, <6.2". An unparseable clause never matches. */
export function parseVersionPredicate(text: string): VersionPredicate {
  const clauses = text.split(',').map((c) => c.trim()).filter((c) => c !== '').map((c) => {
    const m = /^(<=|>=|==|!=|<|>)\s*(\d+(?:\.\d+)*)$/.exec(c);
    if (!m) return null;
    return { op: m[1]!, want: m[2]!.split('.').map(Number) };
  });
  return (hv) => clauses.every((c) => {
    if (c === null) return false;
    const d = compareVersions(versionParts(hv), c.want);
    switch (c.op) {
      case '<': return d < 0;
      case '<=': return d <= 0;
      case '>': return d > 0;
      case '>=': return d >= 0;
      case '==': return d === 0;
      default: return d !== 0;
    }
  });
}
