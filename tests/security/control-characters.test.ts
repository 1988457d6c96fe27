import { afterEach, describe, expect, it } from 'vitest';
import { plainParameters } from '$lib/server/security';
import { GET as LIST } from '../../src/routes/api/sessions/+server';
import {
	callRoute,
	disposeAll,
	seedConversation,
	testRepository,
	testServices
} from '../support/factories';
import { outcome, requestEvent, runGuard } from './helpers';

afterEach(disposeAll);

const check = (path: string) => runGuard(plainParameters, requestEvent(path)).then(outcome);

describe('control characters in paths and query parameters', () => {
	it.each([
		'/api/sessions?q=ab%00cd',
		'/api/sessions?q=%00',
		'/api/sessions?cursor=a%01',
		'/api/sessions/%00',
		'/api/presets/a%1Fb',
		'/api/attachments/x%7F/content',
		'/c/%00',
		'/login?next=%0D%0ASet-Cookie:%20x',
		'/api/sessions?%00=1'
	])('refuses %s with 400', async (path) => {
		expect(await check(path)).toBe('400 invalid_characters');
	});

	it.each([
		'/api/sessions?q=caf%C3%A9',
		'/api/sessions?q=tab%09separated',
		'/api/sessions?q=%22quoted%22%20OR%20*',
		'/api/presets/My%20preset',
		'/c/%E0' // a page with a malformed escape: SvelteKit's own 400 page
	])('passes %s', async (path) => {
		expect(await check(path)).toBe('passed');
	});

	it.each([
		'/api/sessions/%E0',
		'/api/sessions/%ED%A0%80', // a lone surrogate, UTF-8 encoded
		'/api/presets/%C0%AF/apply', // an overlong "/"
		'/api/%zz'
	])('refuses the malformed API path %s with 400 in the error shape', async (path) => {
		expect(await check(path)).toBe('400 invalid_characters');
	});

	it('names the parameter at fault', async () => {
		const response = await runGuard(plainParameters, requestEvent('/api/sessions?q=ab%00cd'));
		expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
			'The query parameter "q" holds a control character.'
		);
	});
});

describe('searching for a NUL', () => {
	it('finds nothing instead of failing (FTS5 read the phrase only up to the NUL)', () => {
		const { repo } = testRepository();
		seedConversation(repo, { title: 'abcd', messages: [{ content: 'ab cd abcd' }] });
		for (const q of ['ab\u0000cd', '\u0000', 'a\u0000', '\u0000\u0000\u0000'])
			expect(repo.listSessions({ limit: 10, q }).sessions, JSON.stringify(q)).toEqual([]);
		expect(repo.listSessions({ limit: 10, q: 'ab\u0001cd' }).sessions).toEqual([]);
		expect(repo.listSessions({ limit: 10, q: 'abcd' }).sessions).toHaveLength(1);
	});

	it('answers GET /api/sessions?q=ab%00cd with an empty list, not 500, even past the guard', async () => {
		const services = testServices();
		seedConversation(services.repo, { title: 'abcd' });
		const response = await callRoute(LIST, services, { path: '/api/sessions?q=ab%00cd' });
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({ sessions: [] });
	});
});
