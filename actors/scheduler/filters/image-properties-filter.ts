/**
 * ImagePropertiesFilter (nova/scheduler/filters/image_props_filter.py): an image asking for an
 * architecture, hypervisor type or VM mode needs a host advertising a supported_instances triple
 * with all of them, and a hypervisor version satisfying img_hv_requested_version if given.
 */
import type { HostState, RequestSpec } from '../types.ts';
import { BaseHostFilter, PerRequest } from './base.ts';
import {
  canonicalArch, canonicalHvType, canonicalVmMode, imageProp, parseVersionPredicate, type VersionPredicate,
} from './image-props.ts';

interface Wanted {
  props: Array<string | null>;
  any: boolean;
  version: VersionPredicate | null;
}

function wanted(p: Record<string, string>): Wanted {
  const props = [
    canonicalArch(imageProp(p, 'hw_architecture', 'architecture')),
    canonicalHvType(imageProp(p, 'img_hv_type', 'hypervisor_type')),
    canonicalVmMode(imageProp(p, 'hw_vm_mode', 'vm_mode')),
  ];
  const required = imageProp(p, 'img_hv_requested_version', 'hypervisor_version_requires');
  return { props, any: props.some((x) => x !== null), version: required ? parseVersionPredicate(required) : null };
}

export class ImagePropertiesFilter extends BaseHostFilter {
  readonly name = 'ImagePropertiesFilter';
  override readonly runFilterOncePerRequest = true;
  private readonly wanted = new PerRequest((s) => s.image.properties, (s) => wanted(s.image.properties));

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const w = this.wanted.get(spec);
    if (!w.any) return true;
    for (const triple of host.supportedInstances) {
      const supported = w.props.every((p) => p === null || triple.some((t) => t.toLowerCase() === p));
      const versionOk = !w.version || !host.hypervisorVersion || w.version(host.hypervisorVersion);
      if (supported && versionOk) return true;
    }
    return false;
  }

  override prepare(spec: RequestSpec): boolean {
    return this.wanted.refresh(spec).any;
  }
}
