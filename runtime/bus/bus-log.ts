/**
 * The logging surface the bus needs (a pino Logger satisfies it), and one shared default logger so that
 * thousands of simulated bus clients do not each open their own log destination.
 */
import { createLogger, type Logger } from '../log/index.ts';

export type BusLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

let shared: BusLogger | undefined;

export function defaultBusLogger(): BusLogger {
  shared ??= createLogger({ module: 'bus' });
  return shared;
}
