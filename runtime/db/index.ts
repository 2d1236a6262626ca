/** Db: knex factory (sqlite3 by default, PostgreSQL by URL), code migrations, group-commit writer. */
export { openDb } from './connect.ts';
export type { Db, DbConfig, DbPorts, Migration } from './connect.ts';
export { WriteBehind } from './write-behind.ts';
export { ensurePrivateDir, ensurePrivateFile, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-file.ts';
