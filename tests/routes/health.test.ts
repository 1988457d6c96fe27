import { afterEach, describe, expect, it } from 'vitest';
import { health } from '$lib/api';
import { version } from '../../package.json';
import { GET } from '../../src/routes/api/health/+server';
import { callRoute, disposeAll, TEST_API_KEY, testServices } from '../support/factories';

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
	const modules = import.meta.glob('../../src/routes/api/**/+server.ts', { eager: true });

	it('cover chat, sessions and health', () => {
		expect(Object.keys(modules)).toEqual(
			expect.arrayContaining([
				'../../src/routes/api/chat/+server.ts',
				'../../src/routes/api/health/+server.ts',
				'../../src/routes/api/sessions/+server.ts',
				'../../src/routes/api/sessions/[id]/+server.ts'
			])
		);
	});

	it.each(Object.entries(modules))('%s accepts a trailing slash', (_file, module) => {
		expect((module as { trailingSlash?: string }).trailingSlash).toBe('ignore');
	});
});
