/**
 * Required and forbidden traits of a request from the flavor's `trait:<NAME>=required|forbidden`
 * extra specs and the image's `trait:<NAME>=required` properties (nova/scheduler/utils.py
 * ResourceRequest). Granular `traitN:` specs are counted with the unnamed group here, as every
 * compute node is a single provider.
 */
const TRAIT_KEY = /^trait\d*:(.+)$/;

export function flavorTraits(extraSpecs: Readonly<Record<string, string>>, imageProps: Readonly<Record<string, unknown>> = {}): { required: string[]; forbidden: string[] } {
  const required = new Set<string>();
  const forbidden = new Set<string>();
  for (const [k, v] of Object.entries(extraSpecs)) {
    const m = TRAIT_KEY.exec(k);
    if (!m) continue;
    if (v === 'required') required.add(m[1]!);
    else if (v === 'forbidden') forbidden.add(m[1]!);
  }
  for (const [k, v] of Object.entries(imageProps)) {
    const m = /^trait:(.+)$/.exec(k);
    if (m && v === 'required') required.add(m[1]!);
  }
  return { required: [...required], forbidden: [...forbidden] };
}
