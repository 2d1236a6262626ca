/** SQLite files are created 0600 (their -wal/-shm follow) in a 0700 directory; loose ones are tightened. */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, openDb } from '../../../../runtime/db/index.ts';

const mode = (p: string) => statSync(p).mode & 0o777;
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'novacell-perm-'));
  dirs.push(d);
  return d;
}

describe('private data files', () => {
  it('a new database and its WAL are 0600 in a new 0700 directory', async () => {
    const dir = join(scratch(), 'data');
    const file = join(dir, 'cell.sqlite');
    const db = await openDb({ file }, [{ name: '001', up: async (k) => { await k.schema.createTable('t', (t) => t.integer('x')); } }]);
    await db('t').insert({ x: 1 });
    expect(mode(dir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    await db.destroy();
  });

  it('tightens a world-readable database left by an older version', async () => {
    const dir = scratch();
    const file = join(dir, 'old.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const db = await openDb({ file });
    expect(mode(file)).toBe(0o600);
    await db.destroy();
  });

  it("tightens a deployment's existing data dir but never a shared sticky one", () => {
    const dir = join(scratch(), 'data');
    ensurePrivateDir(dir);
    chmodSync(dir, 0o755);
    ensurePrivateDir(dir, true);
    expect(mode(dir)).toBe(0o700);
    const before = statSync(tmpdir()).mode;
    ensurePrivateDir(tmpdir(), true);
    expect(statSync(tmpdir()).mode).toBe(before);
  });
});
