/** `novacell cert init|issue|rotate|revoke|list|crl`: the deployment's CA (cli/cert.ts), loaded on use. */
import { InvalidArgumentError, type Command } from 'commander';

const topologyOption = ['--topology <file>', 'topology file (YAML or JSON)'] as const;
const dataDirOption = ['--data-dir <dir>', "overrides the topology's data_dir (the pki dir defaults to <data_dir>/pki)"] as const;
const daysOption = ['--days <n>', 'validity in days', (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 36500) throw new InvalidArgumentError('expected a whole number of days, 1 to 36500');
  return n;
}] as const;
const collect = (v: string, acc: string[]) => [...acc, v];

export function registerCertCommands(program: Command): void {
  const cert = program.command('cert').description("the deployment's CA (nova-cert): certificates for mutual TLS between cells and brokers");
  cert.command('init').description('create the CA (ca.key 0600, ca.crt, crl.pem) in the pki directory')
    .requiredOption(...topologyOption).option(...dataDirOption).option(...daysOption)
    .action(async (o) => (await import('./cert.ts')).certInit(o));
  cert.command('issue').description('issue the certificates the topology needs that are not issued yet (or those named)')
    .requiredOption(...topologyOption).option(...dataDirOption).option(...daysOption)
    .option('--name <principal>', 'only this one (cell@<cell>, link@<cell>, compute@<host>, api); repeatable', collect, [])
    .option('--force', 'issue again even if a valid certificate exists')
    .action(async (o) => (await import('./cert.ts')).certIssue(o));
  cert.command('rotate').description('issue a new certificate and revoke the old ones')
    .requiredOption(...topologyOption).option(...dataDirOption).option(...daysOption)
    .option('--name <principal>', 'repeatable', collect, [])
    .action(async (o) => (await import('./cert.ts')).certRotate(o));
  cert.command('revoke').description('revoke a certificate (by name: every valid one of it; or by serial) and rewrite the CRL')
    .argument('<name-or-serial>').requiredOption(...topologyOption).option(...dataDirOption)
    .action(async (target: string, o) => (await import('./cert.ts')).certRevoke({ ...o, target }));
  cert.command('list').description('certificates issued, with serials and status')
    .requiredOption(...topologyOption).option(...dataDirOption)
    .action(async (o) => (await import('./cert.ts')).certList(o));
  cert.command('crl').description('re-sign the CRL (it is valid 365 days; brokers refuse every client once it expires)')
    .requiredOption(...topologyOption).option(...dataDirOption)
    .action(async (o) => (await import('./cert.ts')).certCrl(o));
}
