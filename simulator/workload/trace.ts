/**
 * Trace files: a recorded (or synthesised) request stream as CSV, one request per line, in time order.
 * Only `time` is required; a column left out (or a cell left empty) is drawn from the scenario's mix.
 *
 *   time,flavor,count,lifetime,availability_zone,group_policy,target_cell
 *   0,m1.small,1,2h,,,
 *   12.5,m1.large,3,forever,,anti-affinity,
 */
import type { TopologyIssue } from '../../topology/errors.ts';
import { expectedOneOf } from '../../topology/suggest.ts';
import { parseDuration } from '../units.ts';
import { ScenarioError } from '../scenario/errors.ts';
import type { GroupPolicy } from '../scenario/schema-workload.ts';
import { isCsvProblem, readCsv, type CsvField } from './csv.ts';

export const TRACE_COLUMNS = ['time', 'flavor', 'count', 'lifetime', 'availability_zone', 'group_policy', 'target_cell'] as const;
type TraceColumn = (typeof TRACE_COLUMNS)[number];
const isColumn = (s: string): s is TraceColumn => TRACE_COLUMNS.some((c) => c === s);
const POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const satisfies readonly GroupPolicy[];
const isPolicy = (s: string): s is GroupPolicy => POLICIES.some((p) => p === s);

export interface TraceRow {
  atMs: number;
  flavor?: string;
  count?: number;
  /** null: forever; undefined: drawn from the scenario's lifetime. */
  lifetimeMs?: number | null;
  availabilityZone?: string;
  groupPolicy?: GroupPolicy;
  targetCell?: string;
}

/** What the trace may name, for checking references. */
export interface TraceNames {
  flavors: readonly string[];
  zones: readonly string[];
  cells: readonly string[];
}

export function parseTrace(text: string, file: string, names: TraceNames): TraceRow[] {
  let records: CsvField[][];
  try {
    records = readCsv(text);
  } catch (e) {
    if (!isCsvProblem(e)) throw e;
    throw new ScenarioError([{ file, line: e.line, col: e.col, path: '', message: e.message }]);
  }
  const issues: TopologyIssue[] = [];
  const bad = (f: CsvField, column: string, message: string) => issues.push({ file, line: f.line, col: f.col, path: column, message });
  const header = records.shift();
  if (!header) throw new ScenarioError([{ file, line: 1, col: 1, path: '', message: 'empty trace: expected a header line such as time,flavor,lifetime' }]);
  const columns: string[] = [];
  for (const h of header) {
    if (!isColumn(h.text)) bad(h, '(header)', `unknown column "${h.text}"; ${expectedOneOf(h.text, TRACE_COLUMNS)}`);
    columns.push(h.text);
  }
  if (!columns.includes('time')) issues.push({ file, line: header[0]!.line, col: 1, path: '(header)', message: 'required: a "time" column (seconds, or a duration like 1h30m, from the start of the run)' });
  if (issues.length > 0) throw new ScenarioError(issues);

  const rows: TraceRow[] = [];
  let last = 0;
  for (const rec of records) {
    if (rec.length !== columns.length) {
      bad(rec[0]!, '', `expected ${columns.length} fields as in the header, got ${rec.length}`);
      continue;
    }
    const row: TraceRow = { atMs: 0 };
    rec.forEach((f, k) => {
      const column = columns[k]!;
      if (f.text === '') {
        if (column === 'time') bad(f, column, 'required: the time of the request');
        return;
      }
      const v = f.text;
      switch (column) {
        case 'time': {
          const ms = parseDuration(v);
          if (ms === undefined) bad(f, column, `expected seconds or a duration like 1h30m, got "${v}"`);
          else if (ms < last) bad(f, column, `times must not go back: ${v} comes after a later time`);
          else row.atMs = last = ms;
          break;
        }
        case 'flavor':
          if (!names.flavors.includes(v)) bad(f, column, `unknown flavor "${v}"; ${expectedOneOf(v, names.flavors)}`);
          else row.flavor = v;
          break;
        case 'count':
          if (!/^[1-9]\d*$/.test(v)) bad(f, column, `expected a whole number of instances, 1 or more, got "${v}"`);
          else row.count = Number(v);
          break;
        case 'lifetime': {
          const ms = v === 'forever' ? null : parseDuration(v);
          if (ms === undefined) bad(f, column, `expected a duration like 2h, or forever, got "${v}"`);
          else row.lifetimeMs = ms;
          break;
        }
        case 'availability_zone':
          if (!names.zones.includes(v)) bad(f, column, `unknown availability zone "${v}"; ${expectedOneOf(v, names.zones)}`);
          else row.availabilityZone = v;
          break;
        case 'group_policy':
          if (!isPolicy(v)) bad(f, column, `"${v}" is not allowed; ${expectedOneOf(v, POLICIES)}`);
          else row.groupPolicy = v;
          break;
        case 'target_cell':
          if (!names.cells.includes(v)) bad(f, column, `unknown cell "${v}"; ${expectedOneOf(v, names.cells)}`);
          else row.targetCell = v;
          break;
      }
    });
    rows.push(row);
    if (issues.length >= 50) break;
  }
  if (issues.length > 0) throw new ScenarioError(issues);
  return rows;
}
