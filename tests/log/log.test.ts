import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, redact } from '$lib/server/log';
import { POST } from '../../src/routes/api/chat/+server';
import { startOpenRouterStandin, type OpenRouterStandin } from '../support/openrouter-standin';
import {
	callRoute,
	disposeAll,
	readChatEvents,
	TEST_API_KEY,
	tempDir,
	testServices,
	waitUntil
} from '../support/factories';

afterEach(disposeAll);

const KEY = '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';
const JWT =
	'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

const lines = (file: string) =>
	readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line) as Record<string, unknown>);

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
	readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => path.join(entry.parentPath, entry.name));

describe('logger', () => {
	it('writes JSON lines into a folder per day', async () => {
		const dir = tempDir();
		let now = new Date('2026-03-01T23:59:59.000Z');
		const log = createLogger({ dir, now: () => now });
		log.info('before midnight', { n: 1 });
		now = new Date('2026-03-02T00:00:01.000Z');
		log.warn('after midnight');
		log.debug('below the level');
		await log.close();

		expect(lines(path.join(dir, 'app/2026-03-01/app.log'))).toEqual([
			{ time: '2026-03-01T23:59:59.000Z', level: 'info', msg: 'before midnight', n: 1 }
		]);
		expect(lines(path.join(dir, 'app/2026-03-02/app.log'))).toEqual([
			{ time: '2026-03-02T00:00:01.000Z', level: 'warn', msg: 'after midnight' }
		]);
	});

	it('adds child fields to every record', async () => {
		const dir = tempDir();
		const log = createLogger({ dir, now: () => new Date('2026-03-01T10:00:00Z') }).child({
			request_id: 'r1'
		});
		log.error('boom', { path: '/api/chat' });
		await log.close();
		expect(lines(path.join(dir, 'app/2026-03-01/app.log'))[0]).toMatchObject({
			level: 'error',
			msg: 'boom',
			request_id: 'r1',
			path: '/api/chat'
		});
	});

	it('appends each conversation to its own file in the folder of the day', async () => {
		const dir = tempDir();
		const log = createLogger({ dir, now: () => new Date('2026-03-05T08:00:00Z') });
		const id = '0b4c1a1e-5a6f-4d6c-9c1e-2f3a4b5c6d7e';
		log.conversation(id, { role: 'user', content: 'hi' });
		for (let i = 0; i < 50; i++) log.conversation(id, { role: 'assistant', content: `part ${i}` });
		await log.close();
		const records = lines(path.join(dir, 'conversations/2026-03-05', `${id}.jsonl`));
		expect(records[0]).toEqual({ time: '2026-03-05T08:00:00.000Z', role: 'user', content: 'hi' });
		expect(records.slice(1).map((r) => r.content)).toEqual(
			Array.from({ length: 50 }, (_, i) => `part ${i}`)
		);
	});

	it('never writes a conversation file outside its folder', async () => {
		const dir = tempDir();
		const log = createLogger({ dir });
		log.conversation('../../escape', { content: 'x' });
		log.conversation('a/b', { content: 'x' });
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(existsSync(path.join(dir, 'conversations'))).toBe(false);
	});

	it('redacts secrets before writing', async () => {
		const dir = tempDir();
		const log = createLogger({ dir, now: () => new Date('2026-03-01T10:00:00Z') });
		log.error('upstream said no', {
			error: new Error(`401 for key ${KEY}`),
			headers: {
				authorization: `Bearer ${KEY}`,
				cookie: 'switchboard_auth=abc123',
				'content-type': 'application/json'
			},
			note: `retrying with ${KEY}`
		});
		log.conversation('c1', { content: `my key is ${KEY}` });
		await log.close();
		await waitUntil(
			() => existsSync(path.join(dir, 'conversations/2026-03-01/c1.jsonl')),
			2_000,
			'the conversation log'
		);
		for (const file of filesUnder(dir)) {
			const text = readFileSync(file, 'utf8');
			expect(text, file).not.toContain(KEY.slice(10));
			expect(text, file).not.toContain('abc123');
		}
		const [record] = lines(path.join(dir, 'app/2026-03-01/app.log'));
		expect(record.headers).toEqual({
			authorization: '[redacted]',
			cookie: '[redacted]',
			'content-type': 'application/json'
		});
	});
});

