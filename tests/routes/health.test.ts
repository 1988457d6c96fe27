import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { health, sessionList } from '$lib/api';
import { onUnexpectedError } from '$lib/server/http';
import { version } from '../../package.json';
import { GET } from '../../src/routes/api/health/+server';
import { callRoute, disposeAll, errorOf, TEST_API_KEY, testServices } from '../support/factories';
import { apiRoutes, inProcessFetch } from '../support/in-process-fetch';

afterEach(disposeAll);

describe('GET /api/health', () => {
	it('has the documented shape', async () => {
		const response = await callRoute(GET, testServices(), { path: '/api/health' });
		expect(response.status).toBe(200);
		const body = await response.json();
		expect(Object.keys(body).sort()).toEqual([
			'mcp',
			'openrouter',
			'speech',
			'status',
			'storage',
			'version'
		]);
		expect(health.strict().parse(body)).toEqual({
			status: 'ok',
			version,
			openrouter: { configured: false },
			mcp: { connected: expect.any(Number), unavailable: expect.any(Number) },
			storage: 'local',
			speech: { configured: false }
		});
	});

	it('says OpenRouter is configured once a key is set, and which storage and speech are in use', async () => {
		const s = testServices({
			OPENROUTER_API_KEY: TEST_API_KEY,
			ATTACHMENTS_GCS_BUCKET: 'bucket',
			GCS_API_ENDPOINT: 'http://127.0.0.1:9',
			DEEPGRAM_API_KEY: 'dg-key'
		});
		const body = await (await callRoute(GET, s, { path: '/api/health' })).json();
		expect(body).toMatchObject({
			openrouter: { configured: true },
			storage: 'gcs',
			speech: { configured: true }
		});
	});
});

describe('API routes', () => {
	// A closed port: the models route fails fast instead of reaching openrouter.ai.
	const offline = () => testServices({ OPENROUTER_BASE_URL: 'http://127.0.0.1:9' });
	// Google and dictation are not set up here; their 503s would fill the console.
	let restoreReporter: () => void;
	beforeEach(() => (restoreReporter = onUnexpectedError(() => {})));
	afterEach(() => restoreReporter());

	it('answer health, sessions and chat at their documented paths', async () => {
		const { fetcher } = inProcessFetch(offline());
		expect((await fetcher('/api/health')).status).toBe(200);
		expect(sessionList.parse(await (await fetcher('/api/sessions')).json())).toEqual({
			sessions: [],
			next_cursor: null
		});
		expect(await errorOf(await fetcher(`/api/sessions/${crypto.randomUUID()}`))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
		expect(await errorOf(await fetcher('/api/chat', { method: 'POST', body: '{}' }))).toMatchObject(
			{ status: 400, code: 'invalid_request' }
		);
		expect(await errorOf(await fetcher('/api/nowhere'))).toMatchObject({
			status: 404,
			code: 'not_found'
		});
	});

	const samples: Record<string, string> = {
		id: '00000000-0000-4000-8000-000000000000',
		name: 'no-such-preset',
		rest: 'old/file.png',
		path: 'nowhere'
	};
	const samplePath = (id: string) =>
		id.replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, name) => samples[name]);

	it.each(apiRoutes.map((route) => [route.id, route] as const))(
		'%s answers with a trailing slash as without one (no redirect)',
		async (_id, route) => {
			const { fetcher } = inProcessFetch(offline());
			const method = route.methods.includes('GET') ? 'GET' : route.methods[0];
			const path = samplePath(route.id);
			const bare = await fetcher(path, { method });
			const slashed = await fetcher(`${path}/`, { method });
			expect(slashed.status).not.toBe(308);
			expect(slashed.status).toBe(bare.status);
			expect(slashed.headers.get('content-type')).toBe(bare.headers.get('content-type'));
		}
	);
});
