/**
 * The sites on a map: land from the bundled outlines (world.ts), an equirectangular projection of the
 * area around the sites, one marker per site coloured by the worst link state of its cells.
 */
import type { DashCell } from '../shared/model.ts';
import { s } from './dom.ts';
import { LAND } from './world.ts';

const W = 600;
const H = 300;

function view(cells: readonly DashCell[]): { lon0: number; lon1: number; lat0: number; lat1: number } {
  const sites = cells.filter((c) => c.site).map((c) => c.site!);
  if (sites.length === 0) return { lon0: -180, lon1: 180, lat0: -60, lat1: 85 };
  let lon0 = Math.min(...sites.map((x) => x.lon)) - 12;
  let lon1 = Math.max(...sites.map((x) => x.lon)) + 12;
  let lat0 = Math.min(...sites.map((x) => x.lat)) - 8;
  let lat1 = Math.max(...sites.map((x) => x.lat)) + 8;
  // Keep the map's aspect (2:1) so land is not stretched.
  const span = Math.max(lon1 - lon0, (lat1 - lat0) * 2, 40);
  const cx = (lon0 + lon1) / 2;
  const cy = (lat0 + lat1) / 2;
  [lon0, lon1, lat0, lat1] = [cx - span / 2, cx + span / 2, cy - span / 4, cy + span / 4];
  return { lon0, lon1, lat0, lat1 };
}

const RANK = { up: 0, muted: 1, down: 2 } as const;

export function drawMap(svg: SVGSVGElement, cells: readonly DashCell[], onSelect: (path: string) => void): void {
  const v = view(cells);
  const x = (lon: number) => ((lon - v.lon0) / (v.lon1 - v.lon0)) * W;
  const y = (lat: number) => ((v.lat1 - lat) / (v.lat1 - v.lat0)) * H;
  svg.replaceChildren();
  for (const poly of LAND) {
    svg.append(s('polygon', { class: 'land', points: poly.map(([lo, la]) => `${x(lo).toFixed(1)},${y(la).toFixed(1)}`).join(' ') }));
  }
  const bySite = new Map<string, DashCell[]>();
  for (const c of cells) if (c.site) bySite.set(c.site.ref, [...(bySite.get(c.site.ref) ?? []), c]);
  for (const [ref, here] of bySite) {
    const site = here[0]!.site!;
    const worst = here.reduce<keyof typeof RANK>((w, c) => (c.link && RANK[c.link] > RANK[w] ? c.link : w), 'up');
    const colour = worst === 'up' ? '#1f8a4c' : worst === 'muted' ? '#b86e00' : '#c62828';
    const g = s('g', { class: 'site', 'data-site': ref },
      s('title', {}, `${ref}: ${here.map((c) => `${c.path} (${c.link ?? 'api'})`).join(', ')}`),
      s('circle', { cx: x(site.lon).toFixed(1), cy: y(site.lat).toFixed(1), r: 6 + Math.min(6, here.length), fill: colour }),
      s('text', { x: (x(site.lon) + 12).toFixed(1), y: (y(site.lat) + 4).toFixed(1) }, `${ref} (${here.length})`));
    g.addEventListener('click', () => onSelect(here[0]!.path));
    svg.append(g);
  }
}
