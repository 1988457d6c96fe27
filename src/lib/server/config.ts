import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const optionalString = z
	.string()
	.trim()
	.transform((value) => value || undefined)
	.optional();

const url = (fallback: string) =>
	z
		.string()
		.trim()
		.default(fallback)
		.refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'expected an http(s) URL')
		.transform((value) => value.replace(/\/+$/, ''));

const positiveInt = (fallback: number) =>
	z.coerce
		.number({ message: 'expected a number' })
		.int('expected a whole number')
		.positive('expected a positive number')
		.default(fallback);

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
/** Loopback host names as `new URL(...).hostname` spells them. */
const LOOPBACK_URL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** One schema over the environment; README.md lists every variable. */
export const envSchema = z
	.object({
		OPENROUTER_API_KEY: optionalString,
		OPENROUTER_BASE_URL: url('https://openrouter.ai/api/v1'),
		OPENROUTER_DEFAULT_MODEL: optionalString,
		OPENROUTER_SYSTEM_PROMPT: optionalString,
		OPENROUTER_TIMEOUT_MS: positiveInt(120_000),
		/** Replies streaming at once; beyond it `POST /api/chat` answers 429 too_many_streams. */
		CHAT_MAX_STREAMS: positiveInt(256),
		DATA_DIR: z.string().trim().min(1).default('./data'),
		LOG_DIR: z.string().trim().min(1).default('./logs'),
		LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
		ATTACHMENTS_MAX_SIZE_BYTES: positiveInt(20 * 1024 * 1024),
		ATTACHMENTS_RETENTION_DAYS: positiveInt(30),
		ATTACHMENTS_GCS_BUCKET: optionalString,
		GCS_API_ENDPOINT: optionalString.refine(
			(value) => value === undefined || URL.canParse(value),
			'expected a URL'
		),
		GOOGLE_APPLICATION_CREDENTIALS: optionalString,
		ATTACHMENTS_SIGNED_URL_TTL_SECONDS: positiveInt(604_800).refine(
			(value) => value <= 604_800,
			'at most 604800 (7 days, the v4 signed URL maximum)'
		),
		LEGACY_ATTACHMENTS_DIR: optionalString,
		DEEPGRAM_API_KEY: optionalString,
		DEEPGRAM_API_URL: url('https://api.deepgram.com'),
		GOOGLE_CLIENT_ID: optionalString,
		GOOGLE_CLIENT_SECRET: optionalString,
		/** Unset: Google's own endpoints (accounts.google.com for consent, oauth2.googleapis.com for tokens). */
		GOOGLE_OAUTH_BASE_URL: optionalString.refine(
			(value) => value === undefined || URL.canParse(value),
			'expected a URL'
		),
		GOOGLE_API_ROOT_URL: url('https://www.googleapis.com'),
		HOST: z.string().trim().min(1).default('127.0.0.1'),
		PORT: positiveInt(3000).refine((value) => value < 65536, 'expected a port below 65536'),
		ORIGIN: optionalString.refine(
			(value) => value === undefined || URL.canParse(value),
			'expected a URL such as https://chat.example.com'
		),
		APP_PASSWORD: optionalString,
		/** adapter-node listens on this Unix socket instead of HOST:PORT (behind a proxy). */
		SOCKET_PATH: optionalString,
		/** Host names the app answers to besides loopback and ORIGIN's (a guard against DNS rebinding). */
		ALLOWED_HOSTS: z
			.string()
			.default('')
			.transform((value) =>
				value
					.split(',')
					.map((host) => host.trim().toLowerCase())
					.filter(Boolean)
			)
			.pipe(
				z.array(
					z
						.string()
						.regex(
							/^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(:\d{1,5})?$/,
							'expected host names separated by commas, such as chat.example.com,my-laptop.local'
						)
						// The name decides what a browser may reach; a port adds nothing to that.
						.transform((host) => host.replace(/:\d+$/, ''))
				)
			)
	})
	.superRefine((env, ctx) => {
		// Reachable beyond this machine, the app is a stranger's too unless it asks for a password.
		if (env.APP_PASSWORD) return;
		const origin = env.ORIGIN && URL.canParse(env.ORIGIN) ? new URL(env.ORIGIN) : undefined;
		const reasons = [
			!LOOPBACK.has(env.HOST) && `HOST (${env.HOST}) is not a loopback address`,
			origin &&
				!LOOPBACK_URL_HOSTS.has(origin.hostname) &&
				`ORIGIN (${origin.origin}) is not a loopback origin, so the app is meant to be reached from elsewhere`,
			env.SOCKET_PATH &&
				`SOCKET_PATH is set, so whatever forwards to the socket (a proxy) reaches the app`
		].filter(Boolean);
		for (const reason of reasons)
			ctx.addIssue({ code: 'custom', path: ['APP_PASSWORD'], message: `required when ${reason}` });
	});

