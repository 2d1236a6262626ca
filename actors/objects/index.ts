/**
 * Nova's objects (nova/objects): one module per concept, each with its zod schema (the wire form), the
 * type inferred from it, and the few pure functions it owns. Every other folder uses these; nothing
 * declares a second shape of the same thing.
 */
export * from './aggregate.ts';
export * from './flavor.ts';
export * from './image.ts';
export * from './instance-group.ts';
export * from './request-context.ts';
export * from './instance.ts';
export * from './request-spec.ts';
export * from './instance-fault.ts';
export * from './guest-data.ts';
export * from './diagnostics.ts';
export * from './migration.ts';
export * from './shared-parts.ts';
