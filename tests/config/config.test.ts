import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ConfigError, HARD_DEFAULT_MODEL, loadConfig } from '$lib/server/config';
import { ModelSettingsService } from '$lib/server/settings/model';
import { tempDir, disposeAll } from '../support/factories';

afterEach(disposeAll);

const modelSettings = (env: Record<string, string>) =>
	new ModelSettingsService({ dataDir: tempDir(), env: loadConfig(env).openrouter }).current();

/** The message start-up would print for this environment (undefined when it is valid). */
function failure(env: Record<string, string>): string | undefined {
	try {
		loadConfig(env);
		return undefined;
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError);
		return (error as ConfigError).message;
	}
}

describe('config', () => {
	it('has the documented defaults', () => {
		const config = loadConfig({});
		expect(config.openrouter).toEqual({
			apiKey: undefined,
			baseUrl: 'https://openrouter.ai/api/v1',
			defaultModel: undefined,
			systemPrompt: undefined,
			timeoutMs: 120_000
		});
		expect(config.dataDir).toBe(path.resolve('data'));
		expect(config.logDir).toBe(path.resolve('logs'));
		expect(config.logLevel).toBe('info');
		expect(config.server).toEqual({
			host: '127.0.0.1',
			port: 3000,
			origin: 'http://127.0.0.1:3000',
			publicOrigin: undefined,
			allowedHosts: [],
			appPassword: undefined
		});
		expect(config.attachments).toMatchObject({
			maxSizeBytes: 20 * 1024 * 1024,
			retentionDays: 30,
			signedUrlTtlSeconds: 604_800,
			gcsBucket: undefined
		});
		expect(config.deepgram).toEqual({ apiKey: undefined, apiUrl: 'https://api.deepgram.com' });
	});

	it('starts on the offline demo model when no key is set', async () => {
		expect(
			await modelSettings({ OPENROUTER_DEFAULT_MODEL: 'anthropic/claude-sonnet-4' })
		).toMatchObject({ modelId: 'switchboard/demo', source: 'demo' });
	});

	it('falls back to openai/gpt-4 when a key is set and no model is configured', async () => {
		const key = { OPENROUTER_API_KEY: 'sk-or-v1-config-test' };
		expect(HARD_DEFAULT_MODEL).toBe('openai/gpt-4');
		expect(await modelSettings(key)).toMatchObject({ modelId: 'openai/gpt-4', source: 'default' });
		expect(
			await modelSettings({ ...key, OPENROUTER_DEFAULT_MODEL: 'anthropic/claude-sonnet-4' })
		).toMatchObject({
			modelId: 'anthropic/claude-sonnet-4',
			source: 'env'
		});
	});

	it('reads the environment', () => {
		const config = loadConfig({
			OPENROUTER_API_KEY: '  sk-or-v1-abc  ',
			OPENROUTER_BASE_URL: 'http://127.0.0.1:4399/api/v1/',
			OPENROUTER_TIMEOUT_MS: '5000',
			DATA_DIR: '/tmp/sb-data',
			LOG_DIR: '/tmp/sb-logs',
			LOG_LEVEL: 'debug',
			PORT: '8080',
			HOST: '0.0.0.0',
			APP_PASSWORD: 'hunter2',
			ORIGIN: 'https://chat.example.com'
		});
		expect(config.openrouter).toMatchObject({
			apiKey: 'sk-or-v1-abc',
			baseUrl: 'http://127.0.0.1:4399/api/v1',
			timeoutMs: 5000
		});
		expect(config).toMatchObject({
			dataDir: '/tmp/sb-data',
			logDir: '/tmp/sb-logs',
			logLevel: 'debug'
		});
		expect(config.server).toEqual({
			host: '0.0.0.0',
			port: 8080,
			origin: 'https://chat.example.com',
			publicOrigin: 'https://chat.example.com',
			allowedHosts: ['chat.example.com'],
			appPassword: 'hunter2'
		});
	});

	it('treats an empty key as no key', () => {
		expect(loadConfig({ OPENROUTER_API_KEY: '' }).openrouter.apiKey).toBeUndefined();
		expect(loadConfig({ OPENROUTER_API_KEY: '   ' }).openrouter.apiKey).toBeUndefined();
	});

	it.each([
		[{ OPENROUTER_TIMEOUT_MS: 'abc' }, 'OPENROUTER_TIMEOUT_MS'],
		[{ OPENROUTER_TIMEOUT_MS: '-1' }, 'OPENROUTER_TIMEOUT_MS'],
		[{ OPENROUTER_TIMEOUT_MS: '1.5' }, 'OPENROUTER_TIMEOUT_MS'],
		[{ PORT: '70000' }, 'PORT'],
		[{ PORT: 'http' }, 'PORT'],
		[{ HOST: '0.0.0.0' }, 'APP_PASSWORD'],
		[{ HOST: '192.168.1.20' }, 'APP_PASSWORD'],
		[{ ORIGIN: 'https://chat.example.com' }, 'APP_PASSWORD'],
		[{ ORIGIN: 'http://192.168.1.20:3000' }, 'APP_PASSWORD'],
		[{ SOCKET_PATH: '/run/switchboard.sock' }, 'APP_PASSWORD'],
		[{ OPENROUTER_BASE_URL: 'openrouter.ai/api/v1' }, 'OPENROUTER_BASE_URL'],
		[{ OPENROUTER_BASE_URL: 'ftp://openrouter.ai' }, 'OPENROUTER_BASE_URL'],
		[{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
		[{ ATTACHMENTS_MAX_SIZE_BYTES: '0' }, 'ATTACHMENTS_MAX_SIZE_BYTES'],
		[{ ATTACHMENTS_SIGNED_URL_TTL_SECONDS: '604801' }, 'ATTACHMENTS_SIGNED_URL_TTL_SECONDS'],
		[{ ORIGIN: 'not a url' }, 'ORIGIN']
	])('stops with a message naming the variable for %o', (env, variable) => {
		const message = failure(env);
		expect(message).toBeDefined();
		expect(message).toMatch(new RegExp(`^\\s+- ${variable}: .+`, 'm'));
	});

	it('names every bad variable at once', () => {
		const message = failure({ PORT: '70000', OPENROUTER_TIMEOUT_MS: 'abc', LOG_LEVEL: 'loud' })!;
		for (const variable of ['PORT', 'OPENROUTER_TIMEOUT_MS', 'LOG_LEVEL'])
			expect(message).toContain(`${variable}:`);
	});

	it('says why APP_PASSWORD is required, once per reason', () => {
		const message = failure({
			HOST: '0.0.0.0',
			ORIGIN: 'https://chat.example.com',
			SOCKET_PATH: '/run/switchboard.sock'
		})!;
		expect(message.match(/APP_PASSWORD: required when/g)).toHaveLength(3);
		expect(message).toContain('HOST (0.0.0.0) is not a loopback address');
		expect(message).toContain('ORIGIN (https://chat.example.com) is not a loopback origin');
		expect(message).toContain('SOCKET_PATH is set');
	});

	it('allows a non-loopback ORIGIN or SOCKET_PATH with APP_PASSWORD, and loopback origins without', () => {
		expect(failure({ ORIGIN: 'https://chat.example.com', APP_PASSWORD: 'pw' })).toBeUndefined();
		expect(failure({ SOCKET_PATH: '/run/switchboard.sock', APP_PASSWORD: 'pw' })).toBeUndefined();
		for (const origin of ['http://127.0.0.1:3000', 'http://localhost:5173', 'http://[::1]:3000'])
			expect(failure({ ORIGIN: origin })).toBeUndefined();
	});

	it('allows a non-loopback HOST with APP_PASSWORD, and loopback hosts without', () => {
		expect(failure({ HOST: '0.0.0.0', APP_PASSWORD: 'pw' })).toBeUndefined();
		for (const host of ['127.0.0.1', 'localhost', '::1'])
			expect(failure({ HOST: host })).toBeUndefined();
	});
});
