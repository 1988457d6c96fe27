import { describe, expect, it } from 'vitest';
import { jsonBodies } from '$lib/server/security';
import { outcome, requestEvent, runGuard } from './helpers';

const send = (
	method: string,
	path: string,
	{ type, body = '{}' }: { type?: string; body?: string | null } = {}
) =>
	runGuard(
		jsonBodies,
		requestEvent(path, {
			method,
			headers: type ? { 'content-type': type } : {},
			body: body ?? undefined
		})
	).then(outcome);

describe('JSON bodies', () => {
	it.each([
		['text/plain', 'POST', '/api/chat'],
		['application/x-www-form-urlencoded', 'PUT', '/api/settings/model'],
		['multipart/form-data; boundary=x', 'PATCH', '/api/sessions/abc'],
		['application/jsonp', 'POST', '/api/presets/import'],
		[undefined, 'POST', '/api/chat/']
	])('refuses a %s body to %s %s with 415', async (type, method, path) => {
		expect(await send(method, path, { type })).toBe('415 unsupported_media_type');
	});

	it('refuses a body that adapter-node would drop for want of a Content-Type', async () => {
		const event = requestEvent('/api/chat', {
			method: 'POST',
			headers: { 'content-length': '17' }
		});
		expect(await outcome(await runGuard(jsonBodies, event))).toBe('415 unsupported_media_type');
	});

	it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON'])(
		'passes %s',
		async (type) => {
			expect(await send('POST', '/api/chat', { type })).toBe('passed');
		}
	);

	it('passes what has no JSON body: uploads, imports, no body, reads, pages', async () => {
		expect(await send('POST', '/api/uploads', { type: 'multipart/form-data; boundary=x' })).toBe(
			'passed'
		);
		expect(
			await send('POST', '/api/sessions/import', { type: 'multipart/form-data; boundary=x' })
		).toBe('passed');
		expect(await send('POST', '/api/mcp/servers/refresh', { body: null })).toBe('passed');
		expect(await send('DELETE', '/api/sessions/abc', { type: 'text/plain' })).toBe('passed');
		expect(await send('POST', '/login', { type: 'application/x-www-form-urlencoded' })).toBe(
			'passed'
		);
	});

	it('checks the route SvelteKit would pick, not only the spelling', async () => {
		expect(await send('POST', '/%61pi/chat', { type: 'text/plain' })).toBe(
			'415 unsupported_media_type'
		);
	});
});
