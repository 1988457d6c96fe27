import { afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as listRoute from '../../src/routes/api/presets/+server';
import * as itemRoute from '../../src/routes/api/presets/[name]/+server';
import * as applyRoute from '../../src/routes/api/presets/[name]/apply/+server';
import * as exportRoute from '../../src/routes/api/presets/export/+server';
import * as importRoute from '../../src/routes/api/presets/import/+server';
import * as modelRoute from '../../src/routes/api/settings/model/+server';
import * as promptRoute from '../../src/routes/api/settings/system-prompt/+server';
import type { Preset } from '$lib/api';
import { MCP_HIDDEN_VALUE, type McpServerConfig, type McpServerView } from '$lib/api/mcp';
import { badRequest } from '$lib/server/errors';
import type { Services } from '$lib/server/services';
import type { McpConfigPort } from '$lib/server/settings/mcp-port';
import type { KnownModels } from '$lib/server/models/check';
import { ModelSettingsService } from '$lib/server/settings/model';
import { PresetService } from '$lib/server/settings/presets';
import { disposeAll } from '../support/factories';
import { call, settingsServices } from './helpers';

afterEach(disposeAll);

type Config = McpServerConfig;

/** An MCP service stand-in: keeps configs in memory and reports them with runtime status, like GET /api/mcp/servers. */
function fakeMcp(initial: Config[]): McpConfigPort & { configs: Config[]; pushes: number } {
	const fake = {
		configs: initial,
		pushes: 0,
		async listConfigs(): Promise<McpServerView[]> {
			return fake.configs.map((c) => ({
				...c,
				status: c.enabled ? 'connected' : 'disabled',
				error: null,
				tools: [],
				counts: { tools: 0, prompts: 0, resources: 0, templates: 0 },
				capabilities: []
			}));
		},
		async replaceConfigs(configs: unknown[]) {
			for (const config of configs as Config[]) {
				if (config.id === 'refused')
					throw badRequest(`${config.id}: the MCP service refused this server`);
			}
			fake.pushes++;
			fake.configs = structuredClone(configs) as Config[];
			return fake.listConfigs();
		}
	};
	return fake;
}

const calculator: Config = { id: 'calculator', enabled: true, transport: 'builtin' };
const housekeeping: Config = { id: 'housekeeping', enabled: true, transport: 'builtin' };

/** A catalogue stand-in: `ids` as the last good fetch, or undefined for "never fetched". */
const catalogue = (ids?: string[]): KnownModels => ({
	knownIds: () => (ids ? new Set(ids) : undefined)
});

function presetServices(mcp = fakeMcp([calculator, housekeeping]), models?: KnownModels) {
	const services = settingsServices({ OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o' });
	const withMcp: Services = {
		...services,
		presets: new PresetService({
			dataDir: services.config.dataDir,
			modelSettings: services.modelSettings,
			mcp,
			models
		})
	};
	return { services: withMcp, mcp };
}

const create = (services: Services, body: unknown) =>
	call(services, listRoute.POST, { method: 'POST', body });

describe('presets API', () => {
	it('snapshots the current model setup, prompt and MCP servers', async () => {
		const { services } = presetServices();
		await call(services, modelRoute.PUT, {
			body: {
				model_id: 'anthropic/claude-sonnet-4',
				parameter_overrides: { temperature: 0.4 },
				provider_overrides: { sort: 'latency' }
			}
		});
		await call(services, promptRoute.PUT, { body: { system_prompt: 'Review code strictly.' } });

		const { status, body } = await create(services, {
			name: 'Code review',
			description: 'Strict reviewer'
		});
		expect(status).toBe(201);
		expect(body).toEqual({
			name: 'Code review',
			description: 'Strict reviewer',
			model_id: 'anthropic/claude-sonnet-4',
			provider_overrides: { sort: 'latency' },
			parameter_overrides: { temperature: 0.4 },
			system_prompt: 'Review code strictly.',
			mcp_servers: [calculator, housekeeping],
			created_at: expect.any(String),
			updated_at: expect.any(String)
		});
		const listed = await call(services, listRoute.GET, { path: '/api/presets/' });
		expect(listed.body.presets).toEqual([body]);
		const onDisk = JSON.parse(
			await readFile(path.join(services.config.dataDir, 'presets.json'), 'utf8')
		);
		expect(onDisk[0].name).toBe('Code review');
	});

	it('snapshots a model change that was still being saved', async () => {
		const { services } = presetServices();
		const save = call(services, modelRoute.PUT, { body: { model_id: 'deepseek/deepseek-r1' } });
		const snapshot = create(services, { name: 'Reasoning' });
		await save;
		expect((await snapshot).body.model_id).toBe('deepseek/deepseek-r1');
	});

	it('answers 409 for a name that exists, ignoring case', async () => {
		const { services } = presetServices();
		await create(services, { name: 'Writing' });
		const { status, body } = await create(services, { name: 'writing' });
		expect(status).toBe(409);
		expect(body.error).toEqual({
			code: 'preset_exists',
			message: 'A preset named "Writing" already exists.'
		});
	});

	it.each([
		['..', /only dots/],
		['a/b', /slashes/],
		['..\\secrets', /slashes/],
		['tab\there', /control characters/],
		['x'.repeat(81), /longer than 80/],
		['   ', /must not be empty/],
		['import', /reserved/],
		['lone \ud800 surrogate', /well-formed/]
	])('rejects the name %j', async (name, message) => {
		const { services } = presetServices();
		const created = await create(services, { name });
		expect(created.status).toBe(400);
		expect(created.body.error.message).toMatch(message);
		const read = await call(services, itemRoute.GET, { params: { name } });
		expect(read.status).toBe(400);
		expect(read.body.error.code).toBe('invalid_preset_name');
	});

	it.each([
		[{}, /name/],
		[{ name: 5 }, /name/],
		[{ name: 'ok', description: ['x'] }, /description/],
		[{ name: 'ok', model_id: 'openai/gpt-4' }, /model_id/]
	])('rejects POST %j', async (payload, message) => {
		const { services } = presetServices();
		const { status, body } = await create(services, payload);
		expect(status).toBe(400);
		expect(body.error.message).toMatch(message);
	});

	it('rejects invalid JSON', async () => {
		const { services } = presetServices();
		expect(
			(await call(services, listRoute.POST, { method: 'POST', raw: 'name=x' })).body.error.code
		).toBe('invalid_json');
		expect(
			(await call(services, itemRoute.PUT, { params: { name: 'x' }, raw: '{' })).body.error.code
		).toBe('invalid_json');
	});

	it('answers 404 for a missing preset on every verb', async () => {
		const { services } = presetServices();
		const params = { name: 'Nope' };
		for (const [handler, options] of [
			[itemRoute.GET, { params }],
			[itemRoute.PUT, { params, body: { description: 'x' } }],
			[itemRoute.DELETE, { method: 'DELETE', params }],
			[applyRoute.POST, { method: 'POST', params }]
		] as const) {
			const { status, body } = await call(services, handler, options);
			expect(status).toBe(404);
			expect(body.error).toEqual({ code: 'preset_not_found', message: 'No preset named "Nope".' });
		}
	});

	it('edits the given fields, renames, and refuses a rename onto another preset', async () => {
		const { services } = presetServices();
		await create(services, { name: 'A' });
		await create(services, { name: 'B' });
		const edited = await call(services, itemRoute.PUT, {
			params: { name: 'A' },
			body: {
				name: 'Alpha',
				description: 'first',
				parameter_overrides: { max_tokens: 100 },
				system_prompt: null
			}
		});
		expect(edited.status).toBe(200);
		expect(edited.body).toMatchObject({
			name: 'Alpha',
			description: 'first',
			parameter_overrides: { max_tokens: 100 },
			model_id: 'openai/gpt-4o',
			system_prompt: null
		});
		expect((await call(services, itemRoute.GET, { params: { name: 'A' } })).status).toBe(404);
		expect(
			(await call(services, itemRoute.PUT, { params: { name: 'Alpha' }, body: { name: 'b' } }))
				.status
		).toBe(409);
		const bad = await call(services, itemRoute.PUT, {
			params: { name: 'Alpha' },
			body: { parameter_overrides: { temperature: 3 } }
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error.message).toMatch(/temperature/);
		const unknown = await call(services, itemRoute.PUT, {
			params: { name: 'Alpha' },
			body: { created_at: 'yesterday' }
		});
		expect(unknown.status).toBe(400);
	});

	it('checks MCP server configs in an edit, naming the bad field', async () => {
		const { services } = presetServices();
		await create(services, { name: 'Tools' });
		const bad = await call(services, itemRoute.PUT, {
			params: { name: 'Tools' },
			body: { mcp_servers: [{ id: 'web', transport: 'http' }] }
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error.message).toMatch(/mcp_servers\.0\.url: required for the http transport/);
		const dup = await call(services, itemRoute.PUT, {
			params: { name: 'Tools' },
			body: { mcp_servers: [calculator, calculator] }
		});
		expect(dup.status).toBe(400);
	});

	it('deletes a preset', async () => {
		const { services } = presetServices();
		await create(services, { name: 'Gone soon' });
		expect(
			(await call(services, itemRoute.DELETE, { method: 'DELETE', params: { name: 'Gone soon' } }))
				.status
		).toBe(204);
		expect((await call(services, listRoute.GET)).body.presets).toEqual([]);
	});

	it('applies a preset: model settings, prompt and MCP servers come back, and says what changed', async () => {
		const { services, mcp } = presetServices();
		await call(services, modelRoute.PUT, {
			body: { model_id: 'anthropic/claude-sonnet-4', parameter_overrides: { temperature: 0.1 } }
		});
		await call(services, promptRoute.PUT, { body: { system_prompt: 'Pirate voice.' } });
		await create(services, { name: 'Pirate' });

		await call(services, modelRoute.PUT, {
			body: { model_id: 'openai/gpt-4', parameter_overrides: {} }
		});
		await call(services, promptRoute.PUT, { body: { system_prompt: 'Plain voice.' } });
		await mcp.replaceConfigs([{ ...calculator, enabled: false }]);

		const { status, body } = await call(services, applyRoute.POST, {
			method: 'POST',
			params: { name: 'Pirate' }
		});
		expect(status).toBe(200);
		expect(body.model_settings).toEqual({
			model_id: 'anthropic/claude-sonnet-4',
			provider_overrides: {},
			parameter_overrides: { temperature: 0.1 },
			source: 'settings_file'
		});
		expect(body.system_prompt).toBe('Pirate voice.');
		expect(body.changed).toEqual(['model', 'parameter_overrides', 'system_prompt', 'mcp_servers']);
		expect(mcp.configs).toEqual([calculator, housekeeping]);
		expect(body.mcp_servers).toHaveLength(2);

		expect((await services.settings.current()).modelId).toBe('anthropic/claude-sonnet-4');
		expect((await call(services, promptRoute.GET)).body.system_prompt).toBe('Pirate voice.');
		const again = await call(services, applyRoute.POST, {
			method: 'POST',
			params: { name: 'Pirate' }
		});
		expect(again.body.changed).toEqual([]);
	});

	it('leaves the model settings alone when the MCP service rejects the preset servers', async () => {
		const { services, mcp } = presetServices();
		await create(services, { name: 'Broken' });
		await call(services, itemRoute.PUT, {
			params: { name: 'Broken' },
			body: {
				model_id: 'deepseek/deepseek-r1',
				mcp_servers: [{ id: 'refused', transport: 'builtin' }]
			}
		});
		const { status } = await call(services, applyRoute.POST, {
			method: 'POST',
			params: { name: 'Broken' }
		});
		expect(status).toBe(400);
		expect((await call(services, modelRoute.GET)).body.model_id).toBe('openai/gpt-4o');
		expect(mcp.pushes).toBe(0);
	});

	it('hides MCP env and header values from the browser but keeps and applies the real ones', async () => {
		const github: Config = {
			id: 'github',
			enabled: true,
			transport: 'http',
			url: 'https://mcp.example.test/mcp',
			headers: { Authorization: 'Bearer ghp_real_token' }
		};
		const { services, mcp } = presetServices(fakeMcp([calculator, github]));
		const created = await create(services, { name: 'With token' });
		expect(created.body.mcp_servers[1].headers).toEqual({ Authorization: MCP_HIDDEN_VALUE });
		const listed = await call(services, listRoute.GET);
		expect(JSON.stringify(listed.body)).not.toContain('ghp_real_token');
		const read = await call(services, itemRoute.GET, { params: { name: 'With token' } });
		expect(JSON.stringify(read.body)).not.toContain('ghp_real_token');

		// Sending the hidden marker back keeps the saved value.
		const edited = await call(services, itemRoute.PUT, {
			params: { name: 'With token' },
			body: { mcp_servers: [read.body.mcp_servers[1]] }
		});
		expect(edited.status).toBe(200);
		const exported = await call(services, exportRoute.GET, {
			path: '/api/presets/export?include_secrets=true'
		});
		expect(exported.body.presets[0].mcp_servers).toEqual([github]);

		await mcp.replaceConfigs([calculator]);
		await call(services, applyRoute.POST, { method: 'POST', params: { name: 'With token' } });
		expect(mcp.configs).toEqual([github]);

		const unknown = await call(services, itemRoute.PUT, {
			params: { name: 'With token' },
			body: { mcp_servers: [{ ...github, id: 'other', headers: { 'X-Key': MCP_HIDDEN_VALUE } }] }
		});
		expect(unknown.status).toBe(400);
		expect(unknown.body.error.message).toMatch(
			/^mcp_servers\.0\.headers\.X-Key: the value is hidden/
		);
	});

	it('checks a hand-edited preset before touching the MCP servers', async () => {
		const { services, mcp } = presetServices();
		await create(services, { name: 'Hand edited' });
		const file = path.join(services.config.dataDir, 'presets.json');
		const presets = JSON.parse(await readFile(file, 'utf8'));
		presets[0].model_id = 'not a model id';
		presets[0].mcp_servers = [{ ...calculator, enabled: false }];
		await writeFile(file, JSON.stringify(presets));

		const { status, body } = await call(services, applyRoute.POST, {
			method: 'POST',
			params: { name: 'Hand edited' }
		});
		expect(status).toBe(400);
		expect(body.error.code).toBe('invalid_preset');
		expect(body.error.message).toMatch(
			/"Hand edited" cannot be applied: model_id: is not a model id/
		);
		expect(mcp.pushes).toBe(0);
		expect(mcp.configs).toEqual([calculator, housekeeping]);
	});

	it('puts the MCP servers back when saving the model settings fails', async () => {
		const mcp = fakeMcp([calculator, housekeeping]);
		const base = settingsServices({ OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o' });
		class FullDisk extends ModelSettingsService {
			override async replace(): Promise<void> {
				throw new Error('ENOSPC: no space left on device');
			}
		}
		const modelSettings = new FullDisk({ dataDir: base.config.dataDir, env: {} });
		const presets = new PresetService({ dataDir: base.config.dataDir, modelSettings, mcp });
		const services: Services = { ...base, modelSettings, presets };
		await create(services, { name: 'Fewer tools' });
		await call(services, itemRoute.PUT, {
			params: { name: 'Fewer tools' },
			body: { model_id: 'deepseek/deepseek-r1', mcp_servers: [calculator] }
		});

		const { status, body } = await call(services, applyRoute.POST, {
			method: 'POST',
			params: { name: 'Fewer tools' }
		});
		expect(status).toBe(500);
		expect(body.error.code).toBe('internal_error');
		expect(mcp.configs).toEqual([calculator, housekeeping]);
		expect((await call(services, modelRoute.GET)).body.model_id).not.toBe('deepseek/deepseek-r1');
	});

	it('applies two presets asked for at once one after the other, never mixing them', async () => {
		const { services, mcp } = presetServices();
		await create(services, { name: 'One' });
		await create(services, { name: 'Two' });
		await call(services, itemRoute.PUT, {
			params: { name: 'One' },
			body: { model_id: 'deepseek/deepseek-r1', mcp_servers: [calculator] }
		});
		await call(services, itemRoute.PUT, {
			params: { name: 'Two' },
			body: { model_id: 'anthropic/claude-sonnet-4', mcp_servers: [housekeeping] }
		});
		const [one, two] = await Promise.all([
			call(services, applyRoute.POST, { method: 'POST', params: { name: 'One' } }),
			call(services, applyRoute.POST, { method: 'POST', params: { name: 'Two' } })
		]);
		expect([one.status, two.status]).toEqual([200, 200]);
		expect((await call(services, modelRoute.GET)).body.model_id).toBe('anthropic/claude-sonnet-4');
		expect(mcp.configs).toEqual([housekeeping]);
	});

	it('without an MCP service, snapshots no servers and applies the model settings only', async () => {
		const base = settingsServices();
		const services: Services = {
			...base,
			presets: new PresetService({
				dataDir: base.config.dataDir,
				modelSettings: base.modelSettings,
				mcp: null
			})
		};
		const created = await create(services, { name: 'Solo' });
		expect(created.body.mcp_servers).toBeNull();
		const applied = await call(services, applyRoute.POST, {
			method: 'POST',
			params: { name: 'Solo' }
		});
		expect(applied.status).toBe(200);
		expect(applied.body).toMatchObject({
			model_settings: { model_id: 'openai/gpt-4', source: 'settings_file' },
			mcp_servers: null
		});
	});

	it('exports all presets and imports them elsewhere, skipping or replacing existing names', async () => {
		const { services: from } = presetServices();
		await call(from, modelRoute.PUT, { body: { model_id: 'deepseek/deepseek-r1' } });
		await create(from, { name: 'One' });
		await create(from, { name: 'Two', description: 'second' });
		const exported = await call(from, exportRoute.GET);
		expect(exported.status).toBe(200);
		expect(exported.headers.get('content-disposition')).toMatch(
			/attachment; filename="switchboard-presets-\d{4}-\d{2}-\d{2}\.json"/
		);
		expect(exported.body).toMatchObject({
			format: 'switchboard.presets',
			version: 1,
			presets: [{ name: 'One' }, { name: 'Two' }]
		});

		const { services: to } = presetServices();
		await create(to, { name: 'one', description: 'mine' });
		const skipped = await call(to, importRoute.POST, { method: 'POST', body: exported.body });
		expect(skipped.status).toBe(200);
		expect(skipped.body).toMatchObject({ imported: ['Two'], replaced: [], skipped: ['One'] });
		expect(skipped.body.presets.find((p: { name: string }) => p.name === 'Two')).toMatchObject({
			model_id: 'deepseek/deepseek-r1',
			description: 'second'
		});

		const replaced = await call(to, importRoute.POST, {
			method: 'POST',
			body: { ...exported.body, on_conflict: 'replace' }
		});
		expect(replaced.body).toMatchObject({ imported: [], replaced: ['One', 'Two'], skipped: [] });
		expect(replaced.body.presets.map((p: { name: string }) => p.name)).toEqual(['One', 'Two']);
	});

	it.each([
		[{ presets: [{ name: '../x', model_id: 'openai/gpt-4' }] }, /presets\.0\.name/],
		[{ presets: [{ name: 'ok' }] }, /presets\.0\.model_id/],
		[
			{
				presets: [
					{ name: 'ok', model_id: 'openai/gpt-4', parameter_overrides: { temperature: -1 } }
				]
			},
			/temperature/
		],
		[{ presets: 'all' }, /presets/],
		[{ format: 'other', presets: [] }, /format/]
	])('rejects an import of %j without changing anything', async (payload, message) => {
		const { services } = presetServices();
		const { status, body } = await call(services, importRoute.POST, {
			method: 'POST',
			body: payload
		});
		expect(status).toBe(400);
		expect(body.error.message).toMatch(message);
		expect((await call(services, listRoute.GET)).body.presets).toEqual([]);
	});

	it('with the real MCP service, applying puts back the server list the preset holds', async () => {
		const services = settingsServices();
		const original = await services.mcp.listConfigs();
		const created = await create(services, { name: 'All tools' });
		expect(created.body.mcp_servers).toEqual(original);

		await services.mcp.replaceConfigs(original.map((server) => ({ ...server, enabled: false })));
		const { status, body } = await call(services, applyRoute.POST, {
			method: 'POST',
			params: { name: 'All tools' }
		});
		expect(status).toBe(200);
		expect(body.changed).toContain('mcp_servers');
		expect(await services.mcp.listConfigs()).toEqual(original);
		expect(body.mcp_servers.map((server: { id: string }) => server.id)).toEqual(
			original.map((server) => server.id)
		);
	});

	it('exports MCP env and header values as markers unless asked for them; a re-import here keeps them', async () => {
		const github: Config = {
			id: 'github',
			enabled: true,
			transport: 'http',
			url: 'https://mcp.example.test/mcp',
			headers: { Authorization: 'Bearer ghp_real_token' }
		};
		const { services } = presetServices(fakeMcp([github]));
		await create(services, { name: 'With token' });

		const hidden = await call(services, exportRoute.GET);
		expect(hidden.status).toBe(200);
		expect(hidden.headers.get('cache-control')).toBe('no-store');
		expect(JSON.stringify(hidden.body)).not.toContain('ghp_real_token');
		expect(hidden.body.presets[0].mcp_servers[0].headers).toEqual({
			Authorization: MCP_HIDDEN_VALUE
		});
		const withSecrets = await call(services, exportRoute.GET, {
			path: '/api/presets/export?include_secrets=true'
		});
		expect(withSecrets.body.presets[0].mcp_servers).toEqual([github]);
		const bad = await call(services, exportRoute.GET, {
			path: '/api/presets/export?include_secrets=yes'
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error.message).toMatch(/^include_secrets: /);

		const back = await call(services, importRoute.POST, {
			method: 'POST',
			body: { ...hidden.body, on_conflict: 'replace' }
		});
		expect(back.status).toBe(200);
		const exportedAgain = await call(services, exportRoute.GET, {
			path: '/api/presets/export?include_secrets=true'
		});
		expect(exportedAgain.body.presets[0].mcp_servers).toEqual([github]);

		const { services: elsewhere } = presetServices();
		const refused = await call(elsewhere, importRoute.POST, { method: 'POST', body: hidden.body });
		expect(refused.status).toBe(400);
		expect(refused.body.error.message).toMatch(
			/^presets\.0\.mcp_servers\.0\.headers\.Authorization: the value is hidden/
		);
	});

	it('refuses a hidden value in an edit that points the server elsewhere', async () => {
		const github: Config = {
			id: 'github',
			enabled: true,
			transport: 'http',
			url: 'https://mcp.example.test/mcp',
			headers: { Authorization: 'Bearer ghp_real_token' }
		};
		const { services } = presetServices(fakeMcp([github]));
		const created = await create(services, { name: 'With token' });
		const moved = await call(services, itemRoute.PUT, {
			params: { name: 'With token' },
			body: {
				mcp_servers: [{ ...created.body.mcp_servers[0], url: 'https://collector.evil.test/mcp' }]
			}
		});
		expect(moved.status).toBe(400);
		expect(moved.body.error.message).toMatch(
			/^mcp_servers\.0\.headers\.Authorization: re-enter the value: the server's command\/URL changed \(URL\)/
		);
		const exported = await call(services, exportRoute.GET, {
			path: '/api/presets/export?include_secrets=true'
		});
		expect(exported.body.presets[0].mcp_servers).toEqual([github]);
	});

	it('applying a preset without MCP servers answers the servers in use with their values hidden', async () => {
		const github: Config = {
			id: 'github',
			enabled: true,
			transport: 'http',
			url: 'https://mcp.example.test/mcp',
			headers: { Authorization: 'Bearer ghp_real_token' }
		};
		const { services, mcp } = presetServices(fakeMcp([github]));
		await call(services, importRoute.POST, {
			method: 'POST',
			body: { presets: [{ name: 'Model only', model_id: 'deepseek/deepseek-r1' }] }
		});
		const applied = await call(services, applyRoute.POST, {
			method: 'POST',
			params: { name: 'Model only' }
		});
		expect(applied.status).toBe(200);
		expect(JSON.stringify(applied.body)).not.toContain('ghp_real_token');
		expect(applied.body.mcp_servers).toEqual([
			{ ...github, headers: { Authorization: MCP_HIDDEN_VALUE } }
		]);
		expect(mcp.pushes).toBe(0);
	});

	describe('model ids', () => {
		const known = catalogue(['openai/gpt-4o', 'deepseek/deepseek-r1']);

		it.each([
			['a path', '../x', 'invalid_request'],
			['a space', 'a b/c', 'invalid_request'],
			['a NUL', 'x/y\u0000', 'invalid_request'],
			['10 kB', `a/${'b'.repeat(10_000)}`, 'invalid_request'],
			['no vendor', 'gpt-4o', 'invalid_request'],
			['an id the catalogue does not list', 'evil/model', 'unknown_model']
		])('refuses %s in an edit and in an import', async (_what, id, code) => {
			const { services } = presetServices(undefined, known);
			await create(services, { name: 'P' });
			const edited = await call(services, itemRoute.PUT, {
				params: { name: 'P' },
				body: { model_id: id }
			});
			expect([edited.status, edited.body.error.code]).toEqual([400, code]);
			expect(edited.body.error.message).toMatch(/^model_id: /);
			const imported = await call(services, importRoute.POST, {
				method: 'POST',
				body: { presets: [{ name: 'Q', model_id: id }] }
			});
			expect([imported.status, imported.body.error.code]).toEqual([400, code]);
			expect(imported.body.error.message).toMatch(/^presets\.0\.model_id: /);
			if (code === 'unknown_model') expect(imported.body.error.message).toContain(`"${id}"`);
			expect((await call(services, listRoute.GET)).body.presets.map((p: Preset) => p.name)).toEqual(
				['P']
			);
		});

		it('takes known ids and the demo model; without a catalogue any well-formed id', async () => {
			const { services } = presetServices(undefined, known);
			await create(services, { name: 'P' });
			for (const id of ['deepseek/deepseek-r1', 'switchboard/demo']) {
				const edited = await call(services, itemRoute.PUT, {
					params: { name: 'P' },
					body: { model_id: id }
				});
				expect(edited.status).toBe(200);
			}
			const { services: unknown } = presetServices(undefined, catalogue());
			const imported = await call(unknown, importRoute.POST, {
				method: 'POST',
				body: { presets: [{ name: 'Q', model_id: 'someone/new-model:free' }] }
			});
			expect(imported.status).toBe(200);
		});

		it('refuses to snapshot or apply a model the catalogue no longer lists', async () => {
			const ids = ['openai/gpt-4o', 'deepseek/deepseek-r1'];
			const { services } = presetServices(undefined, { knownIds: () => new Set(ids) });
			await create(services, { name: 'Old' });
			ids.shift(); // openai/gpt-4o (the model in use) left the catalogue
			const applied = await call(services, applyRoute.POST, {
				method: 'POST',
				params: { name: 'Old' }
			});
			expect(applied.status).toBe(400);
			expect(applied.body.error.code).toBe('unknown_model');
			expect(applied.body.error.message).toContain('"openai/gpt-4o"');
			const created = await create(services, { name: 'New' });
			expect([created.status, created.body.error.code]).toEqual([400, 'unknown_model']);
		});
	});
});