describe('redact', () => {
	it.each([
		['an OpenRouter key', `key ${KEY} here`, 'key sk-or-v1-[redacted] here'],
		['a bearer token', 'Authorization: Bearer abc.def-ghi_jkl', 'Authorization: Bearer [redacted]'],
		['a Deepgram token', 'Token 0123456789abcdef', 'Token [redacted]'],
		['a JWT', `token=${JWT}`, 'token=[redacted-jwt]'],
		['a bare JWT', `jwt ${JWT} end`, 'jwt [redacted-jwt] end'],
		['a Google access token', 'ya29.a0AfH6SMBx-secret', 'ya29.[redacted]'],
		[
			'a signed URL',
			'https://x/b/o?X-Goog-Signature=abcdef&X-Goog-Date=1',
			'https://x/b/o?X-Goog-Signature=[redacted]&X-Goog-Date=1'
		],
		[
			'a private key',
			'-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
			'[redacted-key]'
		]
	])('masks %s inside text', (_what, input, output) => {
		expect(redact(input)).toBe(output);
	});

	it('masks secret-looking keys at any depth, and keeps the rest', () => {
		const value = {
			request: {
				headers: {
					Authorization: 'Basic dXNlcjpwYXNz',
					'Set-Cookie': ['a=1', 'b=2'],
					accept: '*/*'
				},
				body: {
					model: 'openai/gpt-4',
					api_key: 'whatever',
					nested: [{ refresh_token: 'r' }, { clientSecret: 's' }]
				}
			},
			usage: { prompt_tokens: 3, total_tokens: 5 },
			has_password: true
		};
		expect(redact(value)).toEqual({
			request: {
				headers: { Authorization: '[redacted]', 'Set-Cookie': '[redacted]', accept: '*/*' },
				body: {
					model: 'openai/gpt-4',
					api_key: '[redacted]',
					nested: [{ refresh_token: '[redacted]' }, { clientSecret: '[redacted]' }]
				}
			},
			usage: { prompt_tokens: 3, total_tokens: 5 },
			has_password: true
		});
	});

	it('does not leak secrets nested deeper than it walks', () => {
		let value: Record<string, unknown> = { apiKey: KEY, text: `Bearer ${KEY}` };
		for (let i = 0; i < 20; i++) value = { level: value };
		expect(JSON.stringify(redact(value))).not.toContain(KEY.slice(10));
	});

	it('leaves the original object untouched', () => {
		const value = { apiKey: KEY };
		redact(value);
		expect(value.apiKey).toBe(KEY);
	});
});

describe('logs of a real chat', () => {
	let standin: OpenRouterStandin;
	beforeAll(async () => {
		standin = await startOpenRouterStandin({ tokenDelayMs: 0 });
	});
	afterAll(() => standin.close());

	it('log the request and the conversation without the API key', async () => {
		const services = testServices({
			OPENROUTER_API_KEY: TEST_API_KEY,
			OPENROUTER_BASE_URL: standin.url
		});
		const events = await readChatEvents(
			await callRoute(POST, services, {
				method: 'POST',
				path: '/api/chat',
				body: { message: `hello, here is ${TEST_API_KEY}` }
			})
		);
		const sessionId = (events[0].data as { session_id: string }).session_id;
		const day = new Date().toISOString().slice(0, 10);
		const file = path.join(services.config.logDir, 'conversations', day, `${sessionId}.jsonl`);
		await waitUntil(
			() => existsSync(file) && lines(file).length === 2,
			2_000,
			'the conversation log'
		);
		expect(lines(file).map((r) => r.role)).toEqual(['user', 'assistant']);
		await services.log.close();
		expect(
			lines(path.join(services.config.logDir, 'app', day, 'app.log')).map((r) => r.msg)
		).toContain('chat turn finished');
		for (const log of filesUnder(services.config.logDir))
			expect(readFileSync(log, 'utf8'), log).not.toContain(TEST_API_KEY.slice(10));
	});
});
