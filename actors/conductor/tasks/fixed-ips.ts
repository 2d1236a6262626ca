/**
 * Fixed IPs for real guests, nova-network style (FlatManager with one network per project): the
 * cell's `fixed_range` CIDR is cut into blocks of `network_size` addresses, each project gets the
 * first block no other project uses, and each instance the lowest free address of its project's
 * block (from .10, below which sit the gateway, .1, and QEMU's user-network DNS, .3). The address
 * is kept in the instance's system metadata, so it travels up with the record (the API shows it)
 * and down with every build and rebuild (the driver configures the guest with it). Deleted
 * instances free their address. Without `fixed_range` (simulations) nothing is allocated.
 */
import { createHash } from 'node:crypto';
import type { ConductorContext } from '../context.ts';
import type { InstanceRecord } from '../records.ts';

export const FIXED_IP = 'fixed_ip';
export const FIXED_NETWORK = 'fixed_network';
const FIRST_HOST = 10;

export interface FixedIp {
  cidr: string;
  gateway: string;
  address: string;
  mac: string;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parse "a.b.c.d/len"; undefined when malformed. */
export function parseCidr(cidr: string): { base: number; size: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30) return undefined;
  const size = 2 ** (32 - Number(m[5]));
  const base = toInt(m.slice(1, 5).join('.'));
  return { base: base - (base % size), size };
}

/** The same MAC the API shows for the instance (views/addresses.ts derives it alike). */
export function macOf(uuid: string): string {
  const b = createHash('sha256').update(uuid).digest();
  return `fa:16:3e:${[b[3], b[4], b[5]].map((x) => x!.toString(16).padStart(2, '0')).join(':')}`;
}

/** The instance's fixed IP as the driver needs it; undefined when none was allocated. */
export function fixedIpOf(inst: InstanceRecord): FixedIp | undefined {
  const address = inst.systemMetadata[FIXED_IP];
  const cidr = inst.systemMetadata[FIXED_NETWORK];
  const net = cidr ? parseCidr(cidr) : undefined;
  if (!address || !cidr || !net) return undefined;
  return { cidr, gateway: toIp(net.base + 1), address, mac: macOf(inst.uuid) };
}

/** Give `inst` a fixed IP if the cell has a fixed_range and the instance has none yet. */
export function allocateFixedIp(ctx: ConductorContext, inst: InstanceRecord): void {
  const range = ctx.config.DEFAULT.fixed_range;
  if (!range || inst.systemMetadata[FIXED_IP]) return;
  const whole = parseCidr(range);
  const size = ctx.config.DEFAULT.network_size;
  if (!whole || size < 16 || size > whole.size) return;
  const live = [...ctx.store.all()].filter((i) => !i.deleted && i.systemMetadata[FIXED_IP]);
  const blockOf = (i: InstanceRecord) => parseCidr(i.systemMetadata[FIXED_NETWORK] ?? '')?.base;
  let block = live.filter((i) => i.projectId === inst.projectId).map(blockOf).find((b) => b !== undefined);
  if (block === undefined) {
    const taken = new Set(live.filter((i) => i.projectId !== inst.projectId).map(blockOf));
    for (let b = whole.base; b + size <= whole.base + whole.size; b += size) {
      if (!taken.has(b)) {
        block = b;
        break;
      }
    }
  }
  if (block === undefined) {
    ctx.log.warn({ instance: inst.uuid, fixed_range: range }, 'no free project network in fixed_range; the guest gets QEMU\'s default network');
    return;
  }
  const used = new Set(live.filter((i) => blockOf(i) === block).map((i) => toInt(i.systemMetadata[FIXED_IP]!)));
  for (let a = block + FIRST_HOST; a < block + size - 1; a++) {
    if (used.has(a)) continue;
    const prefix = 32 - Math.log2(size);
    ctx.store.update(inst.uuid, {
      systemMetadata: { ...inst.systemMetadata, [FIXED_IP]: toIp(a), [FIXED_NETWORK]: `${toIp(block)}/${prefix}` },
    });
    return;
  }
  ctx.log.warn({ instance: inst.uuid, network: toIp(block) }, 'project network full; the guest gets QEMU\'s default network');
}
