import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const DATABASE_FILE = 'chat_sessions.db';

/** Opens (creating if needed) the SQLite file under dataDir, tuned and migrated. */
export function openDatabase(dataDir: string, migrationsFolder = path.resolve('drizzle')): Db {
	mkdirSync(dataDir, { recursive: true });
	const sqlite = new Database(path.join(dataDir, DATABASE_FILE));
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma('synchronous = NORMAL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	const db = drizzle({ client: sqlite, schema });
	migrate(db, { migrationsFolder });
	return db;
}
