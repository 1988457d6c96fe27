import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { OAuth2Client } from 'google-auth-library';
import {
	GOOGLE_CONNECT_URL,
	GOOGLE_OAUTH_ERRORS,
	type GoogleDisconnectResponse,
	type GoogleOAuthErrorCode,
	type GoogleStatus
} from '$lib/api/google';
import type { Config } from '../config';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { GoogleApis } from './apis';
import { describeGoogleError, type GoogleFailure } from './errors';
import { GoogleOAuth, StateMismatchError } from './oauth';
import { describeScope, missingScopes, parseScopes } from './scopes';
import { createGoogleMcpServer } from './server';
import { GoogleTokenStore, type StoredTokens } from './token-store';

/**
 * The Gmail, Calendar and Drive clients: @googleapis/* (with googleapis-common) are loaded when the
 * `google` server first connects, not at start-up.
 */
async function googleApis(client: OAuth2Client, apiRootUrl: string): Promise<GoogleApis> {
	const { createGoogleApis } = await import('./apis');
	return createGoogleApis(client, apiRootUrl);
}

const GRANT_CHANGED = 'The Google grant changed while the server was starting; try again.';

export const NOT_CONNECTED = 'Google is not connected: use Connect on the MCP page (/mcp).';
export const NOT_CONFIGURED =
	'Google is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET on the server.';
export const RECONNECT_REQUIRED =
	'Google access expired or was revoked: reconnect Google on the MCP page (/mcp).';

/** A callback failure; the route turns `code` into `/mcp?google_error=<code>`. */
export class GoogleOAuthError extends AppError {
	constructor(readonly code: GoogleOAuthErrorCode) {
		super(code === 'not_configured' ? 503 : 400, code, GOOGLE_OAUTH_ERRORS[code]);
		this.name = 'GoogleOAuthError';
	}
}

export interface CallbackParams {
	code?: string | null;
	state?: string | null;
	error?: string | null;
	/** The state the browser carried in its cookie: binds the callback to the browser that started it. */
	browserState?: string | null;
}

export interface GoogleServiceDeps {
	config: Config;
	log: Logger;
	now?: () => number;
}

/**
 * The Google connection: the OAuth flow, the token file and the built-in `google` MCP server.
 * Listeners of `onChange` (the MCP aggregator) reconnect or mark the server unavailable.
 */
export class GoogleService {
	readonly store: GoogleTokenStore;
	readonly ready: Promise<void>;
	readonly #config: Config['google'];
	readonly #oauth: GoogleOAuth | undefined;
	readonly #log: Logger;
	readonly #listeners = new Set<() => unknown>();
	#tokens: StoredTokens | null = null;
	#loadError: string | undefined;
	#apiClient: OAuth2Client | undefined;
	/** Live servers on the current grant; closed when the grant ends so their clients see it at once. */
	readonly #servers = new Set<McpServer>();

	constructor({ config, log, now }: GoogleServiceDeps) {
		this.#config = config.google;
		this.#log = log.child({ component: 'google' });
		this.store = new GoogleTokenStore(config.dataDir);
		const { clientId, clientSecret, oauthBaseUrl } = config.google;
		this.#oauth =
			clientId && clientSecret
				? new GoogleOAuth({
						clientId,
						clientSecret,
						oauthBaseUrl,
						redirectUri: `${config.server.origin}/api/google/oauth/callback`,
						now
					})
				: undefined;
		this.ready = this.#load();
	}

	get configured(): boolean {
		return this.#oauth !== undefined;
	}

	get connected(): boolean {
		const tokens = this.#tokens;
		return Boolean(
			this.#oauth &&
			tokens &&
			!tokens.reconnect_reason &&
			(tokens.refresh_token || tokens.access_token)
		);
	}