export type Env = z.infer<typeof envSchema>;

export interface Config {
	openrouter: {
		apiKey: string | undefined;
		baseUrl: string;
		defaultModel: string | undefined;
		systemPrompt: string | undefined;
		timeoutMs: number;
	};
	chat: { maxStreams: number };
	dataDir: string;
	logDir: string;
	logLevel: Env['LOG_LEVEL'];
	attachments: {
		maxSizeBytes: number;
		retentionDays: number;
		gcsBucket: string | undefined;
		gcsApiEndpoint: string | undefined;
		googleApplicationCredentials: string | undefined;
		signedUrlTtlSeconds: number;
		legacyDir: string | undefined;
	};
	deepgram: { apiKey: string | undefined; apiUrl: string };
	google: {
		clientId: string | undefined;
		clientSecret: string | undefined;
		oauthBaseUrl: string | undefined;
		apiRootUrl: string;
	};
	server: {
		host: string;
		port: number;
		origin: string;
		/** ORIGIN as set; unset, the app's origin is the one each request was made to. */
		publicOrigin: string | undefined;
		/** Host names (no port) a request may name besides loopback: ORIGIN's and ALLOWED_HOSTS. */
		allowedHosts: string[];
		appPassword: string | undefined;
	};
}

export class ConfigError extends Error {
	constructor(readonly issues: string[]) {
		super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
		this.name = 'ConfigError';
	}
}

/** The hard default model when neither the settings file nor the environment names one. */
export const HARD_DEFAULT_MODEL = 'openai/gpt-4';

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	const parsed = envSchema.safeParse(env);
	if (!parsed.success) {
		throw new ConfigError(
			parsed.error.issues.map(
				(issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`
			)
		);
	}
	const e = parsed.data;
	return {
		openrouter: {
			apiKey: e.OPENROUTER_API_KEY,
			baseUrl: e.OPENROUTER_BASE_URL,
			defaultModel: e.OPENROUTER_DEFAULT_MODEL,
			systemPrompt: e.OPENROUTER_SYSTEM_PROMPT,
			timeoutMs: e.OPENROUTER_TIMEOUT_MS
		},
		chat: { maxStreams: e.CHAT_MAX_STREAMS },
		dataDir: path.resolve(e.DATA_DIR),
		logDir: path.resolve(e.LOG_DIR),
		logLevel: e.LOG_LEVEL,
		attachments: {
			maxSizeBytes: e.ATTACHMENTS_MAX_SIZE_BYTES,
			retentionDays: e.ATTACHMENTS_RETENTION_DAYS,
			gcsBucket: e.ATTACHMENTS_GCS_BUCKET,
			gcsApiEndpoint: e.GCS_API_ENDPOINT,
			googleApplicationCredentials: e.GOOGLE_APPLICATION_CREDENTIALS,
			signedUrlTtlSeconds: e.ATTACHMENTS_SIGNED_URL_TTL_SECONDS,
			legacyDir: e.LEGACY_ATTACHMENTS_DIR && path.resolve(e.LEGACY_ATTACHMENTS_DIR)
		},
		deepgram: { apiKey: e.DEEPGRAM_API_KEY, apiUrl: e.DEEPGRAM_API_URL },
		google: {
			clientId: e.GOOGLE_CLIENT_ID,
			clientSecret: e.GOOGLE_CLIENT_SECRET,
			oauthBaseUrl: e.GOOGLE_OAUTH_BASE_URL?.replace(/\/+$/, ''),
			apiRootUrl: e.GOOGLE_API_ROOT_URL
		},
		server: {
			host: e.HOST,
			port: e.PORT,
			origin: e.ORIGIN ?? `http://${e.HOST}:${e.PORT}`,
			publicOrigin: e.ORIGIN && new URL(e.ORIGIN).origin,
			allowedHosts: [
				...(e.ORIGIN ? [new URL(e.ORIGIN).hostname.toLowerCase()] : []),
				...e.ALLOWED_HOSTS
			],
			appPassword: e.APP_PASSWORD
		}
	};
}

/** Reads `.env` from the working directory into process.env (real env wins). */
export function loadDotEnv(file = '.env'): void {
	if (!existsSync(file)) return;
	const before = { ...process.env };
	process.loadEnvFile(file);
	Object.assign(process.env, before);
}
