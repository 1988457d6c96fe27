import { chmod, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { JsonStore } from '../settings/json-store';

/** The library's `Credentials` shape plus what we know about the grant; snake_case like on disk. */
export const storedTokensSchema = z.object({
	access_token: z.string().optional(),
	refresh_token: z.string().optional(),
	expiry_date: z.number().optional(),
	scope: z.string().optional(),
	token_type: z.string().optional(),
	id_token: z.string().optional(),
	email: z.string().optional(),
	connected_at: z.string(),
	/** Set when Google refused the refresh token (invalid_grant); the tokens are dropped then. */
	reconnect_reason: z.string().optional()
});
export type StoredTokens = z.infer<typeof storedTokensSchema>;

/** What a token response (first exchange or refresh) may carry; `null`s come from the library types. */
export interface TokenUpdate {
	access_token?: string | null;
	refresh_token?: string | null;
	expiry_date?: number | null;
	scope?: string | null;
	token_type?: string | null;
	id_token?: string | null;
}

const TOKEN_FIELDS = [
	'access_token',
	'refresh_token',
	'expiry_date',
	'scope',
	'token_type',
	'id_token'
] as const;

/**
 * `data/tokens/google.json`: mode 0600 in a 0700 folder, written atomically by JsonStore.
 * A refresh answer carries no refresh token, so updates are merged and never drop it.
 */
export class GoogleTokenStore {
	readonly file: string;
	readonly #store: JsonStore<StoredTokens | null>;
	#queue: Promise<unknown> = Promise.resolve();

	constructor(dataDir: string) {
		this.file = path.join(dataDir, 'tokens', 'google.json');
		this.#store = new JsonStore({
			file: this.file,
			schema: storedTokensSchema.nullable(),
			defaults: () => null,
			mode: 0o600
		});
	}

	read(): Promise<StoredTokens | null> {
		return this.#store.read();
	}

	/** Stores a fresh grant (after the consent screen), replacing whatever was there. */
	connect(tokens: TokenUpdate, email: string | undefined, now = new Date()): Promise<StoredTokens> {
		return this.#serial(async () => {
			const previous = await this.#store.read();
			const next: StoredTokens = { connected_at: now.toISOString(), ...pickTokens(tokens) };
			// Google only re-sends a refresh token on a fresh consent; keep the old one otherwise.
			if (!next.refresh_token && previous?.refresh_token)
				next.refresh_token = previous.refresh_token;
			if (email) next.email = email;
			return this.#write(next);
		});
	}

	/** Merges refreshed tokens; a missing file means the user disconnected meanwhile, so nothing is written. */
	merge(tokens: TokenUpdate): Promise<StoredTokens | null> {
		return this.#serial(async () => {
			const previous = await this.#store.read();
			if (!previous || previous.reconnect_reason) return previous;
			const fresh = pickTokens(tokens);
			return this.#write({
				...previous,
				...fresh,
				refresh_token: fresh.refresh_token ?? previous.refresh_token
			});
		});
	}

	/** Google refused the grant: forget the dead tokens, keep who it was and why. */
	markReconnectRequired(reason: string): Promise<StoredTokens | null> {
		return this.#serial(async () => {
			const previous = await this.#store.read();
			if (!previous) return null;
			return this.#write({
				connected_at: previous.connected_at,
				email: previous.email,
				scope: previous.scope,
				reconnect_reason: reason
			});
		});
	}

	delete(): Promise<void> {
		return this.#serial(async () => {
			await rm(this.file, { force: true });
			this.#store.invalidate();
		});
	}

	async #write(value: StoredTokens): Promise<StoredTokens> {
		const written = (await this.#store.write(value))!;
		// mkdir's mode only applies when it creates the folder; a pre-existing one is tightened here.
		await chmod(path.dirname(this.file), 0o700);
		await chmod(this.file, 0o600);
		return written;
	}

	#serial<T>(run: () => Promise<T>): Promise<T> {
		const next = this.#queue.then(run);
		this.#queue = next.catch(() => {});
		return next;
	}
}

function pickTokens(tokens: TokenUpdate): Partial<StoredTokens> {
	const out: Record<string, unknown> = {};
	for (const key of TOKEN_FIELDS) {
		const value = tokens[key];
		if (value !== null && value !== undefined && value !== '') out[key] = value;
	}
	return out as Partial<StoredTokens>;
}
