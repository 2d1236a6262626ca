/**
 * `novacell compute run --topology t.yaml --cell api!eu!fra1 --host fra1-compute007`: one compute
 * host's agent in this process. It talks to its cell only over MQTT — no database — with credentials
 * that reach only its own topics: over mutual TLS (the default) its certificate compute@<host> in the
 * pki dir (waited for a while); else from --credentials (the JSON `novacell credentials` prints), or
 * NOVACELL_MQTT_USERNAME / NOVACELL_MQTT_PASSWORD, or, on a machine that holds the deployment's
 * secrets.json, derived from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnGroup, startActorSystem, stopActor } from '../runtime/actor/index.ts';
import { RealClock } from '../runtime/clock/index.ts';
import { createLogger, type Logger } from '../runtime/log/index.ts';
import { entropyRng } from '../runtime/rng/index.ts';
import { errorMessage } from '../runtime/errors/index.ts';
import type { PlanCell } from '../topology/plan-types.ts';
import { ComputeHosts } from '../cells/leaf/compute-hosts.ts';
import { nodeUuidFor } from '../cells/leaf/host-uuid.ts';
import { defaultDriver } from '../cells/leaf/default-driver.ts';
import { cellPrefix } from '../cells/topics.ts';
import { computeClientId, computeUser } from '../cells/security/index.ts';
import { brokerLogin, brokerUrl, connectWithRetry, loadPlan, requireCell, requireHost, type BrokerLogin } from './deployment.ts';
import { readSecrets, secretsPath } from './secrets.ts';
import { exitOnSignalWhileStarting, untilSignal } from './shutdown.ts';
import { UsageError } from './usage-error.ts';
import { redactUrl } from './cell-run-helpers.ts';
import { metadataSharedSecret, parseMetadataUrl } from './metadata-service.ts';
import { awaitCertificates, warnIfPlainBrokers } from './pki-bootstrap.ts';

export interface ComputeRunOptions {
  topology: string;
  cell: string;
  host: string;
  dataDir?: string;
  brokerBasePort?: number;
  credentials?: string;
  secrets?: string;
  /** nova-api-metadata, for the qemu guests' metadata link (docs/metadata.md). */
  metadataUrl?: string;
}

function readCredentials(file: string, c: PlanCell): BrokerLogin {
  let d: { username?: unknown; password?: unknown; url?: unknown };
  try {
    d = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--credentials ${file}: ${errorMessage(e)}`);
  }
  if (typeof d.username !== 'string' || typeof d.password !== 'string') {
    throw new UsageError(`--credentials ${file}: expected {"username": "...", "password": "..."} (as printed by novacell credentials)`);
  }
  return { url: typeof d.url === 'string' ? d.url : brokerUrl(c), username: d.username, password: d.password };
}

function loginFor(o: ComputeRunOptions, c: PlanCell, secretsFile: string, log: Logger): BrokerLogin {
  // broker_tls mutual: the host's certificate (compute@<host>.crt/.key in the pki dir) is its only credential.
  if (c.broker.tls) return brokerLogin(c, { kind: 'compute', host: o.host }, '');
  if (o.credentials) return readCredentials(o.credentials, c);
  const envPassword = process.env.NOVACELL_MQTT_PASSWORD;
  if (envPassword) {
    return { url: brokerUrl(c), username: process.env.NOVACELL_MQTT_USERNAME ?? computeUser(o.host), password: envPassword };
  }
  if (existsSync(secretsFile)) {
    log.warn('using the deployment secret to derive this host\'s password; on a compute host, give it only its own (novacell credentials)');
    return brokerLogin(c, { kind: 'compute', host: o.host }, readSecrets(secretsFile).broker_secret);
  }
  throw new UsageError(`no credentials for host ${o.host}: pass --credentials <file> (from novacell credentials) or set NOVACELL_MQTT_PASSWORD`);
}

export async function computeRun(o: ComputeRunOptions): Promise<void> {
  const plan = loadPlan(o.topology, { dataDir: o.dataDir, brokerBasePort: o.brokerBasePort });
  const metadataUrl = o.metadataUrl === undefined ? undefined : parseMetadataUrl(o.metadataUrl);
  const cell = requireCell(plan, o.cell);
  const host = requireHost(plan, cell, o.host);
  // ComputeHosts binds `host` on each host's lines; the agent's own lines add it here.
  const hostsLog = createLogger({ service: 'nova-compute', cell: cell.path });
  const log = hostsLog.child({ host: host.name });
  warnIfPlainBrokers(plan, log);
  if (cell.broker.tls) await awaitCertificates(plan, [computeUser(host.name)], { topologyFile: o.topology, log });
  const login = loginFor(o, cell, secretsPath(plan, o.secrets), log);
  const clock = new RealClock();
  const rng = entropyRng();
  const started = exitOnSignalWhileStarting(log);
  const clientId = computeClientId(host.name);
  const bus = await connectWithRetry({
    login, clientId, topicPrefix: cellPrefix(cell.path), clock, rng: rng.stream(`bus:${clientId}`), log,
    what: `the broker of cell ${cell.path}`,
  });
  const system = startActorSystem();
  const compute = new ComputeHosts({
    cell: cell.path, parent: spawnGroup(system, `compute-${host.name}`), bus, clock, config: cell.nova, log: hostsLog, subscribe: 'per-host',
  });
  await compute.start([{ host: host.name, nodeUuid: nodeUuidFor(cell.path, host.name), driver: defaultDriver(clock, rng, host, {
    dataDir: plan.dataDir, log, forceConfigDrive: cell.nova.DEFAULT.force_config_drive,
    ...(metadataUrl ? { metadata: { url: metadataUrl, sharedSecret: metadataSharedSecret(plan, cell) } } : {}),
  }) }]);
  // Back after the cell restarted (its broker is new): report resources again straight away.
  bus.onReconnect(() => compute.reportResources());
  started();
  process.stdout.write(`compute ${host.name} (cell ${cell.path}): ready — broker ${redactUrl(login.url)} as ${login.username}\n`);

  await untilSignal(log, async () => {
    compute.stop();
    await bus.close();
    stopActor(system);
  });
}
