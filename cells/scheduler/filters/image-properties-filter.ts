/** ImagePropertiesFilter for cells: the image's hypervisor type and architecture must exist below. */
import type { CellFilter } from '../types.ts';

export const CellImagePropertiesFilter: CellFilter = {
  name: 'ImagePropertiesFilter',
  passes(child, req) {
    const p = req.spec.image.properties;
    const hv = p.img_hv_type ?? p.hypervisor_type;
    const arch = p.hw_architecture ?? p.architecture;
    if (hv && !child.capacity.hypervisorTypes.some((t) => t.toLowerCase() === hv.toLowerCase())) return false;
    if (arch && !child.capacity.cpuArchs.includes(arch)) return false;
    return true;
  },
};