	/**
	 * Called on every connect, disconnect and lost grant, and awaited; returns an unsubscribe
	 * function.
	 */
	onChange(listener: () => unknown): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Why the `google` MCP server cannot run right now (undefined: it can). */
	unavailableReason(): string | undefined {
		if (!this.#oauth) return NOT_CONFIGURED;
		if (this.#loadError) return this.#loadError;
		if (this.#tokens?.reconnect_reason) return RECONNECT_REQUIRED;
		if (!this.connected) return NOT_CONNECTED;
		return undefined;
	}

	async status(): Promise<GoogleStatus> {
		await this.ready;
		const granted = parseScopes(this.#tokens?.scope);
		const connected = this.connected;
		const error =
			this.#loadError ??
			(this.#tokens?.reconnect_reason
				? `${RECONNECT_REQUIRED} (${this.#tokens.reconnect_reason})`
				: undefined);
		return {
			configured: this.configured,
			connected,
			email: this.#tokens?.email,
			scopes: granted.map(describeScope),
			missing_scopes: connected
				? missingScopes(granted).map(({ scope, purpose }) => ({ scope, purpose }))
				: [],
			reconnect_required: Boolean(this.#tokens?.reconnect_reason),
			error: this.configured ? error : NOT_CONFIGURED,
			connect_url: GOOGLE_CONNECT_URL
		};
	}

	/** Step 1: the consent-screen URL and the state for the browser cookie. */
	async startAuthorization(): Promise<{ url: string; state: string }> {
		if (!this.#oauth) throw new AppError(503, 'google_not_configured', NOT_CONFIGURED);
		return this.#oauth.authorizationUrl();
	}

	/** Step 2: checks the state, exchanges the code (with the PKCE verifier), stores the grant. */
	async completeAuthorization(params: CallbackParams): Promise<GoogleStatus> {
		const oauth = this.#oauth;
		if (!oauth) throw new GoogleOAuthError('not_configured');
		let codeVerifier: string;
		try {
			codeVerifier = oauth.takeState(params.state ?? undefined);
		} catch (error) {
			if (error instanceof StateMismatchError) throw new GoogleOAuthError('state_mismatch');
			throw error;
		}
		if (params.browserState !== params.state) throw new GoogleOAuthError('state_mismatch');
		if (params.error) {
			this.#log.info('google consent not given', { reason: params.error });
			throw new GoogleOAuthError(
				params.error === 'access_denied' ? 'access_denied' : 'oauth_error'
			);
		}
		if (!params.code) throw new GoogleOAuthError('oauth_error');

		let tokens;
		try {
			tokens = await oauth.exchange(params.code, codeVerifier);
		} catch (error) {
			this.#log.warn('google code exchange failed', { reason: describeGoogleError(error).message });
			throw new GoogleOAuthError('token_exchange_failed');
		}
		const email = await this.#accountEmail(await oauth.client(tokens));
		this.#tokens = await this.store.connect(tokens, email);
		this.#loadError = undefined;
		this.#apiClient = undefined;
		const granted = parseScopes(this.#tokens.scope);
		this.#log.info('google connected', {
			email,
			scopes: granted,
			missing_scopes: missingScopes(granted).map((need) => need.scope),
			offline: Boolean(this.#tokens.refresh_token)
		});
		await this.#replaceServers();
		return this.status();
	}

	/** Revokes the grant at Google (best effort) and deletes the token file either way. */
	async disconnect(): Promise<GoogleDisconnectResponse> {
		await this.ready;
		const tokens = this.#tokens ?? (await this.store.read().catch(() => null));
		const token = tokens?.refresh_token ?? tokens?.access_token;
		let result: GoogleDisconnectResponse = { revoked: false };
		if (token && this.#oauth) {
			try {
				await this.#oauth.revoke(token);
				result = { revoked: true };
			} catch (error) {
				const failure = describeGoogleError(error);
				// 400 invalid_token: Google no longer knows the token, so there is nothing left to revoke.
				result =
					failure.status === 400
						? { revoked: true }
						: {
								revoked: false,
								warning: `Google could not be reached to revoke access (${failure.message}); the local tokens were deleted. You can remove the access at https://myaccount.google.com/permissions.`
							};
				this.#log.warn('google revoke failed', { reason: failure.message });
			}
		}
		await this.store.delete();
		this.#tokens = null;
		this.#loadError = undefined;
		this.#apiClient = undefined;
		this.#log.info('google disconnected', { revoked: result.revoked });
		await this.#replaceServers();
		return result;
	}

	/** A fresh `google` MCP server on the current grant (the aggregator connects it in-process). */
	async createServer(): Promise<McpServer> {
		const reason = this.unavailableReason();
		if (reason) throw new Error(reason);
		const client = await this.#authorizedClient();
		const apis = await googleApis(client, this.#config.apiRootUrl);
		// A disconnect or a new grant while the libraries loaded: this client is no longer the one.
		if (this.#apiClient !== client) throw new Error(this.unavailableReason() ?? GRANT_CHANGED);
		const server = createGoogleMcpServer({
			apis,
			grantedScopes: () => parseScopes(this.#tokens?.scope),
			onReconnectRequired: (failure) => this.#lostGrant(failure)
		});
		this.#servers.add(server);
		server.server.onclose = () => this.#servers.delete(server);
		return server;
	}

	/** Closes every server on the old grant: connected MCP clients notice and reconnect (or stay away). */
	async closeServers(): Promise<void> {
		const servers = [...this.#servers];
		this.#servers.clear();
		await Promise.allSettled(servers.map((server) => server.close()));
	}

	async #authorizedClient(): Promise<OAuth2Client> {
		if (this.#apiClient) return this.#apiClient;
		const tokens = this.#tokens!;
		const client = await this.#oauth!.client({
			access_token: tokens.access_token,
			refresh_token: tokens.refresh_token,
			expiry_date: tokens.expiry_date,
			scope: tokens.scope,
			token_type: tokens.token_type
		});
		client.on('tokens', (fresh) => {
			// A refresh that finishes after a disconnect or a new grant must not write into the file.
			if (this.#apiClient !== client) return;
			this.store
				.merge(fresh)
				.then((merged) => {
					if (this.#apiClient === client && merged) this.#tokens = merged;
					this.#log.debug('google access token refreshed', { expiry_date: fresh.expiry_date });
				})
				.catch((error) =>
					this.#log.error('google token file not written', { reason: (error as Error).message })
				);
		});
		// Two servers created at once share the first client; the grant may have changed meanwhile.
		if (this.#apiClient) return this.#apiClient;
		if (this.#tokens !== tokens) throw new Error(this.unavailableReason() ?? GRANT_CHANGED);
		this.#apiClient = client;
		return client;
	}

	async #lostGrant(failure: GoogleFailure): Promise<void> {
		if (!this.#tokens || this.#tokens.reconnect_reason) return;
		this.#log.warn('google grant lost, reconnect required', { reason: failure.message });
		this.#apiClient = undefined;
		this.#tokens = await this.store.markReconnectRequired(failure.reason ?? failure.message);
		// Not awaited: this runs inside a tool call of one of these servers, which must answer first.
		setImmediate(() => void this.#replaceServers());
	}

	async #accountEmail(client: OAuth2Client): Promise<string | undefined> {
		try {
			const { gmail } = await googleApis(client, this.#config.apiRootUrl);
			const { data } = await gmail.users.getProfile({ userId: 'me' });
			return data.emailAddress ?? undefined;
		} catch (error) {
			this.#log.warn('google account email unknown', {
				reason: describeGoogleError(error).message
			});
			return undefined;
		}
	}

	async #load(): Promise<void> {
		try {
			this.#tokens = await this.store.read();
		} catch (error) {
			this.#loadError = (error as Error).message;
			this.#log.error('google token file unreadable', { reason: this.#loadError });
		}
	}

	/**
	 * The listeners (the aggregator) replace their connection first, so they drop the old server
	 * themselves; closing it under a live client would show "The server closed the connection"
	 * until the reconnect. What is left over (no listener) is closed afterwards.
	 */
	async #replaceServers(): Promise<void> {
		const old = [...this.#servers];
		await Promise.all(
			[...this.#listeners].map(async (listener) => {
				try {
					await listener();
				} catch (error) {
					this.#log.error('google change listener failed', { reason: (error as Error).message });
				}
			})
		);
		for (const server of old) this.#servers.delete(server);
		await Promise.allSettled(old.map((server) => server.close()));
	}
}
