import { isRedirect, type Cookies, type RequestEvent } from '@sveltejs/kit';
import { createHmac } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { authGuard, hashToken, safeNext, SESSION_TTL_MS } from '$lib/server/auth';
import { ConfigError, loadConfig } from '$lib/server/config';
import { DATABASE_FILE } from '$lib/server/db/client';
import { authSessions } from '$lib/server/db/schema';
import { createServices, type Services } from '$lib/server/services';
import { actions } from '../../src/routes/login/+page.server';
import { POST as logOutRoute } from '../../src/routes/logout/+server';
import { inProcessFetch } from '../support/in-process-fetch';
import { disposeAll, memoryLogger, onDispose, testConfig } from '../support/factories';

afterEach(disposeAll);

const PASSWORD = 'correct horse battery staple';
const APP = 'http://127.0.0.1:3000';

/** The app behind its login guard, on a clock the test moves. */
function app(env: Record<string, string> = {}) {
	const clock = { now: new Date('2030-01-01T00:00:00Z') };
	const log = memoryLogger();
	const config = testConfig({ APP_PASSWORD: PASSWORD, ...env });
	const services = createServices(config, { log, now: () => clock.now, demoTokenDelayMs: 0 });
	onDispose(() => services.close());
	const api = inProcessFetch(services).fetcher;
	const tick = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));
	return {
		services,
		log,
		config,
		tick,
		browser: (address?: string) => browser(services, api, address)
	};
}

interface Answer {
	status: number;
	location?: string;
	retryAfter?: string | null;
	error?: string;
}

function jar(cookies: Map<string, string>): Cookies {
	return {
		get: (name) => cookies.get(name),
		getAll: () => [...cookies].map(([name, value]) => ({ name, value })),
		set: (name, value, options) =>
			void (options.maxAge === 0 ? cookies.delete(name) : cookies.set(name, value)),
		delete: (name) => void cookies.delete(name),
		serialize: (name, value) => `${name}=${value}`
	};
}

/**
 * One browser (its own cookies, one client address; `undefined` makes getClientAddress throw, as
 * adapter-node does when ADDRESS_HEADER is missing) sending requests through the login guard to
 * the login form, /logout and the API.
 */
function browser(
	services: Services,
	api: typeof fetch,
	address: string | undefined = '203.0.113.7'
) {
	const cookies = new Map<string, string>();
	async function send(
		method: string,
		target: string,
		init: { body?: URLSearchParams; headers?: Record<string, string> } = {}
	): Promise<Answer> {
		const url = new URL(target, APP);
		const headers: Record<string, string> = {};
		const event = {
			request: new Request(url, { method, body: init.body, headers: init.headers }),
			url,
			cookies: jar(cookies),
			locals: { services },
			getClientAddress: () => {
				if (!address)
					throw new Error('Address header was specified with ADDRESS_HEADER but is absent');
				return address;
			},
			setHeaders: (more: Record<string, string>) => Object.assign(headers, more)
		} as unknown as RequestEvent;
		const resolve = async (event: RequestEvent): Promise<Response> => {
			if (url.pathname === '/login') {
				const failure = (await actions.default(event as never)) as
					{ status: number; data: { error: string } } | undefined;
				return Response.json(failure?.data, { status: failure?.status ?? 200, headers });
			}
			if (url.pathname === '/logout') return logOutRoute(event as never);
			if (url.pathname.startsWith('/api/')) {
				const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
				return api(url, { method, headers: { ...init.headers, cookie } });
			}
			return new Response('a page', { status: 200 });
		};
		let response: Response;
		try {
			response = await authGuard(() => services.auth)({ event, resolve });
		} catch (error) {
			if (!isRedirect(error)) throw error;
			return { status: error.status, location: error.location };
		}
		const body = response.status === 204 ? undefined : await response.json().catch(() => undefined);
		return {
			status: response.status,
			retryAfter: response.headers.get('retry-after'),
			error: body?.error?.message ?? body?.error
		};
	}
	return {
		cookies,
		logIn: (password: string, next?: string) =>
			send('POST', `/login${next === undefined ? '' : `?next=${next}`}`, {
				body: new URLSearchParams({ password })
			}),
		logOut: (accept = 'text/html') => send('POST', '/logout', { headers: { accept } }),
		get: (target: string, headers?: Record<string, string>) => send('GET', target, { headers })
	};
}

const tokenOf = (cookies: Map<string, string>) => [...cookies.values()][0];

