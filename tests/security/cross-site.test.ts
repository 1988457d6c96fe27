import { describe, expect, it } from 'vitest';
import config from '../../svelte.config.js';
import { crossSiteWrites } from '$lib/server/security';
import { outcome, requestEvent, runGuard } from './helpers';

const APP = 'http://127.0.0.1:3000';

function send(
	method: string,
	path: string,
	headers: Record<string, string>,
	publicOrigin?: string,
	base?: string
) {
	return runGuard(
		crossSiteWrites(() => publicOrigin),
		requestEvent(path, { method, headers, base })
	).then(outcome);
}

describe('cross-site writes', () => {
	it.each([
		['POST', '/api/chat'],
		['PUT', '/api/mcp/servers'],
		['PATCH', '/api/sessions/abc'],
		['DELETE', '/api/sessions/abc'],
		['POST', '/login'],
		['POST', '/logout']
	])('refuses %s %s from another site with 403', async (method, path) => {
		expect(await send(method, path, { origin: 'https://attacker.example' })).toBe(
			'403 forbidden_origin'
		);
	});

	it('refuses another port on localhost (same site, not same origin)', async () => {
		expect(await send('POST', '/api/chat', { origin: 'http://127.0.0.1:8080' })).toBe(
			'403 forbidden_origin'
		);
		expect(await send('POST', '/api/chat', { 'sec-fetch-site': 'same-site' })).toBe(
			'403 forbidden_origin'
		);
	});

	it('refuses an opaque origin (sandboxed frame, file://)', async () => {
		expect(await send('POST', '/api/chat', { origin: 'null' })).toBe('403 forbidden_origin');
	});

	it('refuses a cross-site request without Origin by its Sec-Fetch-Site', async () => {
		expect(await send('DELETE', '/api/sessions/abc', { 'sec-fetch-site': 'cross-site' })).toBe(
			'403 forbidden_origin'
		);
	});

	it('answers a cross-site form post with the JSON 403, not SvelteKit plain text', async () => {
		const response = await runGuard(
			crossSiteWrites(() => undefined),
			requestEvent('/login', {
				method: 'POST',
				headers: {
					origin: 'https://attacker.example',
					'content-type': 'application/x-www-form-urlencoded'
				},
				body: 'password=guess'
			})
		);
		expect(response.status).toBe(403);
		expect(response.headers.get('content-type')).toBe('application/json');
		expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
			'forbidden_origin'
		);
		// SvelteKit's own check would answer first, in plain text, if it were on.
		expect(config.kit?.csrf?.trustedOrigins).toEqual(['*']);
	});

	it.each([
		['its own pages', { origin: APP, 'sec-fetch-site': 'same-origin' }],
		['its own pages without Origin', { 'sec-fetch-site': 'same-origin' }],
		['the address bar or a bookmark', { 'sec-fetch-site': 'none' }],
		['curl and scripts (neither header)', {}]
	])('passes writes from %s', async (_from, headers) => {
		expect(await send('POST', '/api/chat', headers)).toBe('passed');
	});

	it('passes reads from anywhere (the host allowlist and auth guard them)', async () => {
		expect(await send('GET', '/api/sessions', { origin: 'https://attacker.example' })).toBe(
			'passed'
		);
		expect(await send('HEAD', '/', { 'sec-fetch-site': 'cross-site' })).toBe('passed');
	});

	it('takes ORIGIN as the own origin when set, else the one the request was made to', async () => {
		const proxied = 'https://chat.example.com';
		expect(await send('POST', '/api/chat', { origin: proxied }, proxied)).toBe('passed');
		expect(await send('POST', '/api/chat', { origin: APP }, proxied)).toBe('403 forbidden_origin');
		const local = 'http://localhost:3000';
		expect(await send('POST', '/api/chat', { origin: local }, undefined, local)).toBe('passed');
		expect(await send('POST', '/api/chat', { origin: APP }, undefined, local)).toBe(
			'403 forbidden_origin'
		);
	});

	it('passes its own pages when adapter-node, without ORIGIN, guessed https: for the URL', async () => {
		const guessed = 'https://127.0.0.1:3000';
		expect(await send('POST', '/api/chat', { origin: APP }, undefined, guessed)).toBe('passed');
		expect(
			await send('POST', '/api/chat', { origin: 'http://127.0.0.1:8080' }, undefined, guessed)
		).toBe('403 forbidden_origin');
		expect(await send('POST', '/api/chat', { origin: 'null' }, undefined, guessed)).toBe(
			'403 forbidden_origin'
		);
	});
});
