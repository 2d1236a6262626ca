/**
 * `novacell status`: asks a running deployment (the API cell, or --cell) for its tree and prints each
 * cell's link state and rolled-up capacity — as a table, or as JSON with --json. It logs in to that
 * cell's broker as the cell: with its certificate over mutual TLS (the default with one process per
 * cell), else with the admin login derived from the deployment's secrets.json (as against `up`).
 */
import { RealClock } from '../runtime/clock/index.ts';
import { createLogger } from '../runtime/log/index.ts';
import { entropyRng } from '../runtime/rng/index.ts';
import type { PlanCell, TopologyPlan } from '../topology/plan-types.ts';
import '../cells/messages.ts';
import { statusTopic, cellPrefix } from '../cells/topics.ts';
import { cellUser, internalClientId } from '../cells/security/index.ts';
import { awaitCertificates } from './pki-bootstrap.ts';
import type { CellStatus } from '../cells/tree/status.ts';
import { brokerLogin, connectWithRetry, loadPlan, requireCell } from './deployment.ts';
import { readSecrets, secretsPath } from './secrets.ts';
import { renderStatus } from './status-render.ts';
import { readUpState } from './up-state.ts';
import { errorMessage } from '../runtime/errors/index.ts';

export interface StatusOptions {
  topology: string;
  cell?: string;
  json?: boolean;
  timeout?: number;
  dataDir?: string;
  brokerBasePort?: number;
  secrets?: string;
}

export async function fetchStatus(plan: TopologyPlan, cellPath: string, timeoutMs: number, secretsFile?: string, topologyFile?: string): Promise<CellStatus> {
  const cell = requireCell(plan, cellPath);
  const log = createLogger({ service: 'novacell-status' });
  const clientId = internalClientId(cell.path, `status-${process.pid}`);
  const rng = entropyRng();
  // A running `up` on this data directory says where its brokers are (their ports may be picked at start).
  // `up` runs plain brokers with passwords whatever broker_tls says.
  const running = readUpState(plan.dataDir)?.brokers[cell.path];
  const at: PlanCell = running && cell.broker.kind === 'embedded'
    ? { ...cell, broker: { kind: 'embedded', host: cell.broker.host, port: Number(new URL(running).port), url: running, ...(running.startsWith('mqtts:') ? { tls: cell.broker.tls } : {}) } }
    : cell;
  // Over mutual TLS the cell's certificate is the login (no secrets.json needed); wait for it a while.
  if (at.broker.tls) await awaitCertificates(plan, [cellUser(cell.path)], { topologyFile: topologyFile ?? '<topology>', log, waitMs: timeoutMs });
  const secret = at.broker.tls ? '' : readSecrets(secretsPath(plan, secretsFile)).broker_secret;
  const login = brokerLogin(at, { kind: 'cell', cell: cell.path }, secret);
  const bus = await connectWithRetry({
    login, clientId, topicPrefix: cellPrefix(cell.path),
    clock: new RealClock(), rng: rng.stream('status'), log, clean: true, deadlineMs: timeoutMs, what: `the broker of cell ${cell.path}`,
  });
  try {
    return await bus.call<CellStatus>(statusTopic(cell.path), { type: 'cell_status', body: { timeoutMs: Math.max(1, timeoutMs - 500) } }, { timeoutMs });
  } catch (e) {
    throw new Error(`cell ${cell.path} did not answer: ${errorMessage(e)}`);
  } finally {
    await bus.close();
  }
}

export async function status(o: StatusOptions): Promise<void> {
  const plan = loadPlan(o.topology, { dataDir: o.dataDir, brokerBasePort: o.brokerBasePort });
  const cellPath = o.cell ?? plan.cells[0]!.path;
  const s = await fetchStatus(plan, cellPath, (o.timeout ?? 5) * 1000, o.secrets, o.topology);
  process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : renderStatus(s, plan));
}
