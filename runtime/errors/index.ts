/** Errors: the NovaError hierarchy with HTTP codes and Nova fault bodies. */
export * from './nova-error.ts';
export { errorCode, errorMessage } from './unknown.ts';
