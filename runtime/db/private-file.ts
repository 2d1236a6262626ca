/**
 * Data on disk is for the service's own user only: directories 0700, files 0600. SQLite gives its
 * -wal and -shm files the mode of the database file, so creating that one 0600 covers all three.
 * Existing files and directories left readable by an older version are tightened on open.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Create `dir` (and parents) 0700. With `tightenExisting` (a deployment's own data_dir), an existing
 * directory with group/other bits is made 0700 too — never a shared sticky one such as /tmp.
 */
export function ensurePrivateDir(dir: string, tightenExisting = false): void {
  const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created !== undefined || !tightenExisting) return;
  if ((statSync(dir).mode & 0o1000) !== 0) return;
  tighten(dir, PRIVATE_DIR_MODE);
}

/** Create `file` empty 0600 if absent (never truncates); tighten it if it exists. */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  tighten(file, PRIVATE_FILE_MODE);
  for (const side of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      tighten(side, PRIVATE_FILE_MODE);
    } catch {
      // not there: SQLite will create it with the main file's mode
    }
  }
}

function tighten(path: string, mode: number): void {
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, mode);
}
