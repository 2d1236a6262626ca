/**
 * A guest's network with QEMU user networking (slirp): each guest gets a private slirp network
 * shaped like its flat project network (same CIDR and gateway), whose DHCP server hands the guest
 * exactly its fixed IP (dhcpstart = the address). Guests reach the outside through the host, but
 * not each other: every guest has its own slirp instance, so there is no guest-to-guest traffic.
 */
import { createHash } from 'node:crypto';
import type { NetworkInfo } from '../spawn-context.ts';
import type { GuestNetwork } from './guest-files.ts';
import { guestForward } from '../../metadata-proxy/index.ts';

/** QEMU's own default user network, for a guest the manager gave no network. */
export const DEFAULT_USER_NETWORK = { cidr: '10.0.2.0/24', gateway: '10.0.2.2', address: '10.0.2.15' } as const;

/** A MAC in OpenStack's fa:16:3e prefix, stable per instance. */
export function macFor(uuid: string): string {
  const b = createHash('sha256').update(uuid).digest();
  return `fa:16:3e:${[b[0], b[1], b[2]].map((x) => x!.toString(16).padStart(2, '0')).join(':')}`;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const CIDR4 = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

/** The first VIF's first IPv4 subnet and address, checked (they reach QEMU's command line). */
export function guestNetwork(uuid: string, networkInfo: NetworkInfo): GuestNetwork {
  const vif = networkInfo[0];
  const mac = vif && MAC.test(vif.address) ? vif.address.toLowerCase() : macFor(uuid);
  for (const subnet of vif?.network?.subnets ?? []) {
    const ip = subnet.ips.find((i) => IPV4.test(i.address) && (i.type ?? 'fixed') === 'fixed');
    if (ip && CIDR4.test(subnet.cidr) && subnet.gateway && IPV4.test(subnet.gateway)) {
      return { cidr: subnet.cidr, gateway: subnet.gateway, address: ip.address, mac };
    }
  }
  return { ...DEFAULT_USER_NETWORK, mac };
}

/**
 * The guest's metadata link: a second user-mode NIC on 169.254.0.0/16 (QEMU only forwards a guest
 * address inside the user network, and the guest's own network is the cell's fixed-IP subnet),
 * isolated (restrict=on), whose only service is 169.254.169.254:80 → the per-guest metadata proxy.
 */
export function metadataLinkArgs(uuid: string, socket: string): string[] {
  return [
    '-netdev', `user,id=md0,net=169.254.0.0/16,host=169.254.0.2,dhcpstart=169.254.0.15,restrict=on,${guestForward(socket)}`,
    '-device', `virtio-net-pci,netdev=md0,mac=${macFor(`${uuid}:metadata`)}`,
  ];
}

/** A socket path QEMU's option parser, the shell-like split of guestfwd's cmd and socat all take as is. */
export function usableForGuestForward(socket: string): boolean {
  return /^[A-Za-z0-9._/+-]+$/.test(socket) && Buffer.byteLength(socket) <= 107;
}
