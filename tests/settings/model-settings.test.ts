import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as modelRoute from '../../src/routes/api/settings/model/+server';
import * as promptRoute from '../../src/routes/api/settings/system-prompt/+server';
import * as chatRoute from '../../src/routes/api/chat/+server';
import { ModelSettingsService } from '$lib/server/settings/model';
import { disposeAll, readChatEvents, tempDir, TEST_API_KEY } from '../support/factories';
import { startOpenRouterStandin, type OpenRouterStandin } from '../support/openrouter-standin';
import { call, settingsServices } from './helpers';

afterEach(disposeAll);

describe('model settings resolution', () => {
	const service = (
		env: { apiKey?: string; defaultModel?: string; systemPrompt?: string },
		dataDir = tempDir()
	) => new ModelSettingsService({ dataDir, env: { apiKey: TEST_API_KEY, ...env } });

	it('uses the hard default when neither file nor env names a model', async () => {
		expect(await service({}).current()).toEqual({
			modelId: 'openai/gpt-4',
			providerOverrides: {},
			parameterOverrides: {},
			systemPrompt: null,
			source: 'default'
		});
	});

	it('uses OPENROUTER_DEFAULT_MODEL and OPENROUTER_SYSTEM_PROMPT on a first run', async () => {
		const settings = service({ defaultModel: 'openai/gpt-4o', systemPrompt: 'Be brief.' });
		expect(await settings.model()).toMatchObject({ model_id: 'openai/gpt-4o', source: 'env' });
		expect(await settings.systemPrompt()).toEqual({ system_prompt: 'Be brief.', source: 'env' });
	});

	it('prefers the model and prompt chosen in the settings file over the env', async () => {
		const dataDir = tempDir();
		await service({ defaultModel: 'openai/gpt-4o' }, dataDir).updateModel({
			model_id: 'deepseek/deepseek-r1'
		});
		await service({}, dataDir).setSystemPrompt('Answer in French.');
		const restarted = service(
			{ defaultModel: 'openai/gpt-4o', systemPrompt: 'Be brief.' },
			dataDir
		);
		expect(await restarted.current()).toMatchObject({
			modelId: 'deepseek/deepseek-r1',
			systemPrompt: 'Answer in French.',
			source: 'settings_file'
		});
	});

	it('goes back to the env model when the choice is cleared with null', async () => {
		const settings = service({ defaultModel: 'openai/gpt-4o' });
		await settings.updateModel({ model_id: 'deepseek/deepseek-r1' });
		expect(await settings.updateModel({ model_id: null })).toMatchObject({
			model_id: 'openai/gpt-4o',
			source: 'env'
		});
	});

	it('keeps "no system prompt" when the user empties it, even with an env prompt', async () => {
		const settings = service({ systemPrompt: 'Be brief.' });
		expect(await settings.setSystemPrompt('')).toEqual({
			system_prompt: null,
			source: 'settings_file'
		});
		expect((await settings.current()).systemPrompt).toBeNull();
		expect(await settings.setSystemPrompt(null)).toEqual({
			system_prompt: 'Be brief.',
			source: 'env'
		});
	});
});

