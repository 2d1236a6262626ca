/**
 * RequestedHostCellFilter: a build that names its host (microversion 2.74 `host`, or the legacy
 * `availability_zone=zone:host` force) goes only down the child whose subtree holds that host, as
 * Nova's own scheduler keeps it to that host. A child whose hosts the parent does not know stays a
 * candidate (its own scheduler decides).
 */
import type { CellFilter } from '../types.ts';

export const RequestedHostCellFilter: CellFilter = {
  name: 'RequestedHostCellFilter',
  passes(child, req) {
    const { forceHosts, forceNodes } = req.spec;
    if ((forceHosts.length === 0 && forceNodes.length === 0) || !child.hosts) return true;
    return [...forceHosts, ...forceNodes].some((h) => child.hosts!.has(h.toLowerCase()));
  },
};
