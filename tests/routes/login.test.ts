import { isRedirect } from '@sveltejs/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_COOKIE, SECURE_AUTH_COOKIE } from '$lib/server/auth';
import { actions, load } from '../../src/routes/login/+page.server';
import { POST as logOut } from '../../src/routes/logout/+server';
import { load as layoutLoad } from '../../src/routes/+layout.server';
import type { Services } from '$lib/server/services';
import { disposeAll, testServices } from '../support/factories';

afterEach(disposeAll);

type CookieJar = Map<string, { value: string; options: Record<string, unknown> }>;

function cookieApi(cookies: CookieJar) {
	return {
		get: (name: string) => cookies.get(name)?.value,
		set: (name: string, value: string, options: Record<string, unknown>) =>
			cookies.set(name, { value, options }),
		delete: (name: string, options: Record<string, unknown>) =>
			cookies.set(name, { value: '', options: { ...options, maxAge: 0 } })
	};
}

/** Submits the login form; answers where it redirected, or the failure, and the cookies set. */
async function logIn(
	password: string,
	options: { appPassword?: string; next?: string; services?: Services; cookies?: CookieJar } = {}
) {
	const url = new URL('http://127.0.0.1:3000/login');
	if (options.next !== undefined) url.searchParams.set('next', options.next);
	const cookies: CookieJar = options.cookies ?? new Map();
	const headers: Record<string, string> = {};
	const services = options.services ?? testServices({ APP_PASSWORD: options.appPassword });
	const event = {
		request: new Request(url, { method: 'POST', body: new URLSearchParams({ password }) }),
		url,
		cookies: cookieApi(cookies),
		locals: { services },
		getClientAddress: () => '192.0.2.10',
		setHeaders: (more: Record<string, string>) => Object.assign(headers, more)
	};
	try {
		return { failure: await actions.default(event as never), cookies, headers };
	} catch (error) {
		if (!isRedirect(error)) throw error;
		return { redirect: { status: error.status, location: error.location }, cookies, headers };
	}
}

async function redirectOf(run: () => unknown) {
	try {
		await run();
	} catch (error) {
		if (isRedirect(error)) return { status: error.status, location: error.location };
		throw error;
	}
	return undefined;
}

