import { afterEach, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { GoogleOAuthError, NOT_CONFIGURED, NOT_CONNECTED } from '$lib/server/google/service';
import { NEEDED_SCOPES } from '$lib/server/google/scopes';
import { disposeAll, testConfig } from '../support/factories';
import { silentLogger } from '$lib/server/log';
import { GoogleService } from '$lib/server/google/service';
import { STANDIN_EMAIL } from '../support/google-standin';
import { connect, consent, googleService, googleStandin } from './helpers';

afterEach(disposeAll);

const SCOPE = 'https://www.googleapis.com/auth/';

async function rejection(promise: Promise<unknown>): Promise<GoogleOAuthError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(GoogleOAuthError);
	return error as GoogleOAuthError;
}

describe('google oauth', () => {
	it('sends the person to the consent screen with offline access, PKCE S256, a state and least-privilege scopes', async () => {
		const standin = await googleStandin();
		const google = googleService(standin);
		const { url, state } = await google.startAuthorization();
		const consentUrl = new URL(url);
		expect(consentUrl.origin + consentUrl.pathname).toBe(`${standin.url}/o/oauth2/v2/auth`);
		const q = consentUrl.searchParams;
		expect(q.get('access_type')).toBe('offline');
		expect(q.get('prompt')).toBe('consent');
		expect(q.get('code_challenge_method')).toBe('S256');
		expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(q.get('state')).toBe(state);
		expect(q.get('redirect_uri')).toBe('http://127.0.0.1:3000/api/google/oauth/callback');
		expect(q.get('scope')!.split(' ').sort()).toEqual(
			['gmail.compose', 'gmail.readonly', 'calendar.events', 'drive.readonly']
				.map((s) => SCOPE + s)
				.sort()
		);
	});

	it('completes the round trip: code exchanged with the verifier, tokens stored, account and scopes shown', async () => {
		const standin = await googleStandin();
		const google = googleService(standin);
		let changes = 0;
		google.onChange(() => changes++);
		expect(google.unavailableReason()).toBe(NOT_CONNECTED);

		const status = await connect(google);

		expect(status).toMatchObject({
			configured: true,
			connected: true,
			email: STANDIN_EMAIL,
			reconnect_required: false,
			missing_scopes: []
		});
		expect(status.scopes.map((s) => s.scope).sort()).toEqual([...NEEDED_SCOPES].sort());
		expect(status.scopes.find((s) => s.scope.endsWith('gmail.compose'))?.purpose).toMatch(/draft/i);
		expect(google.unavailableReason()).toBeUndefined();
		expect(changes).toBe(1);

		const exchange = standin.requests.find((r) => r.path === '/token')!;
		const form = new URLSearchParams(exchange.body);
		expect(form.get('grant_type')).toBe('authorization_code');
		expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);

		const saved = JSON.parse(await readFile(google.store.file, 'utf8'));
		expect(saved.refresh_token).toBe(standin.issuedTokens[0]);
		expect(saved.access_token).toBe(standin.issuedTokens[1]);
		expect(saved.expiry_date).toBeGreaterThan(Date.now() + 50 * 60_000);
		expect(saved.email).toBe(STANDIN_EMAIL);
	});

	it('writes the token file with mode 0600 in a 0700 folder', async () => {
		const standin = await googleStandin();
		const google = googleService(standin);
		await connect(google);
		expect((await stat(google.store.file)).mode & 0o777).toBe(0o600);
		expect((await stat(path.dirname(google.store.file))).mode & 0o777).toBe(0o700);
	});

	it('refuses a callback whose state it did not issue, and one from another browser', async () => {
		const standin = await googleStandin();
		const google = googleService(standin);
		const { url, state } = await google.startAuthorization();
		const query = await consent(url);

		const forged = await rejection(
			google.completeAuthorization({
				code: query.get('code'),
				state: 'forged',
				browserState: 'forged'
			})
		);
		expect(forged.code).toBe('state_mismatch');
		expect(forged.status).toBe(400);

		const otherBrowser = await rejection(
			google.completeAuthorization({ code: query.get('code'), state, browserState: 'someone-else' })
		);
		expect(otherBrowser.code).toBe('state_mismatch');
		// The state is single-use: once presented, even the right browser cannot replay it.
		const replay = await rejection(
			google.completeAuthorization({ code: query.get('code'), state, browserState: state })
		);
		expect(replay.code).toBe('state_mismatch');
		expect((await google.status()).connected).toBe(false);
		expect(standin.requests.some((r) => r.path === '/token')).toBe(false);
	});

	it('forgets a state after ten minutes', async () => {
		const standin = await googleStandin();
		let now = Date.now();
		const google = googleService(standin, { now: () => now });
		const { url, state } = await google.startAuthorization();
		const query = await consent(url);
		now += 10 * 60_000 + 1;
		const error = await rejection(
			google.completeAuthorization({ code: query.get('code'), state, browserState: state })
		);
		expect(error.code).toBe('state_mismatch');
		expect(error.message).toMatch(/10 minutes/);
	});

	it('reports a denial on the consent screen and stays disconnected', async () => {
		const standin = await googleStandin();
		standin.consent = 'deny';
		const google = googleService(standin);
		const error = await rejection(connect(google));
		expect(error.code).toBe('access_denied');
		expect(error.message).toMatch(/not granted/);
		expect(await google.status()).toMatchObject({ connected: false, reconnect_required: false });
		expect(google.unavailableReason()).toBe(NOT_CONNECTED);
	});

	it('explains scopes the person unticked on the consent screen', async () => {
		const standin = await googleStandin();
		standin.grantScopes = ['gmail.compose', 'calendar.events'];
		const google = googleService(standin);
		const status = await connect(google);
		expect(status.connected).toBe(true);
		expect(status.missing_scopes).toEqual([
			{ scope: `${SCOPE}gmail.readonly`, purpose: 'Search and read your mail' },
			{ scope: `${SCOPE}drive.readonly`, purpose: 'Search and read your Drive files (read-only)' }
		]);
	});

	it('fails the exchange clearly when Google refuses the code', async () => {
		const standin = await googleStandin();
		const google = googleService(standin);
		const { url, state } = await google.startAuthorization();
		await consent(url);
		const error = await rejection(
			google.completeAuthorization({ code: '4/not-a-code', state, browserState: state })
		);
		expect(error.code).toBe('token_exchange_failed');
		expect((await google.status()).connected).toBe(false);
	});

	it('says "not configured" without a client id and secret', async () => {
		const google = new GoogleService({ config: testConfig(), log: silentLogger });
		expect(google.unavailableReason()).toBe(NOT_CONFIGURED);
		expect(await google.status()).toMatchObject({
			configured: false,
			connected: false,
			error: NOT_CONFIGURED
		});
		await expect(google.startAuthorization()).rejects.toMatchObject({
			status: 503,
			code: 'google_not_configured'
		});
	});

	it('uses Google’s own endpoints when GOOGLE_OAUTH_BASE_URL is unset', async () => {
		const google = new GoogleService({
			config: testConfig({ GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret' }),
			log: silentLogger
		});
		const { url } = await google.startAuthorization();
		expect(url.startsWith('https://accounts.google.com/o/oauth2/v2/auth?')).toBe(true);
	});
});
