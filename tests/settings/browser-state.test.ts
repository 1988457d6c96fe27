import { afterEach, describe, expect, it } from 'vitest';
import { ModelSettingsState } from '$lib/state/model-settings.svelte';
import { PresetsState } from '$lib/state/presets.svelte';
import { disposeAll } from '../support/factories';
import { inProcessFetch } from '../support/in-process-fetch';
import { settingsServices } from './helpers';

afterEach(disposeAll);

describe('model settings in the browser', () => {
	it('shows a picked model at once and a preset saved meanwhile waits for that save', async () => {
		const services = settingsServices({ OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o' });
		const net = inProcessFetch(services);
		const settings = new ModelSettingsState(net.fetcher);
		const presets = new PresetsState(settings, net.fetcher);
		await settings.load();

		const release = net.hold((method, path) => method === 'PUT' && path === '/api/settings/model');
		const picking = settings.selectModel('deepseek/deepseek-r1');
		expect(settings.modelId).toBe('deepseek/deepseek-r1');
		expect(settings.saving).toBe(true);

		const saving = presets.create('Reasoning', '');
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(net.log).not.toContain('POST /api/presets 201');
		release();

		expect(await picking).toBe(true);
		const preset = await saving;
		expect(preset.model_id).toBe('deepseek/deepseek-r1');
		expect(net.log).toEqual([
			'GET /api/settings/model 200',
			'GET /api/settings/system-prompt 200',
			'PUT /api/settings/model 200',
			'POST /api/presets 201'
		]);
		expect(settings.saving).toBe(false);
	});

	it('rolls back and says why when the server refuses the choice', async () => {
		const services = settingsServices({ OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o' });
		const net = inProcessFetch(services);
		const settings = new ModelSettingsState(net.fetcher);
		await settings.load();

		expect(await settings.selectModel('not a model id')).toBe(false);
		expect(settings.modelId).toBe('openai/gpt-4o');
		expect(settings.modelError).toMatch(
			/Could not switch to not a model id: model_id: is not a model id/
		);

		expect(await settings.selectModel('openai/gpt-4')).toBe(true);
		expect(settings.modelError).toBeNull();
		expect(settings.source).toBe('settings_file');
	});

	it('keeps the last pick when two picks race', async () => {
		const services = settingsServices();
		const net = inProcessFetch(services);
		const settings = new ModelSettingsState(net.fetcher);
		await settings.load();
		const first = settings.selectModel('openai/gpt-4o');
		const second = settings.selectModel('anthropic/claude-sonnet-4');
		await first;
		expect(settings.modelId).toBe('anthropic/claude-sonnet-4');
		await second;
		await settings.settled();
		expect(settings.modelId).toBe('anthropic/claude-sonnet-4');
		expect((await services.modelSettings.model()).model_id).toBe('anthropic/claude-sonnet-4');
	});

	it('applying a preset brings the model and prompt back and says what changed', async () => {
		const services = settingsServices();
		const net = inProcessFetch(services);
		const settings = new ModelSettingsState(net.fetcher);
		const presets = new PresetsState(settings, net.fetcher);
		await settings.load();
		await settings.selectModel('deepseek/deepseek-r1');
		await settings.saveSystemPrompt('Think step by step.');
		await presets.create('Deep', 'thinking');

		await settings.selectModel('openai/gpt-4o');
		await settings.saveSystemPrompt('Be quick.');
		const notice = await presets.apply('Deep');
		expect(notice).toBe('Applied “Deep”: model → deepseek/deepseek-r1, system prompt.');
		expect(settings.modelId).toBe('deepseek/deepseek-r1');
		expect(settings.systemPrompt).toBe('Think step by step.');
		expect(await presets.apply('Deep')).toBe(
			'“Deep” is already the setup in use; nothing changed.'
		);
	});

	it('exports presets with MCP secrets only when asked to', async () => {
		const services = settingsServices();
		await services.mcp.replaceConfigs([
			{
				id: 'remote',
				enabled: false,
				transport: 'http',
				url: 'https://mcp.example.test/mcp',
				headers: { Authorization: 'Bearer tok-browser-0451' }
			}
		]);
		const net = inProcessFetch(services);
		const presets = new PresetsState(new ModelSettingsState(net.fetcher), net.fetcher);
		await presets.create('Remote', '');
		expect(JSON.stringify(await presets.exportFile())).not.toContain('tok-browser-0451');
		expect(JSON.stringify(await presets.exportFile(true))).toContain('tok-browser-0451');
	});
});