describe('the login form', () => {
	it('answers 400, not 500, to a body that is no form', async () => {
		const url = new URL('http://127.0.0.1:3000/login');
		const services = testServices({ APP_PASSWORD: 'hunter2' });
		const event = {
			request: new Request(url, {
				method: 'POST',
				headers: { 'content-type': 'multipart/form-data' },
				body: 'x'
			}),
			url,
			cookies: cookieApi(new Map()),
			locals: { services },
			getClientAddress: () => '192.0.2.10',
			setHeaders: () => {}
		};
		expect(await actions.default(event as never)).toMatchObject({
			status: 400,
			data: { error: expect.stringContaining('could not be read') }
		});
	});

	it('sets a session cookie for the right password and goes where the person was headed', async () => {
		const result = await logIn('hunter2', { appPassword: 'hunter2', next: '/settings?tab=1' });
		expect(result.redirect).toEqual({ status: 303, location: '/settings?tab=1' });
		const cookie = result.cookies.get(AUTH_COOKIE)!;
		expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(cookie.value).not.toContain('hunter2');
		expect(cookie.options).toEqual({
			path: '/',
			httpOnly: true,
			sameSite: 'lax',
			secure: false,
			maxAge: 60 * 60 * 24 * 30
		});
	});

	it('names the cookie __Host- and makes it Secure when ORIGIN is https', async () => {
		const services = testServices({ APP_PASSWORD: 'hunter2', ORIGIN: 'https://chat.example.com' });
		const result = await logIn('hunter2', { services });
		expect([...result.cookies.keys()]).toEqual([SECURE_AUTH_COOKIE]);
		expect(SECURE_AUTH_COOKIE).toBe('__Host-switchboard_auth');
		expect(result.cookies.get(SECURE_AUTH_COOKIE)!.options).toMatchObject({
			secure: true,
			path: '/'
		});
	});

	it.each([
		['a wrong password', 'hunter3'],
		['a longer one', 'hunter22'],
		['a shorter one', 'hunter'],
		['an empty one', '']
	])('refuses %s with a 401 and no cookie', async (_what, password) => {
		const result = await logIn(password, { appPassword: 'hunter2' });
		expect(result.failure).toMatchObject({
			status: 401,
			data: { error: 'That password is not right.' }
		});
		expect(result.cookies.size).toBe(0);
	});

	it('answers the sixth wrong password within a minute with 429 and Retry-After', async () => {
		const services = testServices({ APP_PASSWORD: 'hunter2' });
		for (let i = 0; i < 5; i++)
			expect((await logIn('nope', { services })).failure).toMatchObject({ status: 401 });
		const sixth = await logIn('hunter2', { services });
		expect(sixth.failure).toMatchObject({
			status: 429,
			data: { error: expect.stringMatching(/Too many wrong passwords.*Try again in \d+ seconds/) }
		});
		expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
		expect(sixth.cookies.size).toBe(0);
	});

	it.each([
		['another site', 'https://evil.example/'],
		['a protocol-relative address', '//evil.example/'],
		['a backslash', '/\\evil.example'],
		['a tab', '/\t/evil.example'],
		['dot segments that make two slashes', '/..//evil.example'],
		['a script', 'javascript:alert(1)'],
		['nothing', undefined]
	])('goes home instead of %s', async (_what, next) => {
		const result = await logIn('hunter2', { appPassword: 'hunter2', next });
		expect(result.redirect).toEqual({ status: 303, location: '/' });
	});

	it('replaces the session this browser had before', async () => {
		const services = testServices({ APP_PASSWORD: 'hunter2' });
		const first = await logIn('hunter2', { services });
		const before = first.cookies.get(AUTH_COOKIE)!.value;
		await logIn('hunter2', { services, cookies: first.cookies });
		expect(first.cookies.get(AUTH_COOKIE)!.value).not.toBe(before);
		expect(() => services.auth.authenticate({ token: before, address: '192.0.2.10' })).toThrowError(
			'Log in first'
		);
	});

	it('without APP_PASSWORD goes home and sets nothing', async () => {
		const result = await logIn('anything');
		expect(result.redirect).toEqual({ status: 303, location: '/' });
		expect(result.cookies.size).toBe(0);
		const services = testServices();
		expect(await redirectOf(() => load({ locals: { services } } as never))).toEqual({
			status: 303,
			location: '/'
		});
	});
});

describe('logging out', () => {
	function logOutEvent(services: Services, cookies: CookieJar, accept = 'text/html') {
		return {
			locals: { services },
			cookies: cookieApi(cookies),
			request: new Request('http://127.0.0.1:3000/logout', {
				method: 'POST',
				headers: { accept }
			})
		};
	}

	it('ends the session, clears the cookie and goes to /login', async () => {
		const services = testServices({ APP_PASSWORD: 'hunter2' });
		const { cookies } = await logIn('hunter2', { services });
		const token = cookies.get(AUTH_COOKIE)!.value;
		expect(await redirectOf(() => logOut(logOutEvent(services, cookies) as never))).toEqual({
			status: 303,
			location: '/login'
		});
		expect(cookies.get(AUTH_COOKIE)).toMatchObject({ value: '', options: { maxAge: 0 } });
		expect(() => services.auth.authenticate({ token, address: '192.0.2.10' })).toThrowError(
			'Log in first'
		);
	});

	it('answers fetch asking for JSON with 204', async () => {
		const services = testServices({ APP_PASSWORD: 'hunter2' });
		const { cookies } = await logIn('hunter2', { services });
		const response = await logOut(logOutEvent(services, cookies, 'application/json') as never);
		expect(response.status).toBe(204);
	});
});

describe('the layout', () => {
	it('tells the sidebar to offer "Log out" only when a password is set', async () => {
		const layout = (services: Services, id = '/') =>
			layoutLoad({ locals: { services }, route: { id } } as never) as Record<string, unknown>;
		expect(layout(testServices({ APP_PASSWORD: 'hunter2' }))).toMatchObject({
			loginRequired: true
		});
		expect(layout(testServices())).toMatchObject({ loginRequired: false });
	});

	it('tells the login page nothing about the setup', async () => {
		const services = testServices({ APP_PASSWORD: 'hunter2', DEEPGRAM_API_KEY: 'dg-key' });
		const data = layoutLoad({ locals: { services }, route: { id: '/login' } } as never);
		expect(data).toEqual({
			loginRequired: true,
			openrouterConfigured: true,
			speechConfigured: false
		});
	});
});
