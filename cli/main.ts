#!/usr/bin/env node
/**
 * The `novacell` command. Data goes to stdout, logs to stderr; exit codes: 0 ok, 1 runtime failure,
 * 2 usage error or invalid input.
 */
import { Command, CommanderError } from 'commander';
import { TopologyError } from '../topology/errors.ts';
import { loadTopology } from '../topology/load.ts';
import { resolvePlan } from '../topology/plan.ts';
import { up } from './up.ts';

const DEFAULT_TOPOLOGY = new URL('../topology/examples/quickstart.yaml', import.meta.url).pathname;

const program = new Command('novacell')
  .description("OpenStack Nova's compute control plane as a hierarchical cell federation")
  .exitOverride();

program
  .command('up')
  .description('start a topology in this process (default: the quickstart)')
  .argument('[topology]', 'topology file (YAML or JSON)', DEFAULT_TOPOLOGY)
  .action(async (file: string) => up(file));

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

try {
  await program.parseAsync(process.argv);
  process.exit(0);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  if (e instanceof TopologyError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`novacell: ${(e as Error).message}\n`);
  process.exit(1);
}
