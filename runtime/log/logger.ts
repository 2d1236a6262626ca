/**
 * Structured JSON logs (pino) to stderr. Child loggers carry the cell, the service and the request id.
 * NOVACELL_LOG_LEVEL sets the level (default "info"; tests default to "silent").
 */
import { pino, type Logger } from 'pino';

export type { Logger };

function defaultLevel(): string {
  if (process.env.NOVACELL_LOG_LEVEL) return process.env.NOVACELL_LOG_LEVEL;
  return process.env.VITEST ? 'silent' : 'info';
}

export function createLogger(bindings: Record<string, unknown> = {}, level = defaultLevel()): Logger {
  return pino(
    {
      level,
      base: { ...bindings },
      redact: { paths: ['password', '*.password', 'token', '*.token', 'adminPass', '*.adminPass'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger for one request: every line carries `request_id`. */
export function forRequest(log: Logger, reqId: string | undefined): Logger {
  return reqId ? log.child({ request_id: reqId }) : log;
}
