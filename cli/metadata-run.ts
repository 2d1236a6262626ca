/**
 * `novacell metadata run`: nova-api-metadata as its own process, for a deployment run as one process
 * per cell. Like `console run`, it logs in to the API cell's broker as the cell (its certificate
 * over mutual TLS, else its login from secrets.json) and reads each instance through the tree
 * (RemoteCellsPort → the leaf that owns it); a site can run one near its hosts. Listens on --listen (default Nova's 127.0.0.1:8775).
 */
import { RealClock } from '../runtime/clock/index.ts';
import { createLogger } from '../runtime/log/index.ts';
import { entropyRng } from '../runtime/rng/index.ts';
import '../cells/messages.ts';
import { cellPrefix } from '../cells/topics.ts';
import { cellUser, internalClientId } from '../cells/security/index.ts';
import { awaitCertificates, warnIfPlainBrokers } from './pki-bootstrap.ts';
import { RemoteCellsPort } from '../cells/tree/remote-cells-port.ts';
import { ComputeAPI } from '../actors/api/compute-api.ts';
import { brokerLogin, connectWithRetry, loadPlan } from './deployment.ts';
import { readSecrets, secretsPath } from './secrets.ts';
import { exitOnSignalWhileStarting, untilSignal } from './shutdown.ts';
import { parseMetadataListen, startPlanMetadata } from './metadata-service.ts';

export interface MetadataRunOptions {
  topology: string;
  listen?: string;
  dataDir?: string;
  brokerBasePort?: number;
  secrets?: string;
}

export async function metadataRun(o: MetadataRunOptions): Promise<void> {
  const listen = parseMetadataListen(o.listen ?? '127.0.0.1:8775', '--listen');
  const plan = loadPlan(o.topology, { dataDir: o.dataDir, brokerBasePort: o.brokerBasePort });
  const api = plan.cells[0]!;
  const log = createLogger({ service: 'nova-api-metadata' });
  const starting = exitOnSignalWhileStarting(log);
  // The API cell's certificate over mutual TLS (the default), else its login from secrets.json.
  warnIfPlainBrokers(plan, log);
  if (api.broker.tls) await awaitCertificates(plan, [cellUser(api.path)], { topologyFile: o.topology, log });
  const secret = api.broker.tls ? '' : readSecrets(secretsPath(plan, o.secrets)).broker_secret;
  const rng = entropyRng();
  const clock = new RealClock();
  const bus = await connectWithRetry({
    login: brokerLogin(api, { kind: 'cell', cell: api.path }, secret), clientId: internalClientId(api.path, `metadata-${process.pid}`),
    topicPrefix: cellPrefix(api.path), clock, rng: rng.stream('metadata'), log, clean: true, what: `the broker of cell ${api.path}`,
  });
  const computeApi = new ComputeAPI(new RemoteCellsPort(bus, api.path, 30_000), clock, rng.stream('api'));
  const server = await startPlanMetadata(plan, computeApi, { clock, rng, log, listen });
  starting();
  process.stdout.write(`metadata ${server.url} (nova-api-metadata)\n`);
  await untilSignal(log, async () => {
    await server.close();
    await bus.close();
  });
}
