/**
 * The metadata service's view of the cells: an instance read through the ComputeAPI facade, which
 * routes to the cell that owns it (in `up` and the API cell process, the API cell's versioned copy of
 * the leaf's record). A missing instance is undefined (the guest gets 404), not an error.
 */
import { NotFound } from '../../../runtime/errors/index.ts';
import type { ComputeAPI } from '../compute-api.ts';
import type { MetadataSource } from './service.ts';

export function computeApiSource(compute: ComputeAPI): MetadataSource {
  return async (uuid, reqId) => {
    try {
      return await compute.get(uuid, { projectId: '', userId: 'nova-api-metadata', reqId, isAdmin: true });
    } catch (e) {
      if (e instanceof NotFound) return undefined;
      throw e;
    }
  };
}
