/**
 * Placement's failures with its error codes (placement/errors.py): each carries the HTTP status,
 * the `code` of placement's error body (`placement.concurrent_update`, ...) and a detail safe to show.
 * They travel between cells as values (PlacementReply), not as thrown errors.
 */
export class PlacementError extends Error {
  constructor(readonly status: number, message: string, readonly errorCode = 'placement.undefined_code') {
    super(message);
    this.name = 'PlacementError';
  }
}

export const CONCURRENT_UPDATE = 'placement.concurrent_update';
export const DUPLICATE_NAME = 'placement.duplicate_name';
export const INVENTORY_INUSE = 'placement.inventory.inuse';
export const PROVIDER_IN_USE = 'placement.resource_provider.inuse';
export const PROVIDER_CANNOT_DELETE_PARENT = 'placement.resource_provider.cannot_delete_parent';
export const PROVIDER_NOT_FOUND = 'placement.resource_provider.not_found';
export const ROOT_PROVIDER_NOT_FOUND = 'placement.resource_provider.root_provider.not_found';
export const QUERYPARAM_BAD_VALUE = 'placement.query.bad_value';
export const QUERYPARAM_MISSING_VALUE = 'placement.query.missing_value';

export const notFound = (detail: string, code?: string) => new PlacementError(404, detail, code);
export const badRequest = (detail: string, code?: string) => new PlacementError(400, detail, code);
export const conflict = (detail: string, code?: string) => new PlacementError(409, detail, code);

/** What a leaf answers a placement call with: the result, or the failure as a value. */
export type PlacementReply<T = unknown> =
  | { ok: true; result: T }
  | { ok: false; status: number; code: string; detail: string };

export function replyError(e: PlacementError): PlacementReply<never> {
  return { ok: false, status: e.status, code: e.errorCode, detail: e.message };
}

/** Turn a failed reply back into the error the API renders. */
export function unwrap<T>(r: PlacementReply<T>): T {
  if (r.ok) return r.result;
  throw new PlacementError(r.status, r.detail, r.code);
}
