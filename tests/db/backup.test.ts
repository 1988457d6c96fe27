import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import {
	existsSync,
	openSync,
	readFileSync,
	readdirSync,
	statSync,
	writeFileSync,
	writeSync,
	closeSync
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openDatabase } from '$lib/server/db/client';
import {
	BackupError,
	SERVER_PID_FILE,
	backup,
	restore,
	runningServer
} from '$lib/server/db/backup';
import { disposeAll, onDispose, seedConversation, tempDir, testConfig } from '../support/factories';
import { ChatRepository } from '$lib/server/chat/repository';
import { silentLogger } from '$lib/server/log';
import { createServices } from '$lib/server/services';

afterEach(disposeAll);

const titles = (file: string) => {
	const db = new Database(file, { readonly: true });
	try {
		return db.prepare('select title from conversations order by title').pluck().all() as string[];
	} finally {
		db.close();
	}
};

/** A DATA_DIR with a database of two conversations and a settings file, no server running. */
function dataDirWithChats(): string {
	const dataDir = path.join(tempDir(), 'data');
	const db = openDatabase(dataDir);
	const repo = new ChatRepository(db);
	seedConversation(repo, { title: 'Alpha', messages: [{ content: 'first' }] });
	seedConversation(repo, { title: 'Beta', messages: [{ content: 'second' }] });
	db.$client.close();
	writeFileSync(path.join(dataDir, 'model_settings.json'), '{"model_id":"openai/gpt-4o"}\n');
	return dataDir;
}

/** The server's services on `dataDir`, started; `stop()` closes them as a shutdown does. */
function startServer(dataDir: string) {
	const config = testConfig({ DATA_DIR: dataDir });
	const services = createServices(config, { log: silentLogger });
	services.start();
	let closed: Promise<void> | undefined;
	const stop = () => (closed ??= services.close());
	onDispose(stop);
	return Object.assign(services, { stop });
}

/** Adds a conversation to the database of `dataDir` (as the server would). */
function addChat(dataDir: string, title: string) {
	const db = openDatabase(dataDir);
	seedConversation(new ChatRepository(db), { title, messages: [{ content: title }] });
	db.$client.close();
}

describe('npm run backup', () => {
	it('copies the database and the JSON settings into DATA_DIR/backups/<timestamp>/', async () => {
		const dataDir = dataDirWithChats();
		const { dir, files } = await backup(dataDir, undefined, new Date('2026-03-04T05:06:07.890Z'));
		expect(dir).toBe(path.join(dataDir, 'backups', '2026-03-04T05-06-07Z'));
		expect(files).toEqual([DATABASE_FILE, 'model_settings.json']);
		expect(titles(path.join(dir, DATABASE_FILE))).toEqual(['Alpha', 'Beta']);
		expect(readFileSync(path.join(dir, 'model_settings.json'), 'utf8')).toContain('gpt-4o');
		// One self-contained file, private like the original.
		expect(readdirSync(dir).sort()).toEqual([DATABASE_FILE, 'model_settings.json']);
		expect(statSync(path.join(dir, DATABASE_FILE)).mode & 0o777).toBe(0o600);
		// A second backup in the same second does not overwrite the first.
		const again = await backup(dataDir, undefined, new Date('2026-03-04T05:06:07.990Z'));
		expect(again.dir).toBe(`${dir}-2`);
	});

	it('takes a consistent copy while another process keeps writing', async () => {
		const dataDir = dataDirWithChats();
		const file = path.join(dataDir, DATABASE_FILE);
		// A writer in its own process and connection, as the running server would be.
		const writer = spawn(
			process.execPath,
			[
				'-e',
				`const db = require('better-sqlite3')(process.argv[1]);
				db.pragma('busy_timeout = 5000');
				const add = db.prepare("insert into conversations (session_id, title, created_at, updated_at) values (?, 'Written', '2026', '2026')");
				let n = 0; const end = Date.now() + 3000;
				(function loop() {
					for (let i = 0; i < 50; i++) add.run('w' + n++);
					if (n === 50) process.stdout.write('writing\\n');
					if (Date.now() < end) setImmediate(loop); else { db.close(); process.stdout.write('done ' + n + '\\n'); }
				})();`,
				file
			],
			{ stdio: ['ignore', 'pipe', 'inherit'] }
		);
		onDispose(() => writer.kill());
		let output = '';
		await new Promise<void>((resolve) =>
			writer.stdout!.on('data', (chunk) => {
				output += chunk;
				if (output.includes('writing')) resolve();
			})
		);
		const { dir } = await backup(dataDir);
		const during = new Database(path.join(dir, DATABASE_FILE), { readonly: true });
		const count = during.prepare('select count(*) from conversations').pluck().get() as number;
		expect(during.pragma('integrity_check', { simple: true })).toBe('ok');
		during.close();
		await new Promise((resolve) => writer.on('exit', resolve));
		const written = Number(/done (\d+)/.exec(output)![1]);
		// Some of the writes, whole transactions only, and the conversations from before.
		expect(count).toBeGreaterThanOrEqual(2 + 50);
		expect(count).toBeLessThanOrEqual(2 + written);
		expect(titles(path.join(dir, DATABASE_FILE)).slice(0, 2)).toEqual(['Alpha', 'Beta']);
	}, 30_000);

	it('prints the folder it made (the npm script)', () => {
		const dataDir = dataDirWithChats();
		const run = spawnSync('npx', ['tsx', 'scripts/backup.ts'], {
			env: { ...process.env, DATA_DIR: dataDir },
			encoding: 'utf8'
		});
		expect(run.status).toBe(0);
		const dir = run.stdout.trim();
		expect(path.dirname(dir)).toBe(path.join(dataDir, 'backups'));
		expect(titles(path.join(dir, DATABASE_FILE))).toEqual(['Alpha', 'Beta']);
	}, 30_000);
});

