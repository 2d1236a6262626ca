/**
 * report.html: one self-contained page a person can open — the run's manifest, the headline figures,
 * the fault table, and the charts as inline SVG. Deterministic like results.json (no dates, no wall
 * times), so two identical runs give identical pages.
 */
import type { RunOutput } from '../engine.ts';
import type { SimResults } from './results.ts';
import { cellsSpec, fragmentationSpec, latencySpec, oracleSpec, rejectionsSpec, renderSvg, utilisationSpec, zoneRejectionsSpec } from './charts.ts';

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Figures for people: one decimal for shares, thousands separators, seconds to three digits. */
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '—' : x.toFixed(d));
const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const secs = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? `${x.toFixed(0)} s` : x >= 10 ? `${x.toFixed(1)} s` : `${x.toFixed(2)} s`);
const dur = (s: number | null): string => (s === null ? 'not within the run' : s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const clock = (s: number): string => `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;

function table(rows: [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function headroomTable(r: SimResults): string {
  const cells = Object.entries(r.headroom);
  if (cells.length === 0) return '<p>No leaf cells.</p>';
  const flavors = Object.keys(cells[0]![1]);
  const head = `<tr><th rowspan="2">leaf cell</th>${flavors.map((f) => `<th colspan="2">${esc(f)}</th>`).join('')}</tr><tr>${flavors.map(() => '<th>end</th><th>worst (at)</th>').join('')}</tr>`;
  const rows = cells.map(([cell, byFlavor]) => `<tr><td>${esc(cell)}</td>${flavors.map((f) => {
    const h = byFlavor[f]!;
    return `<td class="num${h.end === 0 ? ' low' : ''}">${int(h.end)}</td><td class="num${h.worst === 0 ? ' low' : ''}">${int(h.worst)} (${clock(h.worst_at_s)})</td>`;
  }).join('')}</tr>`).join('');
  return `<table>${head}${rows}</table>`;
}

export async function reportHtml(out: RunOutput, r: SimResults, files: readonly string[]): Promise<string> {
  const q = r.requests;
  const charts: [string, Promise<string>][] = [
    ['latency', renderSvg(latencySpec(out))],
    ['rejections', renderSvg(rejectionsSpec(out))],
    ...((): [string, Promise<string>][] => {
      const z = zoneRejectionsSpec(out);
      return z ? [['rejections by zone', renderSvg(z)]] : [];
    })(),
    ['utilisation per region', renderSvg(utilisationSpec(out))],
    ['per leaf cell', renderSvg(cellsSpec(out))],
  ];
  const os = oracleSpec(out);
  if (os) charts.push(['oracle', renderSvg(os)]);
  charts.push(['fragmentation', renderSvg(fragmentationSpec(out))]);
  const svgs = await Promise.all(charts.map(([, p]) => p));
  const m = r.manifest;
  const summary = table([
    ['requests (servers asked for)', `${int(q.requests)} (${int(q.instances)})`],
    ['ACTIVE', `${int(q.active)} of ${int(q.instances)} servers (${pct(q.acceptance_rate)})`],
    ['rejected', `${int(q.rejected)} of ${int(q.instances)} (${pct(q.rejection_rate)}): NoValidHost ${int(q.no_valid_host)}, other errors ${int(q.other_errors)}, API timeouts ${int(q.api_timeouts)}, API errors ${int(q.api_errors)}`],
    ['neither', `deleted while building ${int(q.deleted_while_building)}, still building at the end ${int(q.pending_at_end)}`],
    ['reschedules', int(r.reschedules)],
    ['build latency p50 / p95 / p99 (slowest)', `${secs(r.build_latency_s.p50)} / ${secs(r.build_latency_s.p95)} / ${secs(r.build_latency_s.p99)} (${secs(r.build_latency_s.max)})`],
    ['messages per requested instance', num(r.messages.per_requested_instance)],
    ['mean utilisation vCPU / RAM / disk', `${pct(r.utilisation.mean.vcpu)} / ${pct(r.utilisation.mean.ram)} / ${pct(r.utilisation.mean.disk)}`],
    ['mean fragmentation', pct(r.fragmentation.mean)],
    ...(r.oracle
      ? [
          ['oracle acceptance rate', pct(r.oracle.acceptance_rate)],
          ['hierarchy / oracle acceptance', pct(r.oracle.hierarchy_vs_oracle.acceptance_ratio)],
          ['oracle mean RAM utilisation', pct(r.oracle.utilisation_mean.ram)],
        ] satisfies [string, string][]
      : []),
  ]);
  const faults = r.faults.length === 0 ? '<p>No faults in this scenario.</p>' : `<table><tr><th>fault</th><th>from</th><th>repaired</th><th>rejections before</th><th>peak</th><th>recovered at</th><th>time to recover from the fault's start</th><th>from its repair</th></tr>${r.faults
    .map((f) => `<tr><td>${esc(f.label)}</td><td>${clock(f.at_s)}</td><td>${f.until_s === null ? 'never' : clock(f.until_s)}</td><td>${pct(f.baseline_rejection_rate)}</td><td>${pct(f.peak_rejection_rate)}</td><td>${!f.hurt ? 'no visible impact' : f.recovered_at_s === null ? 'not within the run' : clock(f.recovered_at_s)}</td><td>${f.hurt ? dur(f.time_to_recover_from_start_s) : '—'}</td><td>${f.hurt ? dur(f.time_to_recover_s) : '—'}</td></tr>`)
    .join('')}</table>