describe('GET|PUT /api/settings/model', () => {
	it('answers the resolved settings with their source', async () => {
		const services = settingsServices({ OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o' });
		const { status, body } = await call(services, modelRoute.GET);
		expect(status).toBe(200);
		expect(body).toEqual({
			model_id: 'openai/gpt-4o',
			provider_overrides: {},
			parameter_overrides: {},
			source: 'env'
		});
	});

	it('saves any subset and keeps the rest', async () => {
		const services = settingsServices();
		await call(services, modelRoute.PUT, {
			body: { parameter_overrides: { temperature: 0.3, max_tokens: 512 } }
		});
		const { status, body } = await call(services, modelRoute.PUT, {
			body: {
				model_id: 'anthropic/claude-sonnet-4',
				provider_overrides: {
					order: ['anthropic'],
					allow_fallbacks: false,
					sort: 'price',
					data_collection: 'deny',
					max_price: { prompt: 1 }
				}
			}
		});
		expect(status).toBe(200);
		expect(body).toEqual({
			model_id: 'anthropic/claude-sonnet-4',
			provider_overrides: {
				order: ['anthropic'],
				allow_fallbacks: false,
				sort: 'price',
				data_collection: 'deny',
				max_price: { prompt: 1 }
			},
			parameter_overrides: { temperature: 0.3, max_tokens: 512 },
			source: 'settings_file'
		});
		const onDisk = JSON.parse(
			await readFile(path.join(services.config.dataDir, 'model_settings.json'), 'utf8')
		);
		expect(onDisk.model_id).toBe('anthropic/claude-sonnet-4');
	});

	it.each([
		[
			{ parameter_overrides: { temperature: 2.5 } },
			/parameter_overrides\.temperature: must be between 0 and 2/
		],
		[{ parameter_overrides: { top_p: -0.1 } }, /top_p: must be between 0 and 1/],
		[{ parameter_overrides: { max_tokens: 0 } }, /max_tokens: must be a positive whole number/],
		[{ parameter_overrides: { max_tokens: 10.5 } }, /max_tokens: must be a whole number/],
		[{ parameter_overrides: { temperature: '0.5' } }, /temperature/],
		[{ parameter_overrides: { model: 'x/y' } }, /parameter_overrides.*model/],
		[{ parameter_overrides: { messages: [] } }, /parameter_overrides.*messages/],
		[{ provider_overrides: { sort: 'cheapest' } }, /provider_overrides\.sort/],
		[{ provider_overrides: { data_collection: 'maybe' } }, /provider_overrides\.data_collection/],
		[{ provider_overrides: { order: 'openai' } }, /provider_overrides\.order/],
		[{ provider_overrides: { allow_fallback: true } }, /allow_fallback/],
		[{ provider_overrides: { max_price: { prompt: -1 } } }, /max_price\.prompt/],
		[{ model_id: '' }, /model_id: must not be empty/],
		[{ model_id: 42 }, /model_id/],
		[{ model_id: '../../etc/passwd' }, /model_id: is not a model id/],
		[{ model_id: 'openai/../gpt-4o' }, /model_id: must not contain "\.\."/],
		[{ model_id: 'openai/gpt 4o' }, /model_id: is not a model id/],
		[{ model_id: 'openai/gpt-4o\u0007' }, /model_id: is not a model id/],
		[{ model_id: 'gpt-4o' }, /model_id: is not a model id/],
		[{ model_id: `openai/${'x'.repeat(300)}` }, /model_id: is longer than 200 characters/],
		[{ modelId: 'openai/gpt-4o' }, /modelId/],
		[[], /expected object/]
	])('rejects %j with a 400 naming the field', async (payload, message) => {
		const services = settingsServices();
		const { status, body } = await call(services, modelRoute.PUT, { body: payload });
		expect(status).toBe(400);
		expect(body.error.code).toBe('invalid_request');
		expect(body.error.message).toMatch(message);
		expect((await call(services, modelRoute.GET)).body.source).toBe('default');
	});

	it('rejects a body that is not JSON', async () => {
		const services = settingsServices();
		const { status, body } = await call(services, modelRoute.PUT, { raw: '{"model_id": ' });
		expect(status).toBe(400);
		expect(body.error).toEqual({
			code: 'invalid_json',
			message: 'The request body is not valid JSON.'
		});
	});

	it('reports a corrupt settings file by name and leaves it untouched', async () => {
		const services = settingsServices();
		const file = path.join(services.config.dataDir, 'model_settings.json');
		await mkdir(services.config.dataDir, { recursive: true });
		await writeFile(
			file,
			'{"model_id": "openai/gpt-4o", "parameter_overrides": {"temperature": 9}}'
		);
		const read = await call(services, modelRoute.GET);
		expect(read.status).toBe(500);
		expect(read.body.error.code).toBe('corrupt_settings_file');
		expect(read.body.error.message).toContain(file);
		expect(read.body.error.message).toContain('parameter_overrides.temperature');
		const write = await call(services, modelRoute.PUT, { body: { model_id: 'openai/gpt-4' } });
		expect(write.status).toBe(500);
		expect(await readFile(file, 'utf8')).toBe(
			'{"model_id": "openai/gpt-4o", "parameter_overrides": {"temperature": 9}}'
		);
	});
});

describe('GET|PUT /api/settings/system-prompt', () => {
	it('saves and returns the prompt; null returns to the env prompt', async () => {
		const services = settingsServices({ OPENROUTER_SYSTEM_PROMPT: 'From env.' });
		expect((await call(services, promptRoute.GET)).body).toEqual({
			system_prompt: 'From env.',
			source: 'env'
		});
		const saved = await call(services, promptRoute.PUT, {
			body: { system_prompt: 'You are a pirate.' }
		});
		expect(saved).toMatchObject({
			status: 200,
			body: { system_prompt: 'You are a pirate.', source: 'settings_file' }
		});
		const reset = await call(services, promptRoute.PUT, {
			path: '/api/settings/system-prompt/',
			body: { system_prompt: null }
		});
		expect(reset.body).toEqual({ system_prompt: 'From env.', source: 'env' });
	});

	it.each([
		[{}, /system_prompt/],
		[{ system_prompt: 12 }, /system_prompt/],
		[{ system_prompt: 'x'.repeat(100_001) }, /longer than 100000/],
		[{ system_prompt: 'ok', extra: true }, /extra/]
	])('rejects %j', async (payload, message) => {
		const services = settingsServices();
		const { status, body } = await call(services, promptRoute.PUT, { body: payload });
		expect(status).toBe(400);
		expect(body.error.message).toMatch(message);
	});

	it('rejects a body that is not JSON', async () => {
		const services = settingsServices();
		expect((await call(services, promptRoute.PUT, { raw: 'prompt' })).body.error.code).toBe(
			'invalid_json'
		);
	});
});

describe('chat requests upstream', () => {
	let standin: OpenRouterStandin;
	beforeAll(async () => {
		standin = await startOpenRouterStandin({ tokenDelayMs: 0 });
	});
	afterAll(() => standin.close());

	it('carry the saved model, provider routing, parameters and system prompt', async () => {
		const services = settingsServices({
			OPENROUTER_API_KEY: TEST_API_KEY,
			OPENROUTER_BASE_URL: standin.url,
			OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
		});
		await call(services, modelRoute.PUT, {
			body: {
				model_id: 'deepseek/deepseek-r1',
				provider_overrides: { only: ['deepinfra'], zdr: true },
				parameter_overrides: { temperature: 0.2, top_p: 0.9 }
			}
		});
		await call(services, promptRoute.PUT, { body: { system_prompt: 'Answer in one line.' } });
		standin.requests.length = 0;

		const request = new Request('http://127.0.0.1:3000/api/chat', {
			method: 'POST',
			body: JSON.stringify({ message: 'hi' })
		});
		const response = await chatRoute.POST({ request, locals: { services } } as any);
		const events = await readChatEvents(response);
		expect(events.at(-1)?.event).toBe('done');
		const upstream = standin.requests.find((r) => r.path === '/chat/completions');
		expect(upstream?.body).toMatchObject({
			model: 'deepseek/deepseek-r1',
			provider: { only: ['deepinfra'], zdr: true },
			temperature: 0.2,
			top_p: 0.9,
			messages: [
				{ role: 'system', content: 'Answer in one line.' },
				{ role: 'user', content: 'hi' }
			]
		});
	});
	it('refuse a model the known catalogue does not list, in the setting and per chat', async () => {
		const services = settingsServices({
			OPENROUTER_API_KEY: TEST_API_KEY,
			OPENROUTER_BASE_URL: standin.url
		});
		const before = await call(services, modelRoute.PUT, { body: { model_id: 'someone/new' } });
		expect(before.status).toBe(200); // no catalogue yet: a well-formed id is taken
		await services.models.list();
		const setting = await call(services, modelRoute.PUT, { body: { model_id: 'someone/else' } });
		expect(setting.status).toBe(400);
		expect(setting.body.error).toEqual({
			code: 'unknown_model',
			message:
				'model_id: "someone/else" is not in the model catalogue; pick one from GET /api/models'
		});
		const request = new Request('http://127.0.0.1:3000/api/chat', {
			method: 'POST',
			body: JSON.stringify({ message: 'hi', model_id: 'someone/else' })
		});
		const chat = await chatRoute.POST({ request, locals: { services } } as any);
		expect(chat.status).toBe(400);
		expect((await chat.json()).error.code).toBe('unknown_model');
		expect((await call(services, modelRoute.GET)).body.model_id).toBe('someone/new');
	});

	it('use a per-chat model for that chat only, and save it with its messages', async () => {
		const services = settingsServices({
			OPENROUTER_API_KEY: TEST_API_KEY,
			OPENROUTER_BASE_URL: standin.url
		});
		await call(services, modelRoute.PUT, {
			body: { model_id: 'deepseek/deepseek-r1', parameter_overrides: { temperature: 0.3 } }
		});
		standin.requests.length = 0;

		const request = new Request('http://127.0.0.1:3000/api/chat', {
			method: 'POST',
			body: JSON.stringify({ message: 'hi', model_id: 'anthropic/claude-sonnet-4' })
		});
		const response = await chatRoute.POST({ request, locals: { services } } as any);
		const events = await readChatEvents(response);
		expect(events.at(-1)?.event).toBe('done');
		const upstream = standin.requests.find((r) => r.path === '/chat/completions');
		expect(upstream?.body).toMatchObject({ model: 'anthropic/claude-sonnet-4', temperature: 0.3 });

		const sessionId = (events[0].data as { session_id: string }).session_id;
		const messages = services.repo.listMessages(sessionId);
		expect(messages.find((m) => m.role === 'assistant')?.modelId).toBe('anthropic/claude-sonnet-4');
		expect((await call(services, modelRoute.GET)).body.model_id).toBe('deepseek/deepseek-r1');
	});
});

describe('first run without an OpenRouter key', () => {
	it('makes the offline demo model active, so the first message gets a streamed answer', async () => {
		const services = settingsServices({
			OPENROUTER_API_KEY: undefined,
			OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
		});
		expect((await call(services, modelRoute.GET)).body).toMatchObject({
			model_id: 'switchboard/demo',
			source: 'demo'
		});

		const request = new Request('http://127.0.0.1:3000/api/chat', {
			method: 'POST',
			body: JSON.stringify({ message: 'hello there' })
		});
		const events = await readChatEvents(
			await chatRoute.POST({ request, locals: { services } } as never)
		);
		const text = events
			.filter((e) => e.event === 'delta')
			.map((e) => (e.data as { text: string }).text)
			.join('');
		expect(events.some((e) => e.event === 'error')).toBe(false);
		expect(text.length).toBeGreaterThan(0);
		expect(events.at(-1)).toMatchObject({ event: 'done', data: { model_id: 'switchboard/demo' } });
	});

	it('keeps a model the user picked, even without a key', async () => {
		const services = settingsServices({ OPENROUTER_API_KEY: undefined });
		await call(services, modelRoute.PUT, { body: { model_id: 'openai/gpt-4o' } });
		expect((await call(services, modelRoute.GET)).body).toMatchObject({
			model_id: 'openai/gpt-4o',
			source: 'settings_file'
		});
	});
});
