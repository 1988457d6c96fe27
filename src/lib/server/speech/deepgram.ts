import type { DeepgramClient } from '@deepgram/sdk';
import type { SpeechTokenResponse } from '$lib/api/speech';
import { AppError } from '../errors';
import type { Logger } from '../log';
import { RateLimiter } from './rate-limit';

/** Seconds a minted token stays valid; it only has to outlive the websocket handshake. */
const TOKEN_TTL_SECONDS = 60;

export interface SpeechTokenServiceOptions {
	apiKey: string | undefined;
	/** REST base, e.g. https://api.deepgram.com; the browser's websocket base is derived from it. */
	apiUrl: string;
	log: Logger;
	limiter?: RateLimiter;
}

type DeepgramSdk = typeof import('@deepgram/sdk');

/**
 * Mints temporary Deepgram tokens so the long-lived key never leaves the server.
 * The SDK (about 14 MB resident) is loaded at the first token, not at start-up.
 * Neither the key nor a minted token is logged: only outcomes and upstream status codes.
 */
export class SpeechTokenService {
	readonly configured: boolean;
	readonly #apiKey: string | undefined;
	readonly #apiUrl: string;
	#client: Promise<{ sdk: DeepgramSdk; client: DeepgramClient }> | undefined;
	readonly #socketUrl: string;
	readonly #limiter: RateLimiter;
	readonly #log: Logger;

	constructor(options: SpeechTokenServiceOptions) {
		this.configured = Boolean(options.apiKey);
		this.#apiKey = options.apiKey;
		this.#apiUrl = options.apiUrl;
		this.#socketUrl = websocketBase(options.apiUrl);
		this.#limiter = options.limiter ?? new RateLimiter({ max: 12, windowMs: 60_000 });
		this.#log = options.log;
	}

	/** The SDK and one client on the key, loaded once; a failed load is tried again next time. */
	#sdk(apiKey: string): Promise<{ sdk: DeepgramSdk; client: DeepgramClient }> {
		this.#client ??= import('@deepgram/sdk').then(
			(sdk) => ({
				sdk,
				client: new sdk.DeepgramClient({
					apiKey,
					baseUrl: this.#apiUrl,
					// A failed grant is answered at once; the browser decides whether to try again.
					maxRetries: 0,
					timeoutInSeconds: 10
				})
			}),
			(error) => {
				this.#client = undefined;
				throw error;
			}
		);
		return this.#client;
	}

	async mint(clientKey: string): Promise<SpeechTokenResponse> {
		const apiKey = this.#apiKey;
		if (!apiKey) {
			throw new AppError(
				503,
				'speech_not_configured',
				'Speech (dictation and reading aloud) is not set up on this server: set DEEPGRAM_API_KEY and restart it.'
			);
		}
		const waitMs = this.#limiter.take(clientKey);
		if (waitMs > 0) {
			throw new AppError(
				429,
				'rate_limited',
				`Too many speech starts (dictation or reading aloud) in a short time; try again in ${Math.ceil(waitMs / 1000)} s.`
			);
		}
		const { sdk, client } = await this.#sdk(apiKey);
		try {
			const grant = await client.auth.v1.tokens.grant({ ttl_seconds: TOKEN_TTL_SECONDS });
			return {
				access_token: grant.access_token,
				expires_in: grant.expires_in ?? TOKEN_TTL_SECONDS,
				url: this.#socketUrl
			};
		} catch (error) {
			throw this.#upstreamError(sdk, error);
		}
	}

	#upstreamError({ DeepgramError, DeepgramTimeoutError }: DeepgramSdk, error: unknown): AppError {
		if (error instanceof DeepgramTimeoutError) {
			this.#log.warn('deepgram token grant timed out');
			return new AppError(
				504,
				'speech_upstream_timeout',
				'Deepgram did not answer in time; try again.'
			);
		}
		const status = error instanceof DeepgramError ? error.statusCode : undefined;
		this.#log.warn('deepgram token grant failed', {
			upstream_status: status,
			error: status === undefined && error instanceof Error ? error.message : undefined
		});
		if (status === 401 || status === 403) {
			return new AppError(
				502,
				'speech_upstream_auth',
				'Deepgram rejected the server’s DEEPGRAM_API_KEY; check the key (it needs Member access or higher).'
			);
		}
		return new AppError(
			502,
			'speech_upstream_error',
			status
				? `Deepgram could not issue a speech token (HTTP ${status}); try again shortly.`
				: 'Deepgram could not be reached to issue a speech token; check the network and try again.'
		);
	}
}

/** `https://host/x` → `wss://host/x`, `http://…` → `ws://…`: where the browser opens `/v1/listen`. */
export function websocketBase(apiUrl: string): string {
	return apiUrl.replace(/^http(s?):\/\//, 'ws$1://').replace(/\/+$/, '');
}
