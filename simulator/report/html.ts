/**
 * report.html: one self-contained page a person can open — the run's manifest, the headline figures,
 * the fault table, and the charts as inline SVG. Deterministic like results.json (no dates, no wall
 * times), so two identical runs give identical pages.
 */
import type { RunOutput } from '../engine.ts';
import type { SimResults } from './results.ts';
import { fragmentationSpec, latencySpec, oracleSpec, rejectionsSpec, renderSvg, utilisationSpec } from './charts.ts';

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)} %`);
const num = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '—' : x.toFixed(d));

function table(rows: [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

export async function reportHtml(out: RunOutput, r: SimResults, files: readonly string[]): Promise<string> {
  const q = r.requests;
  const charts: [string, Promise<string>][] = [
    ['utilisation', renderSvg(utilisationSpec(out))],
    ['latency', renderSvg(latencySpec(out))],
    ['rejections', renderSvg(rejectionsSpec(out))],
  ];
  const os = oracleSpec(out);
  if (os) charts.push(['oracle', renderSvg(os)]);
  charts.push(['fragmentation', renderSvg(fragmentationSpec(out))]);
  const svgs = await Promise.all(charts.map(([, p]) => p));
  const m = r.manifest;
  const summary = table([
    ['requests (instances)', `${q.requests} (${q.instances})`],
    ['ACTIVE', `${q.active} (${pct(q.acceptance_rate)})`],
    ['NoValidHost', String(q.no_valid_host)],
    ['other errors / API timeouts / API errors', `${q.other_errors} / ${q.api_timeouts} / ${q.api_errors}`],
    ['deleted while building / pending at end', `${q.deleted_while_building} / ${q.pending_at_end}`],
    ['reschedules', String(r.reschedules)],
    ['build latency p50 / p95 / p99', `${num(r.build_latency_s.p50)} s / ${num(r.build_latency_s.p95)} s / ${num(r.build_latency_s.p99)} s`],
    ['messages per requested instance', num(r.messages.per_requested_instance)],
    ['mean utilisation vCPU / RAM / disk', `${pct(r.utilisation.mean.vcpu)} / ${pct(r.utilisation.mean.ram)} / ${pct(r.utilisation.mean.disk)}`],
    ['mean fragmentation', pct(r.fragmentation.mean)],
    ...(r.oracle
      ? ([
          ['oracle acceptance rate', pct(r.oracle.acceptance_rate)],
          ['hierarchy / oracle acceptance', pct(r.oracle.hierarchy_vs_oracle.acceptance_ratio)],
          ['oracle mean RAM utilisation', pct(r.oracle.utilisation_mean.ram)],
        ] as [string, string][])
      : []),
  ]);
  const faults = r.faults.length === 0 ? '<p>No faults in this scenario.</p>' : `<table><tr><th>fault</th><th>at</th><th>repaired</th><th>baseline rejections</th><th>peak</th><th>time to recover</th></tr>${r.faults
    .map((f) => `<tr><td>${esc(f.label)}</td><td>${num(f.at_s / 3600, 2)} h</td><td>${f.until_s === null ? 'never' : `${num(f.until_s / 3600, 2)} h`}</td><td>${pct(f.baseline_rejection_rate)}</td><td>${pct(f.peak_rejection_rate)}</td><td>${f.time_to_recover_s === null ? 'not within the run' : f.hurt ? `${num(f.time_to_recover_s / 60, 1)} min` : 'no visible impact'}</td></tr>`)
    .join('')}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>novacell simulation — ${esc(m.scenario.name)} (seed ${esc(m.seed)})</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:900px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .8em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{font-weight:600;color:#444}.chart{margin:1em 0;overflow-x:auto}code{background:#f4f4f4;padding:0 .3em}
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
${charts.map(([name], i) => `<h2>${esc(name[0]!.toUpperCase() + name.slice(1))}</h2><div class="chart">${svgs[i]}</div>`).join('\n')}
<h2>Files</h2><ul>${files.map((f) => `<li><a href="${esc(f)}">${esc(f)}</a></li>`).join('')}</ul>
</body></html>
`;
}
