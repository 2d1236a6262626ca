/** Per-guest metadata forwarding on a compute host: the guest's 169.254.169.254 reaches nova-api-metadata signed as itself. */
export { MetadataProxy, guestForward } from './proxy.ts';
export type { MetadataProxyOptions } from './proxy.ts';
