import { isRedirect } from '@sveltejs/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_COOKIE, authToken } from '$lib/server/auth';
import { actions } from '../../src/routes/login/+page.server';
import { disposeAll, testServices } from '../support/factories';

afterEach(disposeAll);

/** Submits the login form; answers where it redirected, or the failure, and the cookies set. */
async function logIn(password: string, options: { appPassword?: string; next?: string } = {}) {
	const url = new URL('http://127.0.0.1:3000/login');
	if (options.next !== undefined) url.searchParams.set('next', options.next);
	const cookies = new Map<string, { value: string; options: Record<string, unknown> }>();
	const event = {
		request: new Request(url, { method: 'POST', body: new URLSearchParams({ password }) }),
		url,
		cookies: {
			set: (name: string, value: string, options: Record<string, unknown>) =>
				cookies.set(name, { value, options })
		},
		locals: { services: testServices({ APP_PASSWORD: options.appPassword }) }
	};
	try {
		return { failure: await actions.default(event as never), cookies };
	} catch (error) {
		if (!isRedirect(error)) throw error;
		return { redirect: { status: error.status, location: error.location }, cookies };
	}
}

describe('the login form', () => {
	it('sets the login cookie for the right password and goes where the person was headed', async () => {
		const result = await logIn('hunter2', { appPassword: 'hunter2', next: '/settings?tab=1' });
		expect(result.redirect).toEqual({ status: 303, location: '/settings?tab=1' });
		expect(result.cookies.get(AUTH_COOKIE)).toEqual({
			value: authToken('hunter2'),
			options: { path: '/', httpOnly: true, sameSite: 'lax', maxAge: 60 * 60 * 24 * 30 }
		});
	});

	it.each([
		['a wrong password', 'hunter3'],
		['a longer one', 'hunter22'],
		['an empty one', '']
	])('refuses %s with a 401 and no cookie', async (_what, password) => {
		const result = await logIn(password, { appPassword: 'hunter2' });
		expect(result.failure).toMatchObject({
			status: 401,
			data: { error: 'That password is not right.' }
		});
		expect(result.cookies.size).toBe(0);
	});

	it.each([
		['another site', 'https://evil.example/'],
		['a protocol-relative address', '//evil.example/'],
		['nothing', undefined]
	])('goes home instead of %s', async (_what, next) => {
		const result = await logIn('hunter2', { appPassword: 'hunter2', next });
		expect(result.redirect).toEqual({ status: 303, location: '/' });
	});

	it('without APP_PASSWORD goes home and sets nothing', async () => {
		const result = await logIn('anything');
		expect(result.redirect).toEqual({ status: 303, location: '/' });
		expect(result.cookies.size).toBe(0);
	});
});
