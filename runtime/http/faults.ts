/**
 * OpenStack fault bodies. Every failure a REST surface reports is first reduced to an `HttpFault`
 * (status + message safe to show), then drawn by a `FaultRenderer`: Nova's
 * `{"badRequest": {"code": 400, "message": ...}}` (nova/api/openstack/wsgi.py Fault) by default,
 * Keystone's `{"error": {...}}` for the identity surface.
 */
import { STATUS_CODES } from 'node:http';
import { NovaError, novaFaultName } from '../errors/index.ts';

export { novaFaultName };

/** `{"<faultName>": {"code": status, "message": message}}`, exactly as Nova writes it. */
export function novaFaultBody(status: number, message: string): Record<string, { code: number; message: string }> {
  return { [novaFaultName(status)]: { code: status, message } };
}

/** Standard reason phrase for a status ("Not Found"). */
export function statusTitle(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/**
 * An HTTP failure with a message that is safe to show, for code with no Nova meaning (plumbing,
 * Keystone). Nova's own failures are NovaError subclasses.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers (Allow, WWW-Authenticate, Retry-After). */
    readonly headers: Readonly<Record<string, string>> = {},
    /** Title for renderers that show one (Keystone); defaults to the reason phrase. */
    readonly title: string = statusTitle(status),
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** What a renderer needs to draw a failure. */
export interface HttpFault {
  status: number;
  message: string;
  title: string;
  headers: Readonly<Record<string, string>>;
  /** True when the failure was not foreseen (a bug): the message is generic and the cause is logged. */
  unexpected: boolean;
}

/** Turns a fault into the body sent to the client. */
export type FaultRenderer = (fault: HttpFault) => unknown;

export const renderNovaFault: FaultRenderer = (f) => novaFaultBody(f.status, f.message);

/** Nova's answer to an exception nobody expected (nova/api/openstack/extensions.py expected_errors). */
export function unexpectedErrorMessage(err: unknown): string {
  const cls = err instanceof Error ? err.constructor.name : typeof err;
  return `Unexpected API Error. Please report this to the operators of this cloud and attach the API log ` +
    `if possible.\n<class '${cls}'>`;
}

/** Fastify's own errors carry a code and a 4xx statusCode. */
interface FrameworkError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  message: string;
}

/** The fields fastify (and Node) put on the errors they throw, where present. */
function frameworkError(err: Error): FrameworkError {
  return {
    code: 'code' in err ? err.code : undefined,
    statusCode: 'statusCode' in err ? err.statusCode : undefined,
    validation: 'validation' in err ? err.validation : undefined,
    message: err.message,
  };
}

/** Messages Nova (webob + oslo.middleware) gives for the framework-level failures. */
const FRAMEWORK_MESSAGES: Readonly<Record<string, { status: number; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, message: 'The body of your request was too large for this server.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: 'Unsupported Content-Type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, message: 'Request body size did not match Content-Length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: 'Malformed request body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: 'Malformed request body' },
};

function unexpected(err: unknown): HttpFault {
  return { status: 500, message: unexpectedErrorMessage(err), title: statusTitle(500), headers: {}, unexpected: true };
}

/** Reduce anything thrown or sent as an error to an HttpFault. Never throws. */
export function classifyError(err: unknown): HttpFault {
  if (err instanceof HttpError) {
    return { status: err.status, message: err.message, title: err.title, headers: err.headers, unexpected: false };
  }
  if (err instanceof NovaError) {
    return { status: err.code, message: err.message, title: statusTitle(err.code), headers: {}, unexpected: false };
  }
  if (err instanceof Error) {
    const fw = frameworkError(err);
    const known = typeof fw.code === 'string' ? FRAMEWORK_MESSAGES[fw.code] : undefined;
    if (known) return { ...known, title: statusTitle(known.status), headers: {}, unexpected: false };
    const status = typeof fw.statusCode === 'number' ? fw.statusCode : 0;
    // Schema validation failures and fastify's other client errors (bad URL, ...) say what is wrong.
    if (fw.validation !== undefined || (status >= 400 && status < 500)) {
      const s = status >= 400 && status < 500 ? status : 400;
      return { status: s, message: fw.message, title: statusTitle(s), headers: {}, unexpected: false };
    }
  }
  return unexpected(err);
}
