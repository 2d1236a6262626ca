/**
 * Deterministic identifiers for records the topology leaves without one (flavors, images, projects,
 * users, aggregates). The same name always gives the same id, so a restarted deployment or a re-run
 * simulation sees the same ids; RFC 4122 version-5 UUIDs (SHA-1 of a namespace and a name).
 */
import { createHash } from 'node:crypto';

/** RFC 4122's URL namespace; names are `novacell:<kind>:<name>`, which read like URNs. */
const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

export function uuid5(name: string, namespace: string = NAMESPACE_URL): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A dashed uuid for `kind`/`name` (flavors, images, aggregates). */
export function deterministicUuid(kind: string, name: string): string {
  return uuid5(`novacell:${kind}:${name}`);
}

/** Keystone spells its ids as 32 hex digits without dashes. */
export function deterministicKeystoneId(kind: string, name: string): string {
  return deterministicUuid(kind, name).replace(/-/g, '');
}
