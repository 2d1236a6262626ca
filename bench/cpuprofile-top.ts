/**
 * The top entries of a V8 CPU profile (`node --cpu-prof …`) by self time: samples per function
 * (name + file + column), most first, then per package or directory; optionally only the samples
 * in a window of the run (ms from the profile's start), e.g. a bench's burst without its start-up.
 * Samples are counted, not timeDeltas summed: on a shared machine a delayed sample would otherwise
 * charge the wait to whichever function it lands in. `(idle)` is left out.
 *   npx tsx bench/cpuprofile-top.ts <file.cpuprofile> [top=40] [fromMs=0] [toMs=end]
 * Prints, per second of the run, the samples in runtime/bus (to find the burst's window).
 */
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const [file, topArg, fromArg, toArg] = process.argv.slice(2);
if (!file || file === '--help') {
  console.log('usage: npx tsx bench/cpuprofile-top.ts <file.cpuprofile> [top=40] [fromMs=0] [toMs=end]');
  process.exit(file ? 0 : 1);
}
const top = Number(topArg ?? 40);
const from = Number(fromArg ?? 0);
const to = Number(toArg ?? Infinity);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const short = (url: string): string => url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm/').replace(`${process.cwd()}/`, '');
const self = new Map<string, number>();
const byPackage = new Map<string, number>();
const busPerSecond = new Map<number, number>();
let t = 0;
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  t += (p.timeDeltas[i] ?? 0) / 1000;
  const cf = byId.get(p.samples[i]!)!.callFrame;
  if (cf.url.includes('runtime/bus')) busPerSecond.set(Math.floor(t / 1000), (busPerSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  if (t < from || t > to || cf.functionName === '(idle)') continue;
  total++;
  const url = short(cf.url);
  const key = `${cf.functionName || '(anonymous)'} ${url}${url ? `:${cf.columnNumber}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + 1);
  const parts = url.split('/');
  const pkg = url.startsWith('nm/') ? parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/') : parts.length > 1 ? parts.slice(0, 2).join('/') : url || cf.functionName;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
}
const pct = (n: number): string => `${((100 * n) / total).toFixed(1).padStart(5)} %`;
console.log(`runtime/bus samples per second: ${[...busPerSecond].map(([s, n]) => `${s}:${n}`).join(' ')}`);
console.log(`${total} samples (window ${from}–${to === Infinity ? 'end' : to} ms)`);
for (const [k, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(n).padStart(7)} ${pct(n)}  ${k}`);
console.log('by package or directory:');
for (const [k, n] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${String(n).padStart(7)} ${pct(n)}  ${k}`);
