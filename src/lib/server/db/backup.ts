import Database from 'better-sqlite3';
import {
	chmodSync,
	copyFileSync,
	existsSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync
} from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE } from './client';

/**
 * The file a running server keeps in DATA_DIR (its pid), so that a restore can tell the database
 * is in use: replacing it under a live connection would lose writes or corrupt it.
 */
export const SERVER_PID_FILE = 'server.pid';
/** The suffix of what a restore replaced, kept beside the restored files. */
export const BEFORE_RESTORE = '.before-restore';

/** A backup or restore refused; the message says why and what to do. */
export class BackupError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'BackupError';
	}
}

/** The JSON stores at the top of DATA_DIR (settings, presets, MCP servers, suggestions). */
const jsonFiles = (dir: string) =>
	readdirSync(dir, { withFileTypes: true })
		.filter((entry) => entry.isFile() && /^[\w.-]+\.json$/.test(entry.name))
		.map((entry) => entry.name)
		.sort();

/** Marks DATA_DIR as in use by this process (at start); the returned function unmarks it. */
export function holdDataDir(dataDir: string, now = new Date()): () => void {
	const file = path.join(dataDir, SERVER_PID_FILE);
	writeFileSync(file, JSON.stringify({ pid: process.pid, started_at: now.toISOString() }) + '\n', {
		mode: 0o600
	});
	return () => {
		// Only our own mark: a second server on the same folder may have written its pid since.
		if (runningServer(dataDir)?.pid === process.pid) rmSync(file, { force: true });
	};
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: the process exists but belongs to someone else.
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** The server that holds DATA_DIR, if one is running (a pid file left by a crash is not one). */
export function runningServer(dataDir: string): { pid: number; startedAt: string } | null {
	let mark: { pid?: unknown; started_at?: unknown };
	try {
		mark = JSON.parse(readFileSync(path.join(dataDir, SERVER_PID_FILE), 'utf8'));
	} catch {
		return null;
	}
	const pid = Number(mark.pid);
	if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
	return { pid, startedAt: String(mark.started_at ?? '') };
}

const timestampFolder = (now: Date) =>
	now
		.toISOString()
		.replace(/:/g, '-')
		.replace(/\.\d+Z$/, 'Z');

export interface BackupResult {
	dir: string;
	files: string[];
}

/**
 * A consistent copy of the database (SQLite's online backup: safe while the server writes) and
 * of the JSON stores, into `target` or `DATA_DIR/backups/<timestamp>/`. The copy is checked
 * with `PRAGMA integrity_check` and left as one self-contained file (no WAL beside it).
 */
export async function backup(
	dataDir: string,
	target?: string,
	now = new Date()
): Promise<BackupResult> {
	const source = path.join(dataDir, DATABASE_FILE);
	if (!existsSync(source)) throw new BackupError(`There is no database at ${source}.`);
	let dir = target ? path.resolve(target) : path.join(dataDir, 'backups', timestampFolder(now));
	if (!target) for (let n = 2; existsSync(dir); n++) dir = `${dir.replace(/-\d+$/, '')}-${n}`;
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const destination = path.join(dir, DATABASE_FILE);
	if (existsSync(destination))
		throw new BackupError(`${destination} exists already: back up into an empty folder.`);

	const db = new Database(source, { fileMustExist: true });
	try {
		db.pragma('busy_timeout = 5000');
		// All pages in one step, under one read transaction: a writer in another process cannot
		// make the copy start over (which a few pages per step would, on a busy server).
		await db.backup(destination, { progress: () => 0x7fffffff });
	} finally {
		db.close();
	}
	chmodSync(destination, 0o600);
	const copy = new Database(destination);
	try {
		copy.pragma('journal_mode = DELETE');
		checkIntegrity(copy, destination);
	} finally {
		copy.close();
	}
	const files = [DATABASE_FILE];
	for (const name of jsonFiles(dataDir)) {
		copyFileSync(path.join(dataDir, name), path.join(dir, name));
		chmodSync(path.join(dir, name), 0o600);
		files.push(name);
	}
	return { dir, files };
}

function checkIntegrity(db: Database.Database, file: string): void {
	let problems: string[];
	try {
		const rows = db.pragma('integrity_check') as { integrity_check: string }[];
		problems = rows.map((row) => row.integrity_check);
	} catch (error) {
		throw new BackupError(
			`${file} is not a readable SQLite database (${(error as Error).message}).`
		);
	}
	if (problems.length !== 1 || problems[0] !== 'ok')
		throw new BackupError(
			`${file} fails PRAGMA integrity_check: ${problems.slice(0, 5).join('; ')}. Nothing was restored.`
		);
	const tables = db
		.prepare("select count(*) from sqlite_master where type = 'table' and name = 'conversations'")
		.pluck()
		.get();
	if (tables !== 1)
		throw new BackupError(`${file} is not a Switchboard database (no conversations table).`);
}

/** `file.before-restore`, or `.before-restore-2`… when an earlier restore left one. */
function keepAside(file: string): string {
	let aside = `${file}${BEFORE_RESTORE}`;
	for (let n = 2; existsSync(aside); n++) aside = `${file}${BEFORE_RESTORE}-${n}`;
	renameSync(file, aside);
	return aside;
}

export interface RestoreResult {
	restored: string[];
	keptAside: string[];
}

/**
 * Puts a backup folder back into DATA_DIR. Refused while the server runs, and when the
 * backup's database fails `PRAGMA integrity_check` (then nothing is touched). The files it
 * replaces (the database with its -wal and -shm, the JSON stores) stay as `*.before-restore`.
 */
export function restore(dataDir: string, from: string): RestoreResult {
	const dir = path.resolve(from);
	const source = path.join(dir, DATABASE_FILE);
	if (!existsSync(source) || !statSync(source).isFile())
		throw new BackupError(
			`${dir} holds no ${DATABASE_FILE}: give a folder made by npm run backup.`
		);
	const server = runningServer(dataDir);
	if (server)
		throw new BackupError(
			`The server is running (pid ${server.pid}, started ${server.startedAt}): stop it, then restore. ` +
				`If no server runs, delete ${path.join(dataDir, SERVER_PID_FILE)}.`
		);
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });

	// Checked as a copy inside DATA_DIR, so the final step is a rename on the same disk.
	const incoming = path.join(dataDir, `${DATABASE_FILE}.restoring`);
	copyFileSync(source, incoming);
	chmodSync(incoming, 0o600);
	try {
		const db = new Database(incoming, { fileMustExist: true });
		try {
			checkIntegrity(db, source);
		} finally {
			db.close();
		}
	} catch (error) {
		rmSync(incoming, { force: true });
		rmSync(`${incoming}-wal`, { force: true });
		rmSync(`${incoming}-shm`, { force: true });
		throw error;
	}

	const keptAside: string[] = [];
	const target = path.join(dataDir, DATABASE_FILE);
	// A WAL left beside the old database would be read into the restored one: it goes too.
	for (const file of [target, `${target}-wal`, `${target}-shm`])
		if (existsSync(file)) keptAside.push(keepAside(file));
	renameSync(incoming, target);
	const restored = [target];
	for (const name of jsonFiles(dir)) {
		const file = path.join(dataDir, name);
		if (existsSync(file)) keptAside.push(keepAside(file));
		copyFileSync(path.join(dir, name), file);
		chmodSync(file, 0o600);
		restored.push(file);
	}
	return { restored, keptAside };
}
