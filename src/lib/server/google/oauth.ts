import { randomBytes } from 'node:crypto';
import type { Credentials, OAuth2Client } from 'google-auth-library';
import { NEEDED_SCOPES } from './scopes';

export const STATE_TTL_MS = 10 * 60 * 1000;

export interface GoogleOAuthOptions {
	clientId: string;
	clientSecret: string;
	/** Unset means Google's own endpoints. */
	oauthBaseUrl: string | undefined;
	redirectUri: string;
	now?: () => number;
}

interface PendingAuthorization {
	codeVerifier: string;
	expiresAt: number;
}

/** Thrown for a callback that does not belong to a flow we started (or started too long ago). */
export class StateMismatchError extends Error {
	constructor() {
		super('state mismatch');
		this.name = 'StateMismatchError';
	}
}

/**
 * google-auth-library, loaded at its first use: with its gaxios/gtoken stack it costs several MB
 * resident, and most servers never connect Google (or do so long after the start).
 */
let library: Promise<typeof import('google-auth-library')> | undefined;
const loadLibrary = () =>
	(library ??= import('google-auth-library').catch((error) => {
		library = undefined;
		throw error;
	}));

/**
 * The OAuth 2.0 web-server flow: offline access, PKCE S256 and a `state` kept server-side for
 * ten minutes, through google-auth-library's `OAuth2Client` (its `endpoints` option lets
 * GOOGLE_OAUTH_BASE_URL point at a stand-in).
 */
export class GoogleOAuth {
	readonly #options: GoogleOAuthOptions;
	readonly #pending = new Map<string, PendingAuthorization>();
	readonly #now: () => number;

	constructor(options: GoogleOAuthOptions) {
		this.#options = options;
		this.#now = options.now ?? Date.now;
	}

	/** A client for one purpose (flow, API calls or revoke); API clients get the stored credentials. */
	async client(credentials?: Credentials): Promise<OAuth2Client> {
		const { OAuth2Client } = await loadLibrary();
		const base = this.#options.oauthBaseUrl;
		const client = new OAuth2Client({
			clientId: this.#options.clientId,
			clientSecret: this.#options.clientSecret,
			redirectUri: this.#options.redirectUri,
			endpoints: base
				? {
						oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
						oauth2TokenUrl: `${base}/token`,
						oauth2RevokeUrl: `${base}/revoke`,
						tokenInfoUrl: `${base}/tokeninfo`
					}
				: undefined,
			// A 401 with a stored expiry would otherwise be returned as-is instead of refreshing once.
			forceRefreshOnFailure: true
		});
		if (credentials) client.setCredentials(credentials);
		return client;
	}

	/** The consent-screen URL and the `state` the browser must bring back. */
	async authorizationUrl(): Promise<{ url: string; state: string }> {
		this.#sweep();
		const client = await this.client();
		const { CodeChallengeMethod } = await loadLibrary();
		const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
		const state = randomBytes(32).toString('base64url');
		this.#pending.set(state, { codeVerifier, expiresAt: this.#now() + STATE_TTL_MS });
		const url = client.generateAuthUrl({
			access_type: 'offline',
			// Google re-issues a refresh token only on an explicit consent.
			prompt: 'consent',
			include_granted_scopes: true,
			scope: NEEDED_SCOPES,
			state,
			code_challenge: codeChallenge,
			code_challenge_method: CodeChallengeMethod.S256
		});
		return { url, state };
	}

	/** Consumes the state (one use only) and returns its PKCE verifier; throws when unknown or expired. */
	takeState(state: string | undefined): string {
		this.#sweep();
		const pending = state ? this.#pending.get(state) : undefined;
		if (!state || !pending) throw new StateMismatchError();
		this.#pending.delete(state);
		return pending.codeVerifier;
	}

	async exchange(code: string, codeVerifier: string): Promise<Credentials> {
		const { tokens } = await (await this.client()).getToken({ code, codeVerifier });
		return tokens;
	}

	async revoke(token: string): Promise<void> {
		await (await this.client()).revokeToken(token);
	}

	#sweep(): void {
		const now = this.#now();
		for (const [state, pending] of this.#pending)
			if (pending.expiresAt <= now) this.#pending.delete(state);
	}
}
