/**
 * EC2's errors: a code (AuthFailure, InvalidAction, InvalidInstanceID.NotFound, ...), a message and the
 * HTTP status EC2 answers with, and how the compute layer's Nova errors read in EC2's words.
 */
import { NovaError } from '../../../runtime/errors/index.ts';
import { HttpError } from '../../../runtime/http/index.ts';

/** HTTP status per EC2 error code (400 unless listed). */
const STATUS = new Map<string, number>([
  ['AuthFailure', 401],
  ['MissingAuthenticationToken', 401],
  ['SignatureDoesNotMatch', 403],
  ['UnauthorizedOperation', 403],
  ['InternalError', 500],
  ['Unavailable', 503],
  ['InsufficientInstanceCapacity', 500],
]);

export class Ec2Error extends Error {
  readonly status: number;
  constructor(readonly code: string, message: string) {
    super(message);
    this.status = STATUS.get(code) ?? 400;
  }
}

export const invalidParameter = (message: string) => new Ec2Error('InvalidParameterValue', message);
export const missingParameter = (name: string) => new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
export const instanceNotFound = (id: string) => new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);

/** An error from the compute layer, as EC2 says it; anything unexpected is InternalError, its detail kept back. */
export function fromComputeError(e: unknown): Ec2Error {
  if (e instanceof Ec2Error) return e;
  const status = e instanceof NovaError ? e.code : e instanceof HttpError ? e.status : 500;
  const message = e instanceof Error ? e.message : String(e);
  if (status === 400) return invalidParameter(message);
  if (status === 403 && message.startsWith('Quota exceeded')) return new Ec2Error('InstanceLimitExceeded', message);
  if (status === 403) return new Ec2Error('UnauthorizedOperation', message);
  if (status === 404) return new Ec2Error('InvalidParameterValue', message);
  if (status === 409) return new Ec2Error('IncorrectInstanceState', message);
  if (status === 501) return new Ec2Error('Unsupported', message);
  return new Ec2Error('InternalError', 'An internal error has occurred');
}