<p class="note"><b>Time to recover</b>, per fault, from the rejection rate of requests by arrival time in each ${int(r.run.sample_interval_s / 60)}-minute bucket:
the baseline is the rate in the hour before the fault; the fault <i>hurt</i> if the rate rose more than 2 points above it before the repair;
it has <i>recovered</i> at the first bucket from the repair on (from the fault itself if never repaired) whose rate is back within
max(2 points, 10 % of the peak's excess) of the baseline. Measured from the fault's start (the outage as users saw it) and from its repair (how long the cloud took to settle).</p>`;
  const headroom = headroomTable(r);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>novacell simulation — ${esc(m.scenario.name)} (seed ${esc(m.seed)})</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .8em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{font-weight:600;color:#444}.chart{margin:1em 0;overflow-x:auto}code{background:#f4f4f4;padding:0 .3em}
.note{color:#555;font-size:13px}td.num{text-align:right;font-variant-numeric:tabular-nums}td.low{color:#c62828;font-weight:600}
</style></head><body>
<h1>Simulation of “${esc(m.scenario.name)}”, seed ${esc(m.seed)}</h1>
<p>${esc(out.scenario.description ?? '')}</p>
${table([
  ['scenario', `${m.scenario.file} (sha256 ${m.scenario.hash.slice(0, 16)}…)`],
  ['overrides', m.scenario.overrides.join(' ') || 'none'],
  ['target', m.target],
  ['topology', `${m.topology.regions} regions, ${m.topology.sites} sites, ${m.topology.cells} cells (${m.topology.leaf_cells} leaves), ${m.topology.hosts} hosts`],
  ['simulated', `${num(r.run.duration_s / 3600, 2)} h of arrivals, ${num((r.run.simulated_s ?? 0) / 3600, 2)} h in all`],
  ['versions', Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')],
])}
<h2>Summary</h2>${summary}
<h2>Faults</h2>${faults}
<h2>Headroom</h2><p class="note">How many more servers of each flavor (that flavor alone) would fit on each leaf cell's hosts that are up — at the end of the run and at the worst sample, with when that was.</p>${headroom}
${charts.map(([name], i) => `<h2>${esc(name[0]!.toUpperCase() + name.slice(1))}</h2><div class="chart">${svgs[i]}</div>`).join('\n')}
<h2>Files</h2><ul>${files.map((f) => `<li><a href="${esc(f)}">${esc(f)}</a></li>`).join('')}</ul>
</body></html>
`;
}
