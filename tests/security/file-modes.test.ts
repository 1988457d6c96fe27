import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PUT as SYSTEM_PROMPT } from '../../src/routes/api/settings/system-prompt/+server';
import { POST as CHAT } from '../../src/routes/api/chat/+server';
import { callRoute, disposeAll, readChatEvents, testServices } from '../support/factories';

/** `dir 700` / `file 600` for every folder and file under `root` (itself as "."), by relative path. */
function modes(root: string): Record<string, string> {
	const out: Record<string, string> = {};
	const walk = (dir: string) => {
		out[path.relative(root, dir) || '.'] = `dir ${(statSync(dir).mode & 0o777).toString(8)}`;
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else out[path.relative(root, full)] = `file ${(statSync(full).mode & 0o777).toString(8)}`;
		}
	};
	walk(root);
	return out;
}

const exposed = (found: Record<string, string>) =>
	Object.entries(found).filter(([, mode]) => mode !== 'dir 700' && mode !== 'file 600');

describe('files the app writes', () => {
	// The server narrows its umask at start; these modes must hold without it too.
	let umask: number;
	beforeEach(() => {
		umask = process.umask(0o022);
	});
	afterEach(async () => {
		await disposeAll();
		process.umask(umask);
	});

	it('are the owner’s alone: folders 0700, database, stores, logs and tokens 0600', async () => {
		const services = testServices();
		const events = await readChatEvents(
			await callRoute(CHAT, services, {
				method: 'POST',
				path: '/api/chat',
				body: { message: 'hello' }
			})
		);
		expect(events.at(-1)?.event).toBe('done');
		const saved = await callRoute(SYSTEM_PROMPT, services, {
			method: 'PUT',
			path: '/api/settings/system-prompt',
			body: { system_prompt: 'Be brief.' }
		});
		expect(saved.status).toBe(200);
		await services.google.store.connect(
			{ access_token: 'ya29.test', refresh_token: '1//test' },
			'me@example.com'
		);
		services.log.info('modes checked');

		const data = modes(services.config.dataDir);
		const logs = modes(services.config.logDir);
		// What the chat, the settings and the tokens wrote is really there.
		expect(Object.keys(data)).toEqual(
			expect.arrayContaining([
				'chat_sessions.db',
				'chat_sessions.db-wal',
				'chat_sessions.db-shm',
				'model_settings.json',
				path.join('tokens', 'google.json')
			])
		);
		expect(Object.keys(logs).filter((file) => file.endsWith('.jsonl'))).toHaveLength(1);
		expect(Object.keys(logs).filter((file) => file.endsWith('app.log'))).toHaveLength(1);
		expect(exposed(data)).toEqual([]);
		expect(exposed(logs)).toEqual([]);
	});
});
