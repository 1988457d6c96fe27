import { afterEach, describe, expect, it } from 'vitest';
import { readFile, stat, writeFile, mkdir, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NOT_CONNECTED, RECONNECT_REQUIRED } from '$lib/server/google/service';
import { GoogleTokenStore } from '$lib/server/google/token-store';
import { disposeAll, tempDir } from '../support/factories';
import { connect, connectedGoogle, googleService, googleStandin, mcpClient } from './helpers';

afterEach(disposeAll);

async function expireStoredAccessToken(file: string) {
	const saved = JSON.parse(await readFile(file, 'utf8'));
	await writeFile(file, JSON.stringify({ ...saved, expiry_date: Date.now() - 1000 }));
}

describe('google tokens', () => {
	it('refreshes an expired access token and keeps the refresh token in the file', async () => {
		const { standin, google } = await connectedGoogle();
		const before = JSON.parse(await readFile(google.store.file, 'utf8'));
		await expireStoredAccessToken(google.store.file);
		const fresh = googleService(standin, {
			env: { DATA_DIR: path.dirname(path.dirname(google.store.file)) }
		});
		await fresh.ready;

		const { call } = await mcpClient(fresh);
		const result = await call('calendar_list_events', { time_min: '2026-11-01T00:00:00Z' });
		expect(result.isError).toBe(false);

		const refresh = standin.requests.filter(
			(r) => r.path === '/token' && r.body.includes('grant_type=refresh_token')
		);
		expect(refresh).toHaveLength(1);
		await expect
			.poll(async () => JSON.parse(await readFile(fresh.store.file, 'utf8')).access_token)
			.toBe(standin.issuedTokens.at(-1));
		const after = JSON.parse(await readFile(fresh.store.file, 'utf8'));
		expect(after.refresh_token).toBe(before.refresh_token);
		expect(after.expiry_date).toBeGreaterThan(Date.now());
		expect(after.email).toBe(before.email);
		expect((await stat(fresh.store.file)).mode & 0o777).toBe(0o600);
	});

	it('refreshes once when Google rejects an access token it issued earlier', async () => {
		const { standin, google } = await connectedGoogle();
		standin.expireAccessTokens();
		const { call } = await mcpClient(google);
		const result = await call('gmail_search', { query: 'lunch' });
		expect(result.isError).toBe(false);
		expect(result.json().messages[0].subject).toBe('Lunch on Friday?');
		expect(
			standin.requests.filter((r) => r.body.includes('grant_type=refresh_token'))
		).toHaveLength(1);
	});

	it('turns invalid_grant into "reconnect required" and drops the dead tokens', async () => {
		const { standin, google } = await connectedGoogle();
		let changes = 0;
		google.onChange(() => changes++);
		standin.revokeAll();
		standin.expireAccessTokens();
		const { call } = await mcpClient(google);

		const result = await call('gmail_create_draft', {
			to: 'a@example.com',
			subject: 'Hi',
			body: 'Hello'
		});

		expect(result.isError).toBe(true);
		expect(result.text).toMatch(
			/expired or was revoked.*invalid_grant.*Reconnect Google on the MCP page/
		);
		expect(google.unavailableReason()).toBe(RECONNECT_REQUIRED);
		await expect.poll(() => changes).toBe(1);
		const status = await google.status();
		expect(status).toMatchObject({
			connected: false,
			reconnect_required: true,
			email: 'me@example.com'
		});
		expect(status.error).toContain('invalid_grant');
		const saved = JSON.parse(await readFile(google.store.file, 'utf8'));
		expect(saved.refresh_token).toBeUndefined();
		expect(saved.access_token).toBeUndefined();
		expect(saved.reconnect_reason).toBe('invalid_grant');
	});

	it('reconnecting after invalid_grant makes the server available again', async () => {
		const { standin, google } = await connectedGoogle();
		await google.store.markReconnectRequired('invalid_grant');
		const reloaded = googleService(standin, {
			env: { DATA_DIR: path.dirname(path.dirname(google.store.file)) }
		});
		await reloaded.ready;
		expect(reloaded.unavailableReason()).toBe(RECONNECT_REQUIRED);
		await connect(reloaded);
		expect(reloaded.unavailableReason()).toBeUndefined();
		expect((await reloaded.status()).reconnect_required).toBe(false);
	});

	it('disconnect revokes the refresh token at Google and deletes the file', async () => {
		const { standin, google } = await connectedGoogle();
		let changes = 0;
		google.onChange(() => changes++);
		const refreshToken = JSON.parse(await readFile(google.store.file, 'utf8')).refresh_token;

		expect(await google.disconnect()).toEqual({ revoked: true });

		const revoke = standin.requests.find((r) => r.path === '/revoke')!;
		expect(revoke.query.token).toBe(refreshToken);
		expect(existsSync(google.store.file)).toBe(false);
		expect(google.unavailableReason()).toBe(NOT_CONNECTED);
		expect(changes).toBe(1);
		// The grant is gone at Google too: the old refresh token no longer works.
		const refused = await fetch(`${standin.url}/token`, {
			method: 'POST',
			body: new URLSearchParams({
				grant_type: 'refresh_token',
				refresh_token: refreshToken,
				client_id: standin.clientId,
				client_secret: standin.clientSecret
			})
		});
		expect(refused.status).toBe(400);
		expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
	});

	it('disconnect still deletes local tokens when Google cannot be reached, and says so', async () => {
		const { standin, google } = await connectedGoogle();
		await standin.close();
		const result = await google.disconnect();
		expect(result.revoked).toBe(false);
		expect(result.warning).toMatch(/could not be reached.*myaccount\.google\.com\/permissions/);
		expect(existsSync(google.store.file)).toBe(false);
	});

	it('tightens a token folder and file that existed with looser modes', async () => {
		const dir = path.join(tempDir(), 'tokens');
		await mkdir(dir, { mode: 0o755 });
		await writeFile(
			path.join(dir, 'google.json'),
			JSON.stringify({ connected_at: new Date().toISOString() }),
			{ mode: 0o644 }
		);
		await chmod(path.join(dir, 'google.json'), 0o644);
		const store = new GoogleTokenStore(path.dirname(dir));
		await store.merge({ access_token: 'ya29.a', refresh_token: 'r' });
		expect((await stat(dir)).mode & 0o777).toBe(0o700);
		expect((await stat(store.file)).mode & 0o777).toBe(0o600);
	});

	it('merges refreshed tokens without ever losing the refresh token, in call order', async () => {
		const store = new GoogleTokenStore(tempDir());
		await store.connect(
			{ access_token: 'a1', refresh_token: 'r1', expiry_date: 1, scope: 's' },
			'me@example.com'
		);
		await Promise.all([
			store.merge({ access_token: 'a2', expiry_date: 2 }),
			store.merge({ access_token: 'a3', expiry_date: 3, refresh_token: null })
		]);
		expect(await store.read()).toMatchObject({
			access_token: 'a3',
			refresh_token: 'r1',
			expiry_date: 3,
			scope: 's',
			email: 'me@example.com'
		});
		// A new consent without a refresh token (Google only re-sends it on prompt=consent) keeps the old one.
		await store.connect({ access_token: 'a4' }, undefined);
		expect(await store.read()).toMatchObject({ access_token: 'a4', refresh_token: 'r1' });
	});

	it('does not resurrect the file when a refresh finishes after disconnect', async () => {
		const store = new GoogleTokenStore(tempDir());
		await store.connect({ access_token: 'a1', refresh_token: 'r1' }, undefined);
		await store.delete();
		expect(await store.merge({ access_token: 'late' })).toBeNull();
		expect(existsSync(store.file)).toBe(false);
	});
});