describe('login: brute force', () => {
	it('answers the sixth wrong password in a minute with 429 and Retry-After, and the right one after the window', async () => {
		const { browser, tick, log } = app();
		const attacker = browser();
		for (let i = 1; i <= 5; i++) {
			expect(await attacker.logIn(`guess-${i}`)).toMatchObject({ status: 401 });
			tick(1_000);
		}
		const sixth = await attacker.logIn('guess-6');
		expect(sixth.status).toBe(429);
		expect(sixth.retryAfter).toBe('55'); // the first failure leaves the window 55 s from now
		expect(sixth.error).toBe(
			'Too many wrong passwords from this address. Try again in 55 seconds.'
		);
		// While refused, not even the right password gets in: no oracle for the attacker.
		expect(await attacker.logIn(PASSWORD)).toMatchObject({ status: 429 });
		tick(55_000);
		expect(await attacker.logIn(PASSWORD)).toMatchObject({ status: 303, location: '/' });

		const warnings = log.records.filter((record) => record.level === 'warn');
		expect(warnings.filter((record) => record.msg === 'login failed')).toHaveLength(5);
		expect(warnings.every((record) => record.address === '203.0.113.7')).toBe(true);
		const logged = JSON.stringify(log.records);
		for (const secret of [PASSWORD, 'guess-1', 'guess-6']) expect(logged).not.toContain(secret);
	});

	it('counts each address on its own', async () => {
		const { browser } = app();
		const attacker = browser('203.0.113.7');
		for (let i = 0; i < 6; i++) await attacker.logIn('wrong');
		expect(await attacker.logIn(PASSWORD)).toMatchObject({ status: 429 });
		expect(await browser('198.51.100.2').logIn(PASSWORD)).toMatchObject({ status: 303 });
	});

	it('counts wrong bearer tokens like wrong logins, so the API is no way around the limit', async () => {
		const { browser } = app();
		const script = browser();
		const bearer = (password: string) =>
			script.get('/api/sessions', { authorization: `Bearer ${password}` });
		for (let i = 0; i < 5; i++) expect(await bearer(`guess-${i}`)).toMatchObject({ status: 401 });
		expect(await bearer('guess-5')).toMatchObject({ status: 429, retryAfter: '60' });
		expect(await bearer(PASSWORD)).toMatchObject({ status: 429 });
		expect(await script.logIn(PASSWORD)).toMatchObject({ status: 429 });
	});

	it('still limits when the client address cannot be told (getClientAddress throws)', async () => {
		const { browser } = app();
		const unknown = browser(undefined);
		for (let i = 0; i < 5; i++) expect(await unknown.logIn('wrong')).toMatchObject({ status: 401 });
		expect(await unknown.logIn('wrong')).toMatchObject({ status: 429 });
	});
});

describe('login: the password check', () => {
	it.each([
		['of the same length', PASSWORD.replace(/e$/, 'x')],
		['that is a prefix', PASSWORD.slice(0, -1)],
		['that is longer', `${PASSWORD}!`],
		['that is empty', ''],
		['in another case', PASSWORD.toUpperCase()]
	])('refuses a wrong password %s (compared as fixed-length digests)', async (_what, password) => {
		const { browser } = app();
		const person = browser();
		expect(await person.logIn(password)).toMatchObject({
			status: 401,
			error: 'That password is not right.'
		});
		expect(person.cookies.size).toBe(0);
		expect(
			await person.get('/api/sessions', { authorization: `Bearer ${password}` })
		).toMatchObject({
			status: 401
		});
	});

	it('takes the password as a bearer token for scripts', async () => {
		const { browser } = app();
		expect(
			await browser().get('/api/sessions', { authorization: `Bearer ${PASSWORD}` })
		).toMatchObject({
			status: 200
		});
	});
});

