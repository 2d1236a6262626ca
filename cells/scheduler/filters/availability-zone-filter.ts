/** AvailabilityZoneFilter for cells: a build for a zone goes only where that zone has hosts. */
import type { CellFilter } from '../types.ts';

export const CellAvailabilityZoneFilter: CellFilter = {
  name: 'AvailabilityZoneFilter',
  passes(child, req) {
    const az = req.spec.availabilityZone;
    return !az || child.capacity.availabilityZones.includes(az);
  },
};
