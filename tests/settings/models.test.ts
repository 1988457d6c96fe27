import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as modelsRoute from '../../src/routes/api/models/+server';
import { disposeAll, TEST_API_KEY } from '../support/factories';
import {
	startOpenRouterStandin,
	STANDIN_MODELS,
	type OpenRouterStandin
} from '../support/openrouter-standin';
import { call, manualClock, settingsServices } from './helpers';

let standin: OpenRouterStandin | undefined;
beforeEach(async () => {
	standin = await startOpenRouterStandin({ tokenDelayMs: 0 });
});
afterEach(async () => {
	await disposeAll();
	await standin?.close();
	standin = undefined;
});

const modelFetches = () =>
	standin!.requests.filter((r) => r.method === 'GET' && r.path === '/models').length;

function servicesWithClock() {
	const clock = manualClock();
	const services = settingsServices(
		{ OPENROUTER_API_KEY: TEST_API_KEY, OPENROUTER_BASE_URL: standin!.url },
		{ now: clock.now }
	);
	return { services, clock };
}

describe('GET /api/models', () => {
	it('lists the OpenRouter catalogue with context length, pricing and input modalities, demo model first', async () => {
		const { services } = servicesWithClock();
		const { status, body } = await call(services, modelsRoute.GET);
		expect(status).toBe(200);
		expect(body.error).toBeNull();
		expect(body.models[0]).toMatchObject({ id: 'switchboard/demo', input_modalities: ['text'] });
		expect(body.models.map((m: { id: string }) => m.id).slice(1)).toEqual(
			STANDIN_MODELS.map((m) => m.id)
		);
		expect(body.models.find((m: { id: string }) => m.id === 'openai/gpt-4o')).toMatchObject({
			name: 'OpenAI: GPT-4o',
			context_length: 128000,
			pricing: { prompt: '0.0000025', completion: '0.00001' },
			input_modalities: ['text', 'image', 'file']
		});
	});

	it('serves the cached copy within the TTL and refreshes after it', async () => {
		const { services, clock } = servicesWithClock();
		await call(services, modelsRoute.GET, { path: '/api/models/' });
		clock.advance(60_000);
		await call(services, modelsRoute.GET);
		expect(modelFetches()).toBe(1);
		clock.advance(10 * 60_000);
		await call(services, modelsRoute.GET);
		expect(modelFetches()).toBe(2);
	});

	it('asks OpenRouter once for many concurrent pickers', async () => {
		const { services } = servicesWithClock();
		await Promise.all(Array.from({ length: 5 }, () => call(services, modelsRoute.GET)));
		expect(modelFetches()).toBe(1);
	});

	it('keeps serving the last good copy when OpenRouter is down, saying so', async () => {
		const { services, clock } = servicesWithClock();
		const first = await call(services, modelsRoute.GET);
		await standin!.close();
		standin = undefined;
		clock.advance(60 * 60_000);
		const { status, body } = await call(services, modelsRoute.GET);
		expect(status).toBe(200);
		expect(body.models).toEqual(first.body.models);
		expect(body.fetched_at).toBe(first.body.fetched_at);
		expect(body.error).toMatch(/Could not load the model list from OpenRouter/);
	});

	it('offers the demo model when OpenRouter was never reachable', async () => {
		await standin!.close();
		const services = settingsServices({ OPENROUTER_BASE_URL: standin!.url });
		standin = undefined;
		const { status, body } = await call(services, modelsRoute.GET);
		expect(status).toBe(200);
		expect(body.models.map((m: { id: string }) => m.id)).toEqual(['switchboard/demo']);
		expect(body.fetched_at).toBeNull();
		expect(body.error).toMatch(/Could not reach/);
	});
});

describe('the catalogue as model checks see it', () => {
	it('knows no ids before a fetch, the fetched ones with the demo model after, and keeps them through an outage', async () => {
		const { services, clock } = servicesWithClock();
		expect(services.models.knownIds()).toBeUndefined();
		await call(services, modelsRoute.GET);
		expect([...services.models.knownIds()!]).toEqual([
			'switchboard/demo',
			...STANDIN_MODELS.map((m) => m.id)
		]);
		await standin!.close();
		standin = undefined;
		clock.advance(60 * 60_000);
		await call(services, modelsRoute.GET);
		expect(services.models.knownIds()).toContain('openai/gpt-4o');
	});

	it('knows no ids when OpenRouter was never reachable', async () => {
		await standin!.close();
		const services = settingsServices({ OPENROUTER_BASE_URL: standin!.url });
		standin = undefined;
		await call(services, modelsRoute.GET);
		expect(services.models.knownIds()).toBeUndefined();
	});
});
