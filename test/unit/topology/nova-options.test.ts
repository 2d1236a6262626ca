/**
 * Per-cell Nova options: three spellings (nested, dotted, bare [DEFAULT]), validated against Nova's
 * option schema, and inherited down the cell tree with the child overriding its parent.
 */
import { describe, expect, it } from 'vitest';
import { findCell, parseTopology, resolvePlan, TopologyError } from '../../../topology/index.ts';

const plan = (yaml: string) => resolvePlan(parseTopology(yaml, 'nova.yaml', { env: {} }));

function errorOf(yaml: string): string {
  try {
    parseTopology(yaml, 'nova.yaml', { env: {} });
  } catch (e) {
    if (e instanceof TopologyError) return e.message;
    throw e;
  }
  throw new Error('no error');
}

describe('nova options', () => {
  it('accept nested sections, dotted keys and bare [DEFAULT] names alike', () => {
    const p = plan(`
cell:
  name: api
  nova:
    filter_scheduler: {ram_weight_multiplier: -1}
    scheduler.max_attempts: 5
    cpu_allocation_ratio: 4.0
    DEFAULT.ram_allocation_ratio: 1.0
`);
    const api = findCell(p, 'api')!;
    expect(api.nova.filter_scheduler.ram_weight_multiplier).toBe(-1);
    expect(api.nova.scheduler.max_attempts).toBe(5);
    expect(api.nova.DEFAULT.cpu_allocation_ratio).toBe(4.0);
    expect(api.nova.DEFAULT.ram_allocation_ratio).toBe(1.0);
    expect(api.novaOverrides).toEqual({
      filter_scheduler: { ram_weight_multiplier: -1 },
      scheduler: { max_attempts: 5 },
      DEFAULT: { cpu_allocation_ratio: 4.0, ram_allocation_ratio: 1.0 },
    });
  });

  it('default to Nova\'s values when the file sets nothing', () => {
    const api = findCell(plan('cell: {name: api}'), 'api')!;
    expect(api.nova.DEFAULT.cpu_allocation_ratio).toBe(16.0);
    expect(api.nova.DEFAULT.ram_allocation_ratio).toBe(1.5);
    expect(api.nova.scheduler.max_attempts).toBe(3);
    expect(api.nova.cells.max_hop_count).toBe(10);
    expect(api.novaOverrides).toEqual({});
  });

  it('are inherited down the tree, a child overriding its parent option by option', () => {
    const p = plan(`
cell:
  name: api
  nova:
    cpu_allocation_ratio: 4.0
    filter_scheduler.enabled_filters: [ComputeFilter, RamFilter]
  children:
    - name: eu
      nova:
        cpu_allocation_ratio: 2.0
        scheduler.max_attempts: 7
      children:
        - name: fra1
          nova:
            filter_scheduler.enabled_filters: [ComputeFilter]
        - name: fra2
    - name: us
`);
    const get = (path: string) => findCell(p, path)!.nova;
    expect(get('api').DEFAULT.cpu_allocation_ratio).toBe(4.0);
    expect(get('api!us').DEFAULT.cpu_allocation_ratio).toBe(4.0);
    expect(get('api!us').scheduler.max_attempts).toBe(3);
    expect(get('api!eu').DEFAULT.cpu_allocation_ratio).toBe(2.0);
    expect(get('api!eu!fra2').DEFAULT.cpu_allocation_ratio).toBe(2.0);
    expect(get('api!eu!fra2').scheduler.max_attempts).toBe(7);
    // Lists replace the inherited list; they are not appended to it.
    expect(get('api!eu!fra1').filter_scheduler.enabled_filters).toEqual(['ComputeFilter']);
    expect(get('api!eu!fra2').filter_scheduler.enabled_filters).toEqual(['ComputeFilter', 'RamFilter']);
    expect(get('api!eu!fra1').scheduler.max_attempts).toBe(7);
  });

  it('reject the same option set twice in one block', () => {
    expect(errorOf(`
cell:
  name: api
  nova:
    filter_scheduler: {ram_weight_multiplier: 2}
    filter_scheduler.ram_weight_multiplier: -1
`)).toBe('nova.yaml:6:45 cell.nova["filter_scheduler.ram_weight_multiplier"]: option [filter_scheduler] ram_weight_multiplier is set twice in this block (also as "ram_weight_multiplier" under "filter_scheduler")');
  });

  it('reject unknown sections, unknown options and values Nova would refuse', () => {
    expect(errorOf(`
cell:
  name: api
  nova:
    filter_schedular.host_subset_size: 2
    scheduler.max_atempts: 2
    cells: {max_hop_count: 0}
`).split('\n')).toEqual([
      'nova.yaml:5:5 cell.nova["filter_schedular.host_subset_size"]: unknown Nova section "filter_schedular"; did you mean "filter_scheduler"? expected one of: DEFAULT, scheduler, filter_scheduler, compute, cells, consoleauth, vnc, spice, serial_console, xvp, console, api, … (2 more)',
      'nova.yaml:6:5 cell.nova["scheduler.max_atempts"]: unknown option "max_atempts" in Nova section [scheduler]; did you mean "max_attempts"? expected one of: max_attempts',
      'nova.yaml:7:28 cell.nova.cells.max_hop_count: expected a number more than 0, got 0',
    ]);
  });
});
