/**
 * The commands of one process per cell: `cell run`, `compute run`, `status`, `credentials`,
 * `broker-config`. Each loads its module when it runs, so a short command does not pay for the rest.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

/** What `novacell up` runs without an argument. */
export const DEFAULT_TOPOLOGY = new URL('../topology/examples/quickstart.yaml', import.meta.url).pathname;

const topologyOption = ['--topology <file>', 'topology file (YAML or JSON)'] as const;
const dataDirOption = ['--data-dir <dir>', "overrides the topology's data_dir (where secrets.json and SQLite files live)"] as const;
const apiListenOption = ['--api-listen <host:port>', "overrides the topology's api.listen (the API cell's process serves the OpenStack APIs there)"] as const;
const brokerBasePortOption = ['--broker-base-port <port>', "overrides broker_base_port (every process of the deployment must be given the same)", (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a TCP port number');
  return n;
}] as const;
const secretsOption = ['--secrets <file>', 'the deployment secrets file (default <data_dir>/secrets.json)'] as const;

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

export function registerMultiProcessCommands(program: Command): void {
  const cell = program.command('cell').description('run one cell of a topology (one process per cell)');
  cell
    .command('run')
    .description("run one cell: its broker, database and services, linked to its parent's broker")
    .requiredOption(...topologyOption)
    .requiredOption('--cell <name>', 'full name of the cell, e.g. api!eu!fra1')
    .option('--no-compute', "leave a leaf cell's compute hosts to `novacell compute run` agents")
    .option('--http-listen <host:port>', 'serve /metrics and /healthcheck here (port 0: a free one)')
    .option('--metadata-listen <host:port>', 'API cell: where nova-api-metadata listens (default 127.0.0.1:0, a free port)')
    .option('--metadata-url <url>', "leaf cell: nova-api-metadata for its qemu hosts' guests (e.g. http://127.0.0.1:8775)")
    .option(...dataDirOption)
    .option(...apiListenOption)
    .option(...brokerBasePortOption)
    .option(...secretsOption)
    // `up --processes` starts its cells with this: they stop when up's end of their stdin closes.
    .addOption(new Option('--stop-with-parent', 'stop when stdin closes').hideHelp())
    .action(async (o: { topology: string; cell: string; compute: boolean; httpListen?: string; metadataListen?: string; metadataUrl?: string; dataDir?: string; apiListen?: string; brokerBasePort?: number; secrets?: string; stopWithParent?: boolean }) => {
      const { cellRun } = await import('./cell-run.ts');
      await cellRun(o);
    });

  program
    .command('metadata')
    .description('nova-api-metadata (docs/metadata.md)')
    .command('run')
    .description("serve guests' metadata as its own process, reading instances through the API cell's broker")
    .requiredOption(...topologyOption)
    .option('--listen <host:port>', 'where to listen (default 127.0.0.1:8775, Nova\'s port)')
    .option(...dataDirOption)
    .option(...brokerBasePortOption)
    .option(...secretsOption)
    .action(async (o: { topology: string; listen?: string; dataDir?: string; brokerBasePort?: number; secrets?: string }) => {
      const { metadataRun } = await import('./metadata-run.ts');
      await metadataRun(o);
    });

  const compute = program.command('compute').description('run compute host agents (one process per host)');
  compute
    .command('run')
    .description("run one compute host's agent; it reaches its cell over MQTT only, with credentials for its own topics")
    .requiredOption(...topologyOption)
    .requiredOption('--cell <name>', 'full name of the leaf cell the host belongs to')
    .requiredOption('--host <name>', 'the host name, as in the topology')
    .option('--credentials <file>', 'JSON login printed by `novacell credentials --host` (else NOVACELL_MQTT_PASSWORD, else derived from secrets.json)')
    .option('--metadata-url <url>', "nova-api-metadata for this host's qemu guests (e.g. http://127.0.0.1:8775)")
    .option(...dataDirOption)
    .option(...brokerBasePortOption)
    .option(...secretsOption)
    .action(async (o: { topology: string; cell: string; host: string; credentials?: string; metadataUrl?: string; dataDir?: string; brokerBasePort?: number; secrets?: string }) => {
      const { computeRun } = await import('./compute-run.ts');
      await computeRun(o);
    });

  program
    .command('status')
    .description("show a running deployment's cell tree (of `up` or of `cell run` processes): each cell's link state and rolled-up capacity")
    .argument('[topology]', 'topology file, as given to `up` (default: the quickstart, like `up`)')
    .option(...topologyOption)
    .option('--cell <name>', 'ask this cell instead of the API cell')
    .option('--json', 'print the status tree as JSON')
    .option('--timeout <seconds>', 'how long to wait for answers', seconds, 5)
    .option(...dataDirOption)
    .option(...brokerBasePortOption)
    .option(...secretsOption)
    .action(async (file: string | undefined, o: { topology?: string; cell?: string; json?: boolean; timeout: number; dataDir?: string; brokerBasePort?: number; secrets?: string }) => {
      const { status } = await import('./status.ts');
      await status({ ...o, topology: o.topology ?? file ?? DEFAULT_TOPOLOGY });
    });

  program
    .command('credentials')
    .description('print one broker login as JSON: a compute host\'s (--host), a cell\'s link to its parent (--link) or a cell\'s admin login (--admin)')
    .requiredOption(...topologyOption)
    .requiredOption('--cell <name>', 'full name of the cell')
    .option('--host <name>', "the login of this compute host's agent")
    .option('--link', "the cell's login on its parent's broker")
    .option('--admin', "full access to the cell's own broker (operators, tools)")
    .option(...dataDirOption)
    .option(...secretsOption)
    .action(async (o: { topology: string; cell: string; host?: string; link?: boolean; admin?: boolean; dataDir?: string; secrets?: string }) => {
      const { credentials } = await import('./credentials.ts');
      credentials(o);
    });

  program
    .command('broker-config')
    .description("write a Mosquitto password list and ACL file for a cell's external broker")
    .requiredOption(...topologyOption)
    .requiredOption('--cell <name>', 'full name of the cell')
    .requiredOption('--out <dir>', 'directory to write passwd and acl into')
    .option(...dataDirOption)
    .option(...secretsOption)
    .action(async (o: { topology: string; cell: string; out: string; dataDir?: string; secrets?: string }) => {
      const { brokerConfig } = await import('./credentials.ts');
      brokerConfig(o);
    });

  const db = program.command('db').description("maintenance of the deployment's databases (nova-manage db)");
  for (const [name, what] of [['purge', 'remove'], ['archive-deleted-rows', 'remove (novacell keeps no shadow tables, so archiving is purging)']] as const) {
    db
      .command(name)
      .description(`${what} the rows of servers deleted longer ago than --before, in every database of the topology`)
      .requiredOption(...topologyOption)
      .option('--before <age|date>', "age (30d, 12h, 90m, 3600) or date (2026-11-01); default the topology's purge.deleted_rows_age")
      .option('--dry-run', 'count what would be removed, remove nothing')
      .option(...dataDirOption)
      .action(async (o: { topology: string; before?: string; dryRun?: boolean; dataDir?: string }) => {
        const { dbPurge } = await import('./db-purge.ts');
        await dbPurge(o);
      });
  }
}
