import { afterEach, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { googleDisconnectResponse, googleStatus } from '$lib/api';
import { NOT_CONNECTED, RECONNECT_REQUIRED } from '$lib/server/google/service';
import type { Services } from '$lib/server/services';
import { GET as CALLBACK } from '../../src/routes/api/google/oauth/callback/+server';
import { POST as DISCONNECT } from '../../src/routes/api/google/oauth/disconnect/+server';
import { GET as START } from '../../src/routes/api/google/oauth/start/+server';
import { GET as STATUS } from '../../src/routes/api/google/status/+server';
import { STATE_COOKIE } from '../../src/routes/api/google/oauth/state-cookie';
import { disposeAll, errorOf, testServices } from '../support/factories';
import type { GoogleStandin } from '../support/google-standin';
import { consent, googleStandin } from './helpers';

afterEach(disposeAll);

/** A cookie jar and a route call the way SvelteKit runs them (real Request, URL, cookies, locals). */
function browser(services: Services) {
	const jar = new Map<string, string>();
	const cookies = {
		get: (name: string) => jar.get(name),
		set: (
			name: string,
			value: string,
			options: { path: string; httpOnly?: boolean; sameSite?: string; maxAge?: number }
		) => {
			expect(options).toMatchObject({
				path: '/api/google/oauth',
				httpOnly: true,
				sameSite: 'lax',
				maxAge: 600
			});
			jar.set(name, value);
		},
		delete: (name: string) => jar.delete(name)
	};
	return {
		jar,
		async call(handler: (event: never) => unknown, target: string, method = 'GET') {
			const url = new URL(target, 'http://127.0.0.1:3000');
			const event = {
				request: new Request(url, { method }),
				url,
				params: {},
				locals: { services },
				cookies
			};
			return (await handler(event as never)) as Response;
		}
	};
}

function servicesFor(standin: GoogleStandin, env: Record<string, string> = {}) {
	return testServices({
		GOOGLE_CLIENT_ID: standin.clientId,
		GOOGLE_CLIENT_SECRET: standin.clientSecret,
		GOOGLE_OAUTH_BASE_URL: standin.url,
		GOOGLE_API_ROOT_URL: standin.url,
		...env
	});
}

async function googleView(services: Services) {
	return (await services.mcp.listServers()).find((server) => server.id === 'google')!;
}

/** Connect → consent at the stand-in → callback, through the routes. Returns the final redirect. */
async function connectThroughRoutes(services: Services, b = browser(services)) {
	const start = await b.call(START, '/api/google/oauth/start');
	expect(start.status).toBe(302);
	const query = await consent(start.headers.get('location')!);
	const callback = await b.call(CALLBACK, `/api/google/oauth/callback?${query}`);
	expect(callback.status).toBe(302);
	return callback.headers.get('location');
}

describe('google connection through the routes and the MCP aggregator', () => {
	it('starts unavailable, connects after the callback, offers google__ tools, and drops them on disconnect', async () => {
		const standin = await googleStandin();
		const services = servicesFor(standin);
		await services.mcp.settled();
		expect(await googleView(services)).toMatchObject({
			status: 'unavailable',
			error: NOT_CONNECTED,
			enabled: true,
			transport: 'builtin'
		});

		expect(await connectThroughRoutes(services)).toBe('/mcp?google=connected');
		await expect.poll(async () => (await googleView(services)).status).toBe('connected');
		const names = services.tools.listTools().map((tool) => tool.name);
		expect(names).toEqual(
			expect.arrayContaining([
				'google__gmail_create_draft',
				'google__drive_read',
				'google__calendar_list_events'
			])
		);

		const outcome = await services.tools.callTool('google__gmail_create_draft', {
			to: 'a@example.com',
			subject: 'Hi',
			body: 'Hello'
		});
		expect(outcome.isError).toBe(false);
		expect(outcome.content).toContain(standin.drafts[0].id);

		const status = googleStatus.parse(
			await (await browser(services).call(STATUS, '/api/google/status')).json()
		);
		expect(status).toMatchObject({
			configured: true,
			connected: true,
			email: 'me@example.com',
			missing_scopes: [],
			connect_url: '/api/google/oauth/start'
		});

		const disconnect = await browser(services).call(
			DISCONNECT,
			'/api/google/oauth/disconnect',
			'POST'
		);
		expect(googleDisconnectResponse.parse(await disconnect.json())).toEqual({ revoked: true });
		await expect.poll(async () => (await googleView(services)).error).toBe(NOT_CONNECTED);
		expect((await googleView(services)).status).toBe('unavailable');
		expect(services.tools.listTools().some((tool) => tool.name.startsWith('google__'))).toBe(false);
	});

	it('reconnects and disconnects without passing through "The server closed the connection"', async () => {
		const standin = await googleStandin();
		const services = servicesFor(standin);
		await connectThroughRoutes(services);
		await expect.poll(async () => (await googleView(services)).status).toBe('connected');
		const errors: (string | null)[] = [];
		const watch = setInterval(async () => errors.push((await googleView(services)).error), 5);

		// Reconnect while connected: the new grant replaces the old server in place.
		expect(await connectThroughRoutes(services)).toBe('/mcp?google=connected');
		expect((await googleView(services)).status).toBe('connected');
		const disconnect = await browser(services).call(
			DISCONNECT,
			'/api/google/oauth/disconnect',
			'POST'
		);
		expect(disconnect.status).toBe(200);
		// Answered once the server shows why it is off, so the page's next read is already right.
		expect(await googleView(services)).toMatchObject({
			status: 'unavailable',
			error: NOT_CONNECTED
		});
		await new Promise((resolve) => setTimeout(resolve, 100));
		clearInterval(watch);

		expect(errors.filter((error) => error && error !== NOT_CONNECTED)).toEqual([]);
		expect(await readLogs(services.config.logDir)).not.toContain('closed the connection');
	});

	it('goes back to unavailable with "reconnect" when Google refuses the grant during a call', async () => {
		const standin = await googleStandin();
		const services = servicesFor(standin);
		await connectThroughRoutes(services);
		await expect.poll(async () => (await googleView(services)).status).toBe('connected');
		standin.revokeAll();
		standin.expireAccessTokens();

		const outcome = await services.tools.callTool('google__gmail_search', { query: 'lunch' });
		expect(outcome.isError).toBe(true);
		expect(outcome.content).toMatch(/Reconnect Google on the MCP page/);
		await expect.poll(async () => (await googleView(services)).error).toBe(RECONNECT_REQUIRED);
		expect(await readLogs(services.config.logDir)).not.toContain('closed the connection');
		const status = googleStatus.parse(
			await (await browser(services).call(STATUS, '/api/google/status')).json()
		);
		expect(status).toMatchObject({ connected: false, reconnect_required: true });

		expect(await connectThroughRoutes(services)).toBe('/mcp?google=connected');
		await expect.poll(async () => (await googleView(services)).status).toBe('connected');
	});

	it('sends the browser back to /mcp with an error code on denial or a state from elsewhere', async () => {
		const standin = await googleStandin();
		const services = servicesFor(standin);
		standin.consent = 'deny';
		expect(await connectThroughRoutes(services)).toBe('/mcp?google_error=access_denied');

		standin.consent = 'allow';
		const victim = browser(services);
		const attacker = browser(services);
		const start = await attacker.call(START, '/api/google/oauth/start');
		const query = await consent(start.headers.get('location')!);
		// The attacker's callback link, opened in the victim's browser (no matching state cookie).
		const callback = await victim.call(CALLBACK, `/api/google/oauth/callback?${query}`);
		expect(callback.headers.get('location')).toBe('/mcp?google_error=state_mismatch');
		expect((await services.google.status()).connected).toBe(false);
		expect(attacker.jar.has(STATE_COOKIE)).toBe(true);
	});

	it('answers 503 with a clear message when Google is not configured', async () => {
		const services = testServices();
		const response = await browser(services).call(START, '/api/google/oauth/start');
		expect(await errorOf(response)).toEqual({
			status: 503,
			code: 'google_not_configured',
			message:
				'Google is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET on the server.'
		});
		await services.mcp.settled();
		expect((await googleView(services)).error).toMatch(/not configured/);
	});

	it('never writes a token, code, client secret or Authorization header to the logs', async () => {
		const standin = await googleStandin();
		const services = servicesFor(standin, { LOG_LEVEL: 'debug' });
		const b = browser(services);
		await connectThroughRoutes(services, b);
		await expect.poll(async () => (await googleView(services)).status).toBe('connected');
		const codes = standin.requests
			.filter((r) => r.path === '/token')
			.map((r) => new URLSearchParams(r.body).get('code'));

		// A refresh, calls that fail at Google, a lost grant, a failed exchange and a revoke that cannot reach Google.
		standin.expireAccessTokens();
		await services.tools.callTool('google__gmail_search', { query: 'report' });
		await services.tools.callTool('google__drive_read', { file_id: 'missing' });
		standin.revokeAll();
		standin.expireAccessTokens();
		await services.tools.callTool('google__calendar_list_events', {});
		await expect.poll(async () => (await googleView(services)).status).toBe('unavailable');
		const start = await b.call(START, '/api/google/oauth/start');
		const state = new URL(start.headers.get('location')!).searchParams.get('state');
		await b.call(CALLBACK, `/api/google/oauth/callback?code=4/bogus-code-123&state=${state}`);
		await connectThroughRoutes(services, b);
		await standin.close();
		await services.google.disconnect();

		const secrets = [...standin.issuedTokens, standin.clientSecret, ...codes].filter(
			Boolean
		) as string[];
		expect(secrets.length).toBeGreaterThan(5);
		const logs = await readLogs(services.config.logDir);
		expect(logs).toContain('google connected');
		expect(logs).toContain('google grant lost');
		expect(logs).toContain('google revoke failed');
		for (const secret of secrets) expect(logs).not.toContain(secret);
		expect(logs).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
	});
});

async function readLogs(dir: string): Promise<string> {
	let text = '';
	for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
		if (entry.isFile()) text += await readFile(path.join(entry.parentPath, entry.name), 'utf8');
	}
	return text;
}
