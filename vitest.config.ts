import { defineConfig } from 'vitest/config';

/**
 * Two projects. Files that boot real QEMU guests or drive the machine's one libvirtd run one at a time
 * (a TCG guest takes a whole core, and libvirtd is shared, started and stopped by the test that needs
 * it), after everything else; the rest run two files at a time (vitest's own default on a 2-core
 * machine is one). `npx vitest run --project main` runs the suite without real guests.
 */
const REAL_GUESTS = [
  'test/unit/actors/compute/drivers/libvirt/libvirt-driver.test.ts',
  'test/unit/actors/compute/drivers/qemu/qemu-driver.test.ts',
  'test/integration/qemu-live-migration.test.ts',
  'test/e2e/qemu-cli.test.ts',
  'test/e2e/libvirt-cli.test.ts',
  'test/e2e/consoles.test.ts',
  'test/e2e/guest-metadata.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: REAL_GUESTS, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'real-guests', include: REAL_GUESTS, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
