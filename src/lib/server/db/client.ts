import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const DATABASE_FILE = 'chat_sessions.db';

/** Opens (creating if needed) the SQLite file under dataDir, tuned and migrated. */
export function openDatabase(dataDir: string, migrationsFolder = path.resolve('drizzle')): Db {
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	const file = path.join(dataDir, DATABASE_FILE);
	// Every conversation is in here: the owner's alone. SQLite would create the file 0644; made
	// first (empty is a valid database), it is 0600, and the -wal and -shm files SQLite creates
	// take the database file's mode. Older files are narrowed to match.
	closeSync(openSync(file, 'a', 0o600));
	for (const name of [file, `${file}-wal`, `${file}-shm`])
		if (existsSync(name)) chmodSync(name, 0o600);
	const sqlite = new Database(file);
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma('synchronous = NORMAL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	const db = drizzle({ client: sqlite, schema });
	migrate(db, { migrationsFolder });
	return db;
}
