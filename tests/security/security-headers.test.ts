import { describe, expect, it } from 'vitest';
import { securityHeaders } from '$lib/server/security';
import { requestEvent, runGuard } from './helpers';

const EXPECTED = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	'x-frame-options': 'DENY'
};
const headersOf = (response: Response) =>
	Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, response.headers.get(name)]));

describe('security headers', () => {
	it.each([
		['a page', () => new Response('<html></html>', { headers: { 'content-type': 'text/html' } })],
		['an API error', () => Response.json({ error: { code: 'x', message: 'y' } }, { status: 404 })],
		[
			'an event stream',
			() => new Response(new ReadableStream(), { headers: { 'content-type': 'text/event-stream' } })
		]
	])('are on %s', async (_what, answer) => {
		const response = await runGuard(securityHeaders, requestEvent('/'), answer);
		expect(headersOf(response)).toEqual(EXPECTED);
	});

	it('are on an answer whose headers cannot be changed (a fetch() answer passed on)', async () => {
		const frozen = Response.redirect('http://127.0.0.1:3000/elsewhere', 302);
		const response = await runGuard(securityHeaders, requestEvent('/'), () => frozen);
		expect(response.status).toBe(302);
		expect(response.headers.get('location')).toBe('http://127.0.0.1:3000/elsewhere');
		expect(headersOf(response)).toEqual(EXPECTED);
	});
});
