import { statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpServersResponse } from '$lib/api';
import type { Services } from '$lib/server/services';
import { GET as CALLBACK } from '../../src/routes/api/mcp/oauth/callback/+server';
import { GET as SERVERS, PUT } from '../../src/routes/api/mcp/servers/+server';
import { POST as DISCONNECT } from '../../src/routes/api/mcp/servers/[id]/oauth/disconnect/+server';
import { GET as START } from '../../src/routes/api/mcp/servers/[id]/oauth/start/+server';
import { callRoute, errorOf, testServices } from '../support/factories';
import { eventually } from '../support/mcp/factory';
import { startOAuthFixture } from '../support/mcp/oauth-server.mjs';

let fixture: Awaited<ReturnType<typeof startOAuthFixture>>;
beforeAll(async () => {
	fixture = await startOAuthFixture();
});
afterAll(() => fixture.close());

async function services(): Promise<Services> {
	const s = testServices();
	await callRoute(PUT, s, {
		method: 'PUT',
		path: '/api/mcp/servers',
		body: [
			{ id: 'calculator', enabled: true, transport: 'builtin' },
			{ id: 'remote', enabled: true, transport: 'http', url: fixture.url }
		]
	});
	await s.mcp.settled();
	return s;
}

const server = async (s: Services, id: string) =>
	mcpServersResponse
		.parse(await (await callRoute(SERVERS, s, { path: '/api/mcp/servers' })).json())
		.find((item) => item.id === id)!;
const start = (s: Services, id: string) =>
	callRoute(START, s, { path: `/api/mcp/servers/${id}/oauth/start`, params: { id } });
const callback = (s: Services, query: string) =>
	callRoute(CALLBACK, s, { path: `/api/mcp/oauth/callback${query}` });

/** Connect → the authorization server (approves at once) → the callback, as a browser would. */
async function signIn(s: Services): Promise<Response> {
	const started = await start(s, 'remote');
	expect(started.status).toBe(302);
	const authorize = new URL(started.headers.get('location')!);
	expect(authorize.origin).toBe(new URL(fixture.url).origin);
	expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
	expect(authorize.searchParams.get('redirect_uri')).toBe(s.mcpOAuth.callbackUrl);
	const approved = await fetch(authorize, { redirect: 'manual' });
	const back = new URL(approved.headers.get('location')!);
	expect(back.pathname).toBe('/api/mcp/oauth/callback');
	return callback(s, back.search);
}

describe('OAuth for remote MCP servers', () => {
	it('marks a server that demands OAuth as needing sign-in, without holding up the others', async () => {
		const s = await services();
		expect(await server(s, 'remote')).toMatchObject({
			status: 'needs_auth',
			error: expect.stringMatching(/uses OAuth: press Connect to sign in/),
			signed_in: false
		});
		expect((await server(s, 'calculator')).status).toBe('connected');
	});

	it('signs in with discovery, dynamic registration and PKCE, stores the tokens 0600, connects', async () => {
		const s = await services();
		const done = await signIn(s);
		expect(done.status).toBe(302);
		expect(done.headers.get('location')).toBe('/mcp?mcp_oauth=remote');
		await eventually(async () => expect((await server(s, 'remote')).status).toBe('connected'));
		const remote = await server(s, 'remote');
		expect(remote.signed_in).toBe(true);
		expect(remote.tools.map((tool) => tool.original_name)).toContain('echo');

		const file = path.join(s.config.dataDir, 'tokens', 'mcp-remote.json');
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);

		// An access token that expired is refreshed by the transport on the next request.
		fixture.provider.expireAll();
		const refreshes = fixture.provider.refreshes;
		expect((await s.mcp.callTool('remote__echo', { text: 'still here' })).content).toBe(
			'still here'
		);
		expect(fixture.provider.refreshes).toBe(refreshes + 1);

		const out = await callRoute(DISCONNECT, s, {
			method: 'POST',
			path: '/api/mcp/servers/remote/oauth/disconnect',
			params: { id: 'remote' }
		});
		expect(await out.json()).toEqual({ ok: true });
		expect(existsSync(file)).toBe(false);
		await eventually(async () => expect((await server(s, 'remote')).status).toBe('needs_auth'));
	});

	it('a callback with a state nothing started, or an error, ends on /mcp with the reason', async () => {
		const s = await services();
		const forged = await callback(s, '?code=abc&state=forged');
		expect(forged.status).toBe(302);
		expect(forged.headers.get('location')).toMatch(/^\/mcp\?mcp_oauth_error=.*expired/);

		const started = await start(s, 'remote');
		const state = new URL(started.headers.get('location')!).searchParams.get('state');
		const refused = await callback(s, `?error=access_denied&state=${state}`);
		expect(decodeURIComponent(refused.headers.get('location')!)).toMatch(/access_denied/);
		await s.mcp.refresh();
		expect((await server(s, 'remote')).error).toMatch(/Sign-in failed: .*access_denied/);
		// A state is used once.
		const again = await callback(s, `?code=abc&state=${state}`);
		expect(again.headers.get('location')).toMatch(/mcp_oauth_error=/);
	});

	it('start answers 404 for an unknown server and 400 for one that is not remote', async () => {
		const s = await services();
		expect(await errorOf(await start(s, 'ghost'))).toMatchObject({
			status: 404,
			code: 'server_not_found'
		});
		expect(await errorOf(await start(s, 'calculator'))).toMatchObject({
			status: 400,
			code: 'not_remote'
		});
	});
});
