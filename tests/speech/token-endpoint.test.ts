import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { speechTokenResponse } from '$lib/api';
import { health } from '$lib/server/health';
import type { Services } from '$lib/server/services';
import * as tokenRoute from '../../src/routes/api/stt/deepgram/token/+server';
import { startDeepgramStandin, type DeepgramStandin } from '../support/deepgram-standin';
import { disposeAll, onDispose, testServices } from '../support/factories';

async function standin(): Promise<DeepgramStandin> {
	const dg = await startDeepgramStandin();
	onDispose(() => dg.close());
	return dg;
}

async function requestToken(services: Services, client = '127.0.0.1') {
	const url = new URL('http://127.0.0.1:3000/api/stt/deepgram/token');
	const request = new Request(url, { method: 'POST' });
	const response = await tokenRoute.POST({
		request,
		url,
		params: {},
		locals: { services },
		getClientAddress: () => client
	} as any);
	return { status: response.status, headers: response.headers, body: await response.json() };
}

function logText(services: Services): string {
	const dir = path.join(services.config.logDir, 'app');
	return readdirSync(dir, { recursive: true })
		.map(String)
		.filter((file) => file.endsWith('.log'))
		.map((file) => readFileSync(path.join(dir, file), 'utf8'))
		.join('');
}

afterEach(disposeAll);

describe('POST /api/stt/deepgram/token', () => {
	it('mints a temporary token and tells the browser which websocket base to use', async () => {
		const dg = await standin();
		const services = testServices({ DEEPGRAM_API_KEY: dg.apiKey, DEEPGRAM_API_URL: dg.url });
		const { status, headers, body } = await requestToken(services);
		expect(status).toBe(200);
		expect(headers.get('cache-control')).toBe('no-store');
		const token = speechTokenResponse.parse(body);
		expect(token.url).toBe(`ws://127.0.0.1:${dg.port}`);
		expect(token.expires_in).toBe(60);
		expect(token.access_token).not.toContain(dg.apiKey);
		expect(dg.grants).toBe(1);
	});

	it('answers 503 naming DEEPGRAM_API_KEY when dictation is not configured', async () => {
		const services = testServices({ DEEPGRAM_API_KEY: undefined });
		const { status, body } = await requestToken(services);
		expect(status).toBe(503);
		expect(body.error.code).toBe('speech_not_configured');
		expect(body.error.message).toContain('DEEPGRAM_API_KEY');
		expect(health(services).speech.configured).toBe(false);
	});

	it('explains an API key that Deepgram rejects, without logging it', async () => {
		const dg = await standin();
		const wrongKey = 'dg-wrong-key-0123456789abcdef';
		const services = testServices({ DEEPGRAM_API_KEY: wrongKey, DEEPGRAM_API_URL: dg.url });
		expect(health(services).speech.configured).toBe(true);
		const { status, body } = await requestToken(services);
		expect(status).toBe(502);
		expect(body.error.code).toBe('speech_upstream_auth');
		expect(body.error.message).toMatch(/rejected.*DEEPGRAM_API_KEY/);
		expect(JSON.stringify(body)).not.toContain(wrongKey);
		await services.log.close();
		const log = logText(services);
		expect(log).toContain('deepgram token grant failed');
		expect(log).not.toContain(wrongKey);
	});

	it('says so plainly when Deepgram cannot be reached', async () => {
		const dg = await standin();
		await dg.close();
		const services = testServices({ DEEPGRAM_API_KEY: 'dg-key', DEEPGRAM_API_URL: dg.url });
		const { status, body } = await requestToken(services);
		expect(status).toBe(502);
		expect(body.error.message).toMatch(/could not be reached/);
	});

	it('limits how many tokens one client can mint per minute', async () => {
		const dg = await standin();
		const services = testServices({ DEEPGRAM_API_KEY: dg.apiKey, DEEPGRAM_API_URL: dg.url });
		const statuses: number[] = [];
		for (let i = 0; i < 12; i++) statuses.push((await requestToken(services, '10.0.0.1')).status);
		expect(statuses.every((status) => status === 200)).toBe(true);
		const limited = await requestToken(services, '10.0.0.1');
		expect(limited.status).toBe(429);
		expect(limited.body.error).toMatchObject({ code: 'rate_limited' });
		expect(limited.body.error.message).toMatch(/try again in \d+ s/);
		expect((await requestToken(services, '10.0.0.2')).status).toBe(200);
		expect(dg.grants).toBe(13);
	});

	it('never writes the key or a minted token to the log', async () => {
		const dg = await standin();
		const services = testServices({ DEEPGRAM_API_KEY: dg.apiKey, DEEPGRAM_API_URL: dg.url });
		const { body } = await requestToken(services);
		services.log.info('request', { path: '/api/stt/deepgram/token', status: 200 });
		await services.log.close();
		const log = logText(services);
		expect(log).not.toContain(dg.apiKey);
		expect(log).not.toContain(body.access_token);
	});
});
