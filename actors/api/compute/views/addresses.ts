/**
 * Guest addresses. There is no networking service, so every placed guest is shown on one simulated
 * network, "private", with a fixed IPv4 address and a MAC derived from its uuid (stable, unique
 * enough for a simulation); a guest still building has none, as in Nova.
 */
import { createHash } from 'node:crypto';
import type { ServerModel } from './servers.ts';

export const FAKE_NETWORK = 'private';

export interface FakeAddress {
  addr: string;
  mac: string;
}

export function fakeAddress(uuid: string): FakeAddress {
  const b = createHash('sha256').update(uuid).digest();
  const addr = `10.${b[0]}.${b[1]}.${(b[2]! % 253) + 2}`;
  const mac = `fa:16:3e:${[b[3], b[4], b[5]].map((x) => x!.toString(16).padStart(2, '0')).join(':')}`;
  return { addr, mac };
}

/** The fixed IP the cell allocated on the project's network (real guests; conductor/tasks/fixed-ips.ts). */
function allocatedAddress(m: ServerModel): FakeAddress | undefined {
  const sm = m.inst.systemMetadata ?? {};
  const addr = Object.hasOwn(sm, 'fixed_ip') ? sm['fixed_ip'] : undefined;
  return addr ? { addr, mac: fakeAddress(m.inst.uuid).mac } : undefined;
}

export function hasAddress(m: ServerModel): boolean {
  return m.inst.vmState !== 'building' && m.inst.host !== null;
}

/** The `addresses` of a server; `extended` adds OS-EXT-IPS:type and the MAC (server bodies do). */
export function addressesOf(m: ServerModel, extended: boolean): Record<string, unknown[]> {
  if (!hasAddress(m)) return {};
  const a = allocatedAddress(m) ?? fakeAddress(m.inst.uuid);
  const entry: Record<string, unknown> = { version: 4, addr: a.addr };
  if (extended) {
    entry['OS-EXT-IPS:type'] = 'fixed';
    entry['OS-EXT-IPS-MAC:mac_addr'] = a.mac;
  }
  return { [FAKE_NETWORK]: [entry] };
}
