/**
 * What the Placement API adds to a leaf's placement survives a restart (trees, traits, aggregates,
 * consumers, custom names in the cell database), and flavor trait specs read as placement does.
 */
import { describe, expect, it } from 'vitest';
import { openDb, WriteBehind } from '../../../../runtime/db/index.ts';
import { cellMigrations, cellTables } from '../../../../actors/conductor/schema.ts';
import { computeNodeInventories, flavorTraits, Placement } from '../../../../actors/placement/index.ts';

const inv = computeNodeInventories({
  vcpus: 4, memoryMb: 4096, localGb: 40, cpuAllocationRatio: 1, ramAllocationRatio: 1, diskAllocationRatio: 1,
  reservedHostMemoryMb: 0, reservedHostDiskMb: 0, reservedHostCpus: 0,
});

describe('Placement API state in the cell database', () => {
  it('reloads provider trees, traits, aggregates, consumers and custom names', async () => {
    const db = await openDb({ file: ':memory:' }, cellMigrations);
    const writer = new WriteBehind(db, cellTables);
    const p = new Placement(writer);
    p.setInventory('rp1', 'host1', inv);
    p.createProvider('rp1-child', 'nic', 'rp1');
    p.addCustomName('trait', 'CUSTOM_GOLD');
    p.setTraits('rp1', ['CUSTOM_GOLD']);
    p.setAggregates('rp1', ['agg-1']);
    expect(p.replaceAllocations('c1', [{ providerUuid: 'rp1', resources: { VCPU: 2 } }], { projectId: 'p', userId: 'u', consumerType: 'INSTANCE' }, 5)).toBeNull();
    expect(p.replaceAllocations('c2', [{ providerUuid: 'rp1', resources: { VCPU: 3 } }], { projectId: 'p', userId: 'u', consumerType: null }, 5)).toMatch(/exceed the capacity/);
    await writer.commit();

    const again = new Placement();
    await again.load(db);
    expect(again.rootOf('rp1-child')).toBe('rp1');
    expect(again.hasTraits('rp1', ['CUSTOM_GOLD'])).toBe(true);
    expect(again.hasTraits('rp1', [], ['CUSTOM_GOLD'])).toBe(false);
    expect(again.extrasOf('rp1').aggregates).toEqual(['agg-1']);
    expect(again.consumer('c1')).toMatchObject({ projectId: 'p', consumerType: 'INSTANCE', generation: 0 });
    expect(again.provider('rp1')!.usages.VCPU).toBe(2);
    expect([...again.customNamesOf('trait')]).toEqual(['CUSTOM_GOLD']);
    await writer.close();
    await db.destroy();
  });

  it('reads trait:NAME=required|forbidden from flavor extra specs and image properties', () => {
    expect(flavorTraits({ 'trait:CUSTOM_A': 'required', 'trait1:CUSTOM_B': 'forbidden', 'hw:cpu_policy': 'dedicated' }, { 'trait:CUSTOM_C': 'required' }))
      .toEqual({ required: ['CUSTOM_A', 'CUSTOM_C'], forbidden: ['CUSTOM_B'] });
  });
});
