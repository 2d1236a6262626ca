/**
 * NovaError: one base error with an HTTP code and a fault name, as nova/exception.py does. Every
 * failure the API can report is a subclass; `toFault()` gives Nova's fault body.
 */
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

const registry = new Map<string, new (message: string) => NovaError>();
for (const cls of [
  NovaError, BadRequest, Unauthorized, Forbidden, NotFound, Conflict, OverLimit, InstanceInvalidState,
  FlavorNotFound, ImageNotFound, ComputeHostNotFound, MessagingTimeout, InvalidMessage,
  RescheduledException, HypervisorError,
] as const) {
  registry.set(cls.name, cls as new (message: string) => NovaError);
}

/** Rebuild an error that crossed the bus; unknown names come back as NovaError with the same code. */
export function fromWire(w: WireError): NovaError {
  if (w.name === 'NoValidHost' || w.name === 'MaxRetriesExceeded') {
    const e = new NoValidHost();
    e.message = w.message;
    return e;
  }
  if (w.name === 'InstanceNotFound') {
    const e = new NotFound(w.message);
    return e;
  }
  const Cls = registry.get(w.name);
  if (Cls) return new Cls(w.message);
  const e = new NovaError(w.message);
  (e as { code: number }).code = w.code;
  return e;
}
