/**
 * NovaError: one base error with an HTTP code and a fault name, as nova/exception.py does. Every
 * failure the API can report is a subclass; `toFault()` gives Nova's fault body.
 */
/** Nova's Fault._fault_names (nova/api/openstack/wsgi.py); any other status is a computeFault. */
const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** The key of Nova's fault body for an HTTP status. */
export function novaFaultName(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

export class NovaError extends Error {
  /** HTTP status code of the fault. */
  readonly code: number = 500;
  /** Key of the fault body, e.g. badRequest, itemNotFound. */
  readonly fault: string = 'computeFault';

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  toFault(): Record<string, { code: number; message: string }> {
    return { [this.fault]: { code: this.code, message: this.message } };
  }

  /** A plain object that can travel on the bus and be turned back into the same class. */
  toWire(): WireError {
    return { name: this.name, code: this.code, message: this.message };
  }
}

export interface WireError {
  name: string;
  code: number;
  message: string;
}

export class BadRequest extends NovaError {
  override readonly code = 400;
  override readonly fault = 'badRequest';
}
export class Unauthorized extends NovaError {
  override readonly code = 401;
  override readonly fault = 'unauthorized';
}
export class Forbidden extends NovaError {
  override readonly code = 403;
  override readonly fault = 'forbidden';
}
export class NotFound extends NovaError {
  override readonly code = 404;
  override readonly fault = 'itemNotFound';
}
export class Conflict extends NovaError {
  override readonly code = 409;
  override readonly fault = 'conflictingRequest';
}
export class OverLimit extends NovaError {
  override readonly code = 403;
  override readonly fault = 'forbidden';
}
export class InstanceNotFound extends NotFound {
  constructor(uuid: string) {
    super(`Instance ${uuid} could not be found.`);
  }
}
export class InstanceInvalidState extends Conflict {}
export class FlavorNotFound extends NotFound {}
export class ImageNotFound extends NotFound {}
/** Scheduling found no host; the instance goes to ERROR with this as its fault. */
export class NoValidHost extends NovaError {
  override readonly code = 500;
  constructor(reason = 'There are not enough hosts available.') {
    super(`No valid host was found. ${reason}`);
  }
}
export class MaxRetriesExceeded extends NoValidHost {}
export class ComputeHostNotFound extends NotFound {}
/** A bus call got no answer in time. */
export class MessagingTimeout extends NovaError {
  override readonly code = 504;
}
/** A message failed schema validation. */
export class InvalidMessage extends BadRequest {}
/** The hypervisor failed to spawn; the build is rescheduled. */
export class RescheduledException extends NovaError {}
export class HypervisorError extends NovaError {}

/**
 * An error raised in another process whose class this one does not know (a driver's, a console's),
 * or whose code is not its class's: it keeps the name, HTTP code and message it was raised with, so
 * it arrives at the API unchanged however many cells it crossed.
 */
export class RemoteError extends NovaError {
  override readonly code: number;
  override readonly fault: string;
  constructor(w: WireError) {
    super(w.message);
    this.name = w.name;
    this.code = w.code;
    this.fault = novaFaultName(w.code);
  }
}

const registry = new Map<string, new (message: string) => NovaError>();
const registered: ReadonlyArray<new (message: string) => NovaError> = [
  NovaError, BadRequest, Unauthorized, Forbidden, NotFound, Conflict, OverLimit, InstanceInvalidState,
  FlavorNotFound, ImageNotFound, ComputeHostNotFound, MessagingTimeout, InvalidMessage,
  RescheduledException, HypervisorError,
];
for (const cls of registered) registry.set(cls.name, cls);

/** Unknown classes with these codes come back as their base class, so `instanceof NotFound` still holds. */
const baseByCode = new Map<number, new (message: string) => NovaError>([
  [400, BadRequest], [401, Unauthorized], [403, Forbidden], [404, NotFound], [409, Conflict],
]);

/**
 * Rebuild an error that crossed the bus. A known class with the same code comes back as that class;
 * anything else keeps its name and code (a base class for the common codes, else RemoteError), so
 * passing it on over a second hop (leaf → parent cell → API) sends the same name and code again.
 */
export function fromWire(w: WireError): NovaError {
  if (w.name === 'NoValidHost' || w.name === 'MaxRetriesExceeded') {
    const e = new NoValidHost();
    e.message = w.message;
    return e;
  }
  const Cls = registry.get(w.name);
  if (Cls) {
    const e = new Cls(w.message);
    if (e.code === w.code) return e;
  }
  const Base = baseByCode.get(w.code);
  if (!Base) return new RemoteError(w);
  const e = new Base(w.message);
  e.name = w.name;
  return e;
}
