/**
 * Keystone's errors (keystone/exception.py) and its error body:
 * `{"error": {"code": 401, "title": "Unauthorized", "message": "..."}}`.
 */
import { HttpError, type FaultRenderer } from '../../../runtime/http/index.ts';

/** Keystone never says why authentication failed (no user? wrong password? no role?). */
export const AUTH_REQUIRED_MESSAGE = 'The request you have made requires authentication.';

export class KeystoneUnauthorized extends HttpError {
  constructor(message = AUTH_REQUIRED_MESSAGE) {
    super(401, message);
  }
}

export class KeystoneForbidden extends HttpError {
  constructor(message = 'You are not authorized to perform the requested action.') {
    super(403, message);
  }
}

export class KeystoneNotFound extends HttpError {
  constructor(message: string) {
    super(404, message);
  }
}

/** 400 "Bad Request", Keystone's ValidationError. */
export class KeystoneValidationError extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

export class TokenNotFound extends KeystoneNotFound {
  constructor(tokenId: string) {
    super(`Could not find token: ${tokenId}.`);
  }
}

export const renderKeystoneFault: FaultRenderer = (f) => ({
  error: {
    code: f.status,
    title: f.title,
    message: f.message,
  },
});

/** 409 "Conflict", Keystone's Conflict (a duplicate entry). */
export class KeystoneConflict extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}
