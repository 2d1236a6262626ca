/**
 * "expected one of ..." and "did you mean ...?" for names that do not resolve; a typo is the usual cause
 * of an unknown key or reference, so naming the closest candidate saves the operator a trip to the docs.
 */

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The candidate closest to `name` if it is close enough to be a plausible typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** `expected one of: a, b, c; did you mean "b"?` — long lists are cut, the suggestion is kept. */
export function expectedOneOf(name: string, candidates: readonly string[], max = 12): string {
  const near = closest(name, candidates);
  const hint = near !== undefined ? `did you mean "${near}"? ` : '';
  if (candidates.length === 0) return `${hint}none are defined`.trim();
  const shown = candidates.slice(0, max).join(', ');
  const more = candidates.length > max ? `, … (${candidates.length - max} more)` : '';
  return `${hint}expected one of: ${shown}${more}`;
}
