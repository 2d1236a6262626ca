/**
 * Operator commands for broker credentials. `novacell credentials` prints the login of one principal
 * (a compute host's agent, a cell's link to its parent, or a cell's own admin login) as JSON, to hand
 * to that process and no other: over mutual TLS (the default) the certificate files to copy, else a
 * password. `novacell broker-config` writes a Mosquitto password list and ACL file
 * for a cell whose broker is external, from the same policy the embedded brokers enforce.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeClientId, internalClientId, linkClientId, mosquittoFiles, usernameOf, type Principal } from '../cells/security/index.ts';
import { caPaths, certFiles } from '../actors/cert/index.ts';
import { brokerCellOf, brokerLogin, loadPlan, requireCell, requireHost } from './deployment.ts';
import { ensureSecrets, secretsPath } from './secrets.ts';
import { UsageError } from './usage-error.ts';
import { mosquittoTlsFiles } from './broker-tls.ts';

export interface CredentialsOptions {
  topology: string;
  cell: string;
  host?: string;
  link?: boolean;
  admin?: boolean;
  dataDir?: string;
  secrets?: string;
}

export function credentials(o: CredentialsOptions): void {
  const picked = [o.host !== undefined, !!o.link, !!o.admin].filter(Boolean).length;
  if (picked !== 1) throw new UsageError('pick exactly one of --host <name>, --link, --admin');
  const plan = loadPlan(o.topology, { dataDir: o.dataDir });
  const cell = requireCell(plan, o.cell);
  let on = cell;
  let principal: Principal;
  let clientId: string;
  if (o.host !== undefined) {
    const h = requireHost(plan, cell, o.host);
    principal = { kind: 'compute', host: h.name };
    clientId = computeClientId(h.name);
  } else if (o.link) {
    if (!cell.parentPath) throw new UsageError(`cell "${cell.path}" is the API cell: it has no parent to link to`);
    on = requireCell(plan, cell.parentPath);
    principal = { kind: 'link', child: cell.path };
    clientId = linkClientId(cell.path);
  } else {
    principal = { kind: 'cell', cell: cell.path };
    clientId = internalClientId(cell.path, 'admin');
  }
  // Over mutual TLS the login is a certificate: which files to hand to that process (no password, no secret).
  const b = on.broker;
  if (b.tls) {
    const username = usernameOf(principal);
    const { cert, key } = certFiles(b.tls.pkiDir, username);
    // --admin: the password still opens the cell's HTTP endpoints (/healthcheck details, /metrics).
    const http = o.admin ? { password: brokerLogin(on, principal, ensureSecrets(secretsPath(plan, o.secrets)).secrets.broker_secret, { tls: false }).password } : {};
    const out = { broker_cell: on.path, url: b.url, username, client_id: clientId, ca_file: caPaths(b.tls.pkiDir).caCert, cert_file: cert, key_file: key, ...http };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const secret = ensureSecrets(secretsPath(plan, o.secrets)).secrets.broker_secret;
  const login = brokerLogin(on, principal, secret);
  const out = { broker_cell: on.path, url: login.url, username: login.username, password: login.password, client_id: clientId };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

export interface BrokerConfigOptions {
  topology: string;
  cell: string;
  out: string;
  dataDir?: string;
  secrets?: string;
}

export function brokerConfig(o: BrokerConfigOptions): void {
  const plan = loadPlan(o.topology, { dataDir: o.dataDir });
  const cell = requireCell(plan, o.cell);
  const secret = ensureSecrets(secretsPath(plan, o.secrets)).secrets.broker_secret;
  const b = cell.broker;
  // With mutual TLS Mosquitto takes the certificate's CN as the username, so the cell's own services are `cell@<cell>`.
  const own = b.kind === 'external' && b.username !== null && !b.tls ? { username: b.username, password: b.password ?? '' } : undefined;
  const files = mosquittoFiles(brokerCellOf(cell), secret, own);
  mkdirSync(o.out, { recursive: true });
  const passwd = join(o.out, 'passwd');
  const acl = join(o.out, 'acl');
  writeFileSync(passwd, files.passwords, { mode: 0o600 });
  chmodSync(passwd, 0o600);
  writeFileSync(acl, files.acl, { mode: 0o644 });
  if (b.kind === 'external' && b.tls) {
    process.stdout.write(`${mosquittoTlsFiles(b.tls.pkiDir, cell.path, o.out).join('\n')}\n`);
    process.stdout.write(`# broker_tls is mutual: in mosquitto.conf, include ${join(o.out, 'tls.conf')} in the listener (see docs/operations.md)\n`);
  }
  process.stdout.write(
    `${passwd}\n${acl}\n# next: mosquitto_passwd -U ${passwd}   (hashes the passwords in place), then in mosquitto.conf:\n` +
      `#   password_file ${passwd}\n#   acl_file ${acl}\n#   allow_anonymous false\n`,
  );
}