describe('npm run restore', () => {
	it('puts the backup back and keeps what it replaced as *.before-restore', async () => {
		const dataDir = dataDirWithChats();
		const { dir } = await backup(dataDir);
		addChat(dataDir, 'Gamma, after the backup');
		writeFileSync(path.join(dataDir, 'model_settings.json'), '{"model_id":"openai/o3"}\n');

		const result = restore(dataDir, dir);
		expect(result.restored).toEqual([
			path.join(dataDir, DATABASE_FILE),
			path.join(dataDir, 'model_settings.json')
		]);
		expect(titles(path.join(dataDir, DATABASE_FILE))).toEqual(['Alpha', 'Beta']);
		expect(titles(path.join(dataDir, `${DATABASE_FILE}.before-restore`))).toEqual([
			'Alpha',
			'Beta',
			'Gamma, after the backup'
		]);
		expect(readFileSync(path.join(dataDir, 'model_settings.json'), 'utf8')).toContain('gpt-4o');
		expect(
			readFileSync(path.join(dataDir, 'model_settings.json.before-restore'), 'utf8')
		).toContain('o3');
		// The server opens the restored database as usual.
		const services = startServer(dataDir);
		expect(
			services.sessions
				.list({ limit: 10 })
				.sessions.map((s) => s.title)
				.sort()
		).toEqual(['Alpha', 'Beta']);
		await services.stop();

		// A second restore keeps the first one's leftovers too.
		restore(dataDir, dir);
		expect(existsSync(path.join(dataDir, `${DATABASE_FILE}.before-restore-2`))).toBe(true);
	});

	it('refuses while the server runs, and goes ahead once it stopped', async () => {
		const dataDir = dataDirWithChats();
		const { dir } = await backup(dataDir);
		const services = startServer(dataDir);
		expect(runningServer(dataDir)?.pid).toBe(process.pid);
		expect(() => restore(dataDir, dir)).toThrow(BackupError);
		expect(() => restore(dataDir, dir)).toThrow(
			/^The server is running \(pid \d+, started .+\): stop it, then restore\./
		);
		const run = spawnSync('npx', ['tsx', 'scripts/restore.ts', dir], {
			env: { ...process.env, DATA_DIR: dataDir },
			encoding: 'utf8'
		});
		expect(run.status).toBe(1);
		expect(run.stderr).toMatch(/^Restore refused: The server is running/);
		expect(existsSync(path.join(dataDir, `${DATABASE_FILE}.before-restore`))).toBe(false);

		await services.stop();
		expect(existsSync(path.join(dataDir, SERVER_PID_FILE))).toBe(false);
		expect(restore(dataDir, dir).restored).toHaveLength(2);
	}, 30_000);

	it('does not take a pid file left by a crashed server for a running one', async () => {
		const dataDir = dataDirWithChats();
		const { dir } = await backup(dataDir);
		const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
			encoding: 'utf8'
		});
		writeFileSync(
			path.join(dataDir, SERVER_PID_FILE),
			JSON.stringify({ pid: Number(gone.stdout) })
		);
		expect(runningServer(dataDir)).toBeNull();
		expect(restore(dataDir, dir).restored).toHaveLength(2);
	});

	it.each([
		[
			'a damaged database',
			(file: string) => {
				// Scribble over the second page (a table's b-tree), keeping the header readable.
				const fd = openSync(file, 'r+');
				writeSync(fd, Buffer.alloc(1024, 0x5a), 0, 1024, 4096 + 8);
				closeSync(fd);
			},
			/fails PRAGMA integrity_check: \*\*\* in database main \*\*\*/
		],
		[
			'a file that is no database',
			(file: string) => writeFileSync(file, 'not a database at all'.repeat(100)),
			/is not a readable SQLite database/
		],
		[
			"a database that is not Switchboard's",
			(file: string) => {
				writeFileSync(file, '');
				const other = new Database(file);
				other.exec('create table notes (text)');
				other.close();
			},
			/is not a Switchboard database/
		]
	])('refuses %s and changes nothing', async (_, damage, message) => {
		const dataDir = dataDirWithChats();
		const { dir } = await backup(dataDir);
		damage(path.join(dir, DATABASE_FILE));
		addChat(dataDir, 'Kept');
		const before = readdirSync(dataDir).sort();
		expect(() => restore(dataDir, dir)).toThrow(message);
		expect(readdirSync(dataDir).sort()).toEqual(before);
		expect(titles(path.join(dataDir, DATABASE_FILE))).toEqual(['Alpha', 'Beta', 'Kept']);
	});

	it('refuses a folder without a database', () => {
		const dataDir = dataDirWithChats();
		expect(() => restore(dataDir, tempDir())).toThrow(/holds no chat_sessions\.db/);
	});
});
