/** The console errors of nova/exception.py, with the HTTP codes the API answers them with. */
import { BadRequest, Conflict, NotFound } from '../../runtime/errors/index.ts';

/** The hypervisor (or its configuration) offers no console of this type: 400. */
export class ConsoleTypeUnavailable extends BadRequest {
  constructor(consoleType: string) {
    super(`Unavailable console type ${consoleType}.`);
  }
}

/** A type name Nova does not know for the protocol: 400. */
export class ConsoleTypeInvalid extends BadRequest {
  constructor(consoleType: string) {
    super(`Invalid console type ${consoleType}`);
  }
}

/** The guest has no console right now (building, stopped, no host): 409. */
export class InstanceNotReady extends Conflict {
  constructor(uuid: string) {
    super(`Instance ${uuid} is not ready`);
  }
}

/** os-console-auth-tokens with an unknown or expired token: 404. */
export class ConsoleAuthTokenNotFound extends NotFound {
  constructor() {
    super('The token has expired or is invalid.');
  }
}
