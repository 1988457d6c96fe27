import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
	auth,
	discoverOAuthProtectedResourceMetadata,
	type OAuthClientProvider
} from '@modelcontextprotocol/sdk/client/auth.js';
import type {
	OAuthClientInformationMixed,
	OAuthClientMetadata,
	OAuthTokens
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { McpServerConfig } from '$lib/api/mcp';
import { badRequest, notFound } from '../errors';
import type { Logger } from '../log';

/** What `data/tokens/mcp-{id}.json` holds (mode 0600). */
interface Stored {
	client_information?: OAuthClientInformationMixed;
	tokens?: OAuthTokens;
	code_verifier?: string;
}

/** A sign-in under way: the `state` sent to the authorization server, bound to one server. */
interface Pending {
	serverId: string;
	expiresAt: number;
}

const STATE_TTL_MS = 10 * 60_000;

export interface McpOAuthDeps {
	dataDir: string;
	/** The app's origin: the callback is `{origin}/api/mcp/oauth/callback`. */
	origin: string;
	log: Logger;
	config: (serverId: string) => Promise<McpServerConfig | undefined>;
	/** Connects the server again (new tokens, or none after a disconnect). */
	reconnect: (serverId: string) => Promise<void>;
	now?: () => number;
}

/** Why a sign-in failed, as the callback puts it in `/mcp?mcp_oauth_error=…`. */
export class McpOAuthError extends Error {
	constructor(
		message: string,
		readonly serverId?: string
	) {
		super(message);
		this.name = 'McpOAuthError';
	}
}

/**
 * OAuth for remote MCP servers with the SDK's client auth (discovery, dynamic client
 * registration, PKCE, refresh): a server whose endpoint answers 401 with OAuth metadata needs
 * sign-in; Connect sends the person to its authorization server, the callback stores the tokens
 * in `data/tokens/mcp-{id}.json` (0600) and connects; the transport refreshes them; Disconnect
 * deletes them.
 */
export class McpOAuth {
	readonly #deps: McpOAuthDeps;
	readonly #pending = new Map<string, Pending>();
	/** The last sign-in failure per server (shown as its error until it connects). */
	readonly #failures = new Map<string, string>();

	constructor(deps: McpOAuthDeps) {
		this.#deps = deps;
	}

	get callbackUrl(): string {
		return new URL('/api/mcp/oauth/callback', this.#deps.origin).href;
	}

	/** The provider a transport uses once the server was signed in to; undefined before. */
	providerFor(config: McpServerConfig): OAuthClientProvider | undefined {
		if (
			(config.transport !== 'http' && config.transport !== 'sse') ||
			!this.#read(config.id).tokens
		)
			return undefined;
		return this.#provider(config.id);
	}

	/** Whether the server describes itself as an OAuth-protected resource (RFC 9728). */
	async protects(config: McpServerConfig): Promise<boolean> {
		if (!config.url) return false;
		try {
			await discoverOAuthProtectedResourceMetadata(config.url);
			return true;
		} catch {
			return false;
		}
	}

	signedIn(serverId: string): boolean {
		return this.#read(serverId).tokens !== undefined;
	}

	lastFailure(serverId: string): string | undefined {
		return this.#failures.get(serverId);
	}

	/** The authorization server's URL to send the person to (404 unknown server, 400 not remote). */
	async start(serverId: string): Promise<string> {
		const config = await this.#remote(serverId);
		this.#sweep();
		const state = randomUUID();
		this.#pending.set(state, { serverId, expiresAt: this.#now() + STATE_TTL_MS });
		let target: URL | undefined;
		const provider = this.#provider(serverId, state, (url) => (target = url));
		try {
			const result = await auth(provider, { serverUrl: config.url! });
			if (result === 'AUTHORIZED') {
				this.#pending.delete(state);
				await this.#deps.reconnect(serverId);
				return '/mcp';
			}
		} catch (error) {
			this.#pending.delete(state);
			const message = error instanceof Error ? error.message : String(error);
			this.#failures.set(serverId, `Sign-in could not start: ${message}`);
			throw new McpOAuthError(message, serverId);
		}
		if (!target) throw new McpOAuthError('The authorization server gave no address.', serverId);
		return target.href;
	}

	/** The authorization server's redirect back: exchanges the code, stores tokens, connects. */
	async finish(params: {
		code: string | null;
		state: string | null;
		error: string | null;
	}): Promise<string> {
		const pending = params.state ? this.#pending.get(params.state) : undefined;
		if (!pending || pending.expiresAt < this.#now())
			throw new McpOAuthError('The sign-in expired or was not started here; press Connect again.');
		this.#pending.delete(params.state!);
		const { serverId } = pending;
		try {
			if (params.error) throw new Error(`The authorization server answered ${params.error}.`);
			if (!params.code) throw new Error('The authorization server sent no code.');
			const config = await this.#remote(serverId);
			const result = await auth(this.#provider(serverId), {
				serverUrl: config.url!,
				authorizationCode: params.code
			});
			if (result !== 'AUTHORIZED') throw new Error('The code was not accepted.');
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			this.#failures.set(serverId, `Sign-in failed: ${message}`);
			this.#deps.log.warn('mcp oauth failed', { mcp_server: serverId, error: message });
			throw new McpOAuthError(message, serverId);
		}
		this.#failures.delete(serverId);
		this.#deps.log.info('mcp oauth signed in', { mcp_server: serverId });
		await this.#deps.reconnect(serverId);
		return serverId;
	}

	/** Deletes the server's tokens and registration; it then needs sign-in again. */
	async disconnect(serverId: string): Promise<void> {
		await this.#remote(serverId);
		rmSync(this.#file(serverId), { force: true });
		this.#failures.delete(serverId);
		this.#deps.log.info('mcp oauth signed out', { mcp_server: serverId });
		await this.#deps.reconnect(serverId);
	}

	async #remote(serverId: string): Promise<McpServerConfig> {
		const config = await this.#deps.config(serverId);
		if (!config) throw notFound(`No MCP server with id ${serverId}.`, 'server_not_found');
		if ((config.transport !== 'http' && config.transport !== 'sse') || !config.url)
			throw badRequest(
				`The ${serverId} server is not a remote (http or sse) server; OAuth applies to those only.`,
				'not_remote'
			);
		return config;
	}

	#provider(
		serverId: string,
		state?: string,
		onRedirect?: (url: URL) => void
	): OAuthClientProvider {
		const update = (change: (stored: Stored) => void) => {
			const stored = this.#read(serverId);
			change(stored);
			this.#write(serverId, stored);
		};
		const metadata: OAuthClientMetadata = {
			client_name: 'Switchboard',
			redirect_uris: [this.callbackUrl],
			grant_types: ['authorization_code', 'refresh_token'],
			response_types: ['code'],
			token_endpoint_auth_method: 'none'
		};
		return {
			redirectUrl: this.callbackUrl,
			clientMetadata: metadata,
			state: () => state ?? randomUUID(),
			clientInformation: () => this.#read(serverId).client_information,
			saveClientInformation: (info) => update((stored) => (stored.client_information = info)),
			tokens: () => this.#read(serverId).tokens,
			saveTokens: (tokens) => update((stored) => (stored.tokens = tokens)),
			// In a request (no browser to send), a needed sign-in surfaces as needs_auth instead.
			redirectToAuthorization: (url) => onRedirect?.(url),
			saveCodeVerifier: (verifier) => update((stored) => (stored.code_verifier = verifier)),
			codeVerifier: () => {
				const verifier = this.#read(serverId).code_verifier;
				if (!verifier) throw new Error('No sign-in is under way for this server.');
				return verifier;
			},
			invalidateCredentials: (scope) =>
				update((stored) => {
					if (scope === 'all' || scope === 'client') delete stored.client_information;
					if (scope === 'all' || scope === 'tokens') delete stored.tokens;
					if (scope === 'all' || scope === 'verifier') delete stored.code_verifier;
				})
		};
	}

	#file(serverId: string): string {
		return path.join(this.#deps.dataDir, 'tokens', `mcp-${serverId}.json`);
	}

	#read(serverId: string): Stored {
		try {
			return JSON.parse(readFileSync(this.#file(serverId), 'utf8')) as Stored;
		} catch {
			return {};
		}
	}

	/** Atomic (temp file + rename), the file 0600 in a 0700 folder. */
	#write(serverId: string, stored: Stored): void {
		const file = this.#file(serverId);
		mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
		const temp = `${file}.${process.pid}.tmp`;
		writeFileSync(temp, JSON.stringify(stored), { mode: 0o600 });
		renameSync(temp, file);
	}

	#sweep(): void {
		const now = this.#now();
		for (const [state, pending] of this.#pending)
			if (pending.expiresAt < now) this.#pending.delete(state);
	}

	#now(): number {
		return this.#deps.now?.() ?? Date.now();
	}
}
