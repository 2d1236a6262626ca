/** Config: Nova's options, in Nova's names and defaults. */
export { novaConfig, novaConfigSchema } from './nova-config.ts';
export type { NovaConfig, NovaConfigInput } from './nova-config.ts';
