#!/usr/bin/env node
/**
 * The `novacell` command. Data goes to stdout, logs to stderr; exit codes: 0 ok, 1 runtime failure,
 * 2 usage error or invalid input.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TopologyError } from '../topology/errors.ts';
import { loadTopology } from '../topology/load.ts';
import { resolvePlan } from '../topology/plan.ts';
import { DEFAULT_TOPOLOGY, registerMultiProcessCommands } from './multi-process-commands.ts';
import { UsageError } from './usage-error.ts';
import { registerCertCommands } from './cert-commands.ts';
import { errorMessage } from '../runtime/errors/index.ts';


const program = new Command('novacell')
  .description("OpenStack Nova's compute control plane as a hierarchical cell federation")
  .exitOverride();

program
  .command('up')
  .description('start a topology in this process (default: the quickstart)')
  .argument('[topology]', 'topology file (YAML or JSON)', DEFAULT_TOPOLOGY)
  .option('--data-dir <dir>', "overrides the topology's data_dir")
  .option('--api-listen <host:port>', "overrides the topology's api.listen (port 0: a free one)")
  .option('--broker-base-port <port>', 'overrides broker_base_port (0: every embedded broker on a free port)', (v) => Number(v))
  .option('--metadata-listen <host:port>', 'where nova-api-metadata listens (default 127.0.0.1:0, a free port)')
  .addOption(new Option('--processes', 'every cell but the API cell in its own `novacell cell run` child process (uses every core; a slow cell stalls no other)').conflicts('singleProcess'))
  .option('--single-process', 'every cell in this one process (the default)')
  .action(async (file: string, o: { dataDir?: string; apiListen?: string; brokerBasePort?: number; metadataListen?: string; processes?: boolean }) => (await import('./up.ts')).up(file, o));

program
  .command('validate')
  .description('check a topology file and print a summary of the resolved plan')
  .argument('<topology>', 'topology file (YAML or JSON)')
  .action((file: string) => {
    const plan = resolvePlan(loadTopology(file));
    process.stdout.write(
      `${file}: ok — ${plan.cells.length} cells, ${plan.hosts.length} hosts, ${plan.flavors.length} flavors, ${plan.users.length} users\n`,
    );
  });

program
  .command('sim')
  .description('simulate a scenario on virtual time: results.json, CSV time series and report.html')
  .argument('<scenario>', 'scenario file (YAML); see docs/simulation.md')
  .option('--seed <seed>', 'random seed (default: the scenario\'s)')
  .option('--out <dir>', 'output folder (default: results/<scenario name>)')
  .option('--set <key=value>', 'override a scenario field or a Nova option, e.g. filter_scheduler.ram_weight_multiplier=-1 (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
  .option('--replications <n>', 'run N seeds (seed, seed+1, ...) and report means with 95% confidence intervals', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
    return n;
  }, 1)
  .option('--workers <n>', 'with --replications: run this many replications at once, each in a worker thread (default 1)', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64');
    return n;
  }, 1)
  .option('--no-progress', 'no progress bar on stderr')
  .action(async (file: string, o: { seed?: string; out?: string; set: string[]; replications: number; workers: number; progress: boolean }) => (await import('./sim.ts')).sim(file, o));

registerMultiProcessCommands(program);
registerCertCommands(program);

program
  .command('console')
  .description('console proxies (noVNC, SPICE-HTML5, serial, XVP)')
  .command('run')
  .description('run console proxies as their own process, against a running deployment (see docs/consoles.md)')
  .argument('[proxies...]', 'novnc, spice, serial, xvp (default: all four)')
  .requiredOption('--topology <file>', 'topology file (YAML or JSON)')
  .option('--listen <host:port>', "overrides the proxy's configured address (one proxy only)")
  .option('--data-dir <dir>', "overrides the topology's data_dir")
  .option('--secrets <file>', 'the deployment secrets file (default <data_dir>/secrets.json)')
  .action(async (proxies: string[], o: { topology: string; listen?: string; dataDir?: string; secrets?: string }) => (await import('./console-run.ts')).consoleRun(proxies, o));

try {
  await program.parseAsync(process.argv);
  process.exit(0);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  if (e instanceof TopologyError || e instanceof UsageError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`novacell: ${errorMessage(e)}\n`);
  process.exit(1);
}
