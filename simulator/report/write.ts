/**
 * Writing a run's output folder: results.json (deterministic, with the manifest), the CSV time series,
 * report.html, and wall.json for the wall-clock figures that must stay out of results.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOutput, WallMetrics } from '../engine.ts';
import { round } from '../units.ts';
import { runCsvs } from './csv.ts';
import { reportHtml } from './html.ts';
import { buildResults, resultsJson, type SimResults } from './results.ts';

export interface Written {
  dir: string;
  files: string[];
  results: SimResults;
}

export function wallJson(out: RunOutput, wall: WallMetrics, machine?: string): string {
  const w = Object.fromEntries(Object.entries(wall).map(([k, v]) => [k, round(v, 3)]));
  return `${JSON.stringify({ note: 'wall-clock figures; not part of results.json (they differ between runs)', machine: machine ?? null, seed: out.seed, ...w }, null, 2)}\n`;
}

export async function writeRunOutputs(out: RunOutput, dir: string, opts: { wall?: boolean; machine?: string } = {}): Promise<Written> {
  mkdirSync(dir, { recursive: true });
  const csvs = runCsvs(out);
  const files = ['results.json', 'report.html', ...Object.keys(csvs)];
  const results = buildResults(out, files);
  writeFileSync(join(dir, 'results.json'), resultsJson(results));
  for (const [name, text] of Object.entries(csvs)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'report.html'), await reportHtml(out, results, files));
  if (opts.wall !== false) writeFileSync(join(dir, 'wall.json'), wallJson(out, out.wall, opts.machine));
  return { dir, files, results };
}