describe('login: sessions', () => {
	it('gives each login a new random token and stores only its SHA-256', async () => {
		const { browser, services, config } = app();
		const tokens = [];
		for (let i = 0; i < 3; i++) {
			const person = browser();
			await person.logIn(PASSWORD);
			tokens.push(tokenOf(person.cookies));
		}
		expect(new Set(tokens).size).toBe(3);
		for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes

		const stored = services.db.select().from(authSessions).all();
		expect(stored.map((row) => row.tokenHash).sort()).toEqual(tokens.map(hashToken).sort());
		const file = path.join(config.dataDir, DATABASE_FILE);
		const bytes = [file, `${file}-wal`]
			.filter((name) => existsSync(name))
			.map((name) => readFileSync(name).toString('latin1'))
			.join('');
		expect(bytes).toContain(hashToken(tokens[0]));
		for (const token of tokens) expect(bytes).not.toContain(token);
	});

	it('lets the cookie in on every page and API call, checked against the database', async () => {
		const { browser, services } = app();
		const person = browser();
		expect(await person.get('/api/sessions')).toMatchObject({ status: 401 });
		expect(await person.get('/c/abc?x=1')).toEqual({
			status: 303,
			location: '/login?next=%2Fc%2Fabc%3Fx%3D1'
		});
		await person.logIn(PASSWORD);
		expect(await person.get('/api/sessions')).toMatchObject({ status: 200 });
		expect(await person.get('/c/abc')).toMatchObject({ status: 200 });
		services.db.delete(authSessions).run();
		expect(await person.get('/api/sessions')).toMatchObject({ status: 401 });
	});

	it('no longer takes the old cookie that was a function of the password', async () => {
		const { browser } = app();
		const person = browser();
		const old = createHmac('sha256', PASSWORD).update('switchboard login v1').digest('base64url');
		person.cookies.set('switchboard_auth', old);
		expect(await person.get('/api/sessions')).toMatchObject({ status: 401 });
	});

	it('logging out kills the session on the server: the old cookie answers 401', async () => {
		const { browser } = app();
		const person = browser();
		await person.logIn(PASSWORD);
		const token = tokenOf(person.cookies);
		expect(await person.logOut()).toEqual({ status: 303, location: '/login' });
		expect(person.cookies.size).toBe(0);

		const thief = browser('198.51.100.9');
		thief.cookies.set('switchboard_auth', token);
		expect(await thief.get('/api/sessions')).toMatchObject({
			status: 401,
			error: 'Log in first: this Switchboard needs its APP_PASSWORD.'
		});
	});

	it('answers a logout by fetch with 204', async () => {
		const { browser } = app();
		const person = browser();
		await person.logIn(PASSWORD);
		expect(await person.logOut('application/json')).toMatchObject({ status: 204 });
		expect(person.cookies.size).toBe(0);
	});

	it('refuses and deletes a session after 30 days', async () => {
		const { browser, tick, services } = app();
		const person = browser();
		await person.logIn(PASSWORD);
		tick(SESSION_TTL_MS - 1_000);
		expect(await person.get('/api/sessions')).toMatchObject({ status: 200 });
		tick(1_000);
		expect(await person.get('/api/sessions')).toMatchObject({ status: 401 });
		expect(services.db.select().from(authSessions).all()).toEqual([]);
	});

	it('clears expired sessions when someone logs in', async () => {
		const { browser, tick, services } = app();
		await browser().logIn(PASSWORD);
		await browser().logIn(PASSWORD);
		tick(SESSION_TTL_MS);
		const person = browser();
		await person.logIn(PASSWORD);
		expect(
			services.db
				.select()
				.from(authSessions)
				.all()
				.map((row) => row.tokenHash)
		).toEqual([hashToken(tokenOf(person.cookies))]);
	});

	it('uses a __Host- Secure cookie when ORIGIN is https', async () => {
		const { browser } = app({ ORIGIN: 'https://chat.example.com' });
		const person = browser();
		await person.logIn(PASSWORD);
		expect([...person.cookies.keys()]).toEqual(['__Host-switchboard_auth']);
		expect(await person.get('/api/sessions')).toMatchObject({ status: 200 });
	});
});

describe('login: where it goes next', () => {
	it.each([
		['/%5Cevil.example'],
		['/%5C/evil.example'],
		['//evil.example'],
		['%2F%2Fevil.example'],
		['https://evil.example'],
		['https%3A%2F%2Fevil.example'],
		['/%09/evil.example'],
		['/%0A/evil.example'],
		['/%0D%0ASet-Cookie:%20x=1'],
		['/%255C/evil.example'],
		['/%252F/evil.example'],
		['/..//evil.example'],
		['/.%2E//evil.example'],
		['javascript:alert(1)'],
		['%5C%5Cevil.example'],
		['']
	])('?next=%s lands on /', async (next) => {
		const { browser } = app();
		expect(await browser().logIn(PASSWORD, next)).toEqual({ status: 303, location: '/' });
	});

	it.each([['/\tevil'], ['/\\evil.example'], ['/\u0000x'], ['\\/evil.example'], ['/a\nb']])(
		'safeNext(%j) is /',
		(next) => {
			expect(safeNext(next)).toBe('/');
		}
	);

	it.each([
		['/c/abc', '/c/abc'],
		['/settings?tab=model#top', '/settings?tab=model#top'],
		['/c/%C3%A9t%C3%A9', '/c/%C3%A9t%C3%A9'],
		['/presets/a%20b', '/presets/a%20b']
	])('keeps the path %s on this site', async (next, location) => {
		const { browser } = app();
		expect(await browser().logIn(PASSWORD, encodeURIComponent(next))).toEqual({
			status: 303,
			location
		});
	});
});

describe('login: start-up', () => {
	function refusal(env: Record<string, string>): string | undefined {
		try {
			loadConfig(env);
			return undefined;
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigError);
			return (error as ConfigError).message;
		}
	}

	it.each([
		[{ HOST: '0.0.0.0' }, 'HOST (0.0.0.0) is not a loopback address'],
		[
			{ ORIGIN: 'https://chat.example.com' },
			'ORIGIN (https://chat.example.com) is not a loopback origin'
		],
		[
			{ ORIGIN: 'http://192.168.1.20:3000' },
			'ORIGIN (http://192.168.1.20:3000) is not a loopback origin'
		],
		[
			{ ORIGIN: 'http://localhost.evil.example' },
			'ORIGIN (http://localhost.evil.example) is not a loopback origin'
		],
		[{ SOCKET_PATH: '/run/switchboard.sock' }, 'SOCKET_PATH is set']
	])('refuses to start without APP_PASSWORD for %o', (env, reason) => {
		expect(refusal(env)).toContain(`APP_PASSWORD: required when ${reason}`);
		expect(refusal({ ...env, APP_PASSWORD: PASSWORD })).toBeUndefined();
	});

	it.each([['http://127.0.0.1:3000'], ['http://localhost:5173'], ['http://[::1]:3000']])(
		'starts without a password for the loopback ORIGIN %s',
		(origin) => {
			expect(refusal({ ORIGIN: origin })).toBeUndefined();
		}
	);
});
