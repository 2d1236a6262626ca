/**
 * Building blocks shared by the topology schemas: names that become path segments, URLs with an allowed
 * scheme, listen addresses, and Nova-style string metadata. Messages say what was expected, because an
 * operator reads them next to a line number, not next to this code.
 */
import { z } from 'zod';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/**
 * A name used as a path segment (cell, region, site): no `!` (full cell names are `api!eu!fra1`), no
 * `.` (database files are named `api.eu.fra1.sqlite`), no `/` (sites are referenced as `region/site`).
 */
export const segmentName = (what: string) =>
  z
    .string()
    .regex(SEGMENT, `expected a ${what} name of letters, digits, "-" and "_" (at most 63, starting with a letter or digit)`);

/** Names of records (flavors, aggregates, projects, users): any printable text, not padded with spaces. */
export const recordName = (max = 255) =>
  z
    .string()
    .min(1, 'expected a non-empty name')
    .max(max, `expected a name of at most ${max} characters`)
    .regex(/^\S(.*\S)?$/, 'expected a name without leading or trailing spaces');

/** Redacts the password of a URL before it appears in an error message. */
function redact(u: URL): string {
  if (u.password) u.password = '***';
  return u.href;
}

/** A URL that `new URL` accepts, with one of `schemes` (like `mqtt:`) and a host. */
export const urlString = (schemes: readonly string[], example: string) =>
  z.string().superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected a URL like ${example}` });
      return;
    }
    const allowed = schemes.map((x) => `${x}//`).join(' or ');
    if (!schemes.includes(u.protocol)) {
      ctx.addIssue({ code: 'custom', message: `expected a URL with scheme ${allowed} (like ${example}), got "${u.protocol}//"` });
    } else if (!u.hostname) {
      ctx.addIssue({ code: 'custom', message: `expected a host name in ${redact(u)}, like ${example}` });
    }
  });

export const TCP_PORT_MESSAGE = 'expected a TCP port number from 0 to 65535 (0 lets the system pick a free one)';
export const tcpPort = z.number().int(TCP_PORT_MESSAGE).min(0, TCP_PORT_MESSAGE).max(65535, TCP_PORT_MESSAGE);

const LISTEN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

/** `host:port` (`[::1]:8774` for IPv6), as in `127.0.0.1:8774`. */
export const listenAddress = z.string().superRefine((s, ctx) => {
  const m = LISTEN.exec(s);
  if (!m || Number(m[2]) > 65535) {
    ctx.addIssue({ code: 'custom', message: 'expected host:port like 127.0.0.1:8774 (IPv6 as [::1]:8774)' });
  }
});

/** Splits a validated listen address. */
export function parseListen(s: string): { host: string; port: number } {
  const m = LISTEN.exec(s)!;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/**
 * Nova and Glance store metadata and extra specs as strings; YAML turns `true` and `4` into other types,
 * so scalars are accepted and stringified (`true` → "true"), which is what the API would return.
 */
export const stringMap = z
  .record(
    z.string().min(1, 'expected a non-empty key').max(255, 'expected a key of at most 255 characters'),
    z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean value' }),
  )
  .transform((m): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])));

/** Nova refuses ":" in availability zone names (it separates zone and host in `az:host` hints). */
export const azName = z
  .string()
  .min(1, 'expected a non-empty availability zone name')
  .max(255, 'expected an availability zone name of at most 255 characters')
  .regex(/^[^:]+$/, 'expected an availability zone name without ":" (Nova uses "zone:host" in scheduler hints)');
