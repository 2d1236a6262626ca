/** Log: structured JSON logging carrying the request id. */
export { createLogger, forRequest } from './logger.ts';
export type { Logger } from './logger.ts';
