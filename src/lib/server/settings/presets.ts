import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
	preset as presetSchema,
	presetName,
	type ApplyPresetResponse,
	type CreatePresetRequest,
	type ImportPresetsRequest,
	type ImportPresetsResponse,
	type Preset,
	type PresetChange,
	type PresetExport,
	type UpdatePresetRequest
} from '$lib/api/presets';
import { badRequest, conflict, notFound } from '../errors';
import { JsonStore } from './json-store';
import { configsOnly, type McpConfigPort } from './mcp-port';
import type { ModelSettingsService } from './model';

export interface PresetServiceDeps {
	dataDir: string;
	modelSettings: ModelSettingsService;
	/** `null` until an MCP service exists: presets then neither capture nor push servers. */
	mcp: McpConfigPort | null;
	now?: () => Date;
}

/** Names arrive as URL path segments; a bad one is a 400 that says what is wrong with it. */
function checkName(name: string): string {
	const parsed = presetName.safeParse(name);
	if (!parsed.success)
		throw badRequest(`Preset name ${parsed.error.issues[0].message}.`, 'invalid_preset_name');
	return parsed.data;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Named snapshots of the model setup and MCP servers in `data/presets.json` (DESIGN §5). */
export class PresetService {
	readonly #store: JsonStore<Preset[]>;
	readonly #deps: PresetServiceDeps;

	constructor(deps: PresetServiceDeps) {
		this.#deps = deps;
		this.#store = new JsonStore({
			file: path.join(deps.dataDir, 'presets.json'),
			schema: z.array(presetSchema),
			defaults: () => []
		});
	}

	#now = () => (this.#deps.now?.() ?? new Date()).toISOString();

	async list(): Promise<Preset[]> {
		return (await this.#store.read()).sort((a, b) => a.name.localeCompare(b.name));
	}

	async get(name: string): Promise<Preset> {
		return this.#find(await this.#store.read(), checkName(name));
	}

	/** Snapshots the setup in use; waits for settings writes already under way (JsonStore order). */
	async create({ name, description = '' }: CreatePresetRequest): Promise<Preset> {
		const setup = await this.#deps.modelSettings.setup();
		const mcpServers = this.#deps.mcp ? configsOnly(await this.#deps.mcp.listConfigs()) : null;
		const now = this.#now();
		const created: Preset = {
			name,
			description,
			model_id: setup.modelId,
			provider_overrides: setup.providerOverrides,
			parameter_overrides: setup.parameterOverrides,
			system_prompt: setup.systemPrompt,
			mcp_servers: mcpServers,
			created_at: now,
			updated_at: now
		};
		await this.#store.update((presets) => {
			this.#assertFree(presets, name);
			return [...presets, created];
		});
		return created;
	}

	async update(name: string, patch: UpdatePresetRequest): Promise<Preset> {
		checkName(name);
		let updated: Preset | undefined;
		await this.#store.update((presets) => {
			const current = this.#find(presets, name);
			if (patch.name !== undefined && patch.name !== current.name) {
				this.#assertFree(
					presets.filter((p) => p !== current),
					patch.name
				);
			}
			const defined = Object.fromEntries(
				Object.entries(patch).filter(([, value]) => value !== undefined)
			);
			updated = { ...current, ...defined, updated_at: this.#now() };
			return presets.map((p) => (p === current ? updated! : p));
		});
		return updated!;
	}

	async delete(name: string): Promise<void> {
		checkName(name);
		await this.#store.update((presets) => {
			const current = this.#find(presets, name);
			return presets.filter((p) => p !== current);
		});
	}

	/**
	 * Makes the preset the setup in use. MCP servers go first: the MCP service is the one that may
	 * reject a config, and then the model settings stay as they were.
	 */
	async apply(name: string): Promise<ApplyPresetResponse> {
		const { modelSettings, mcp } = this.#deps;
		const preset = await this.get(name);
		const before = await modelSettings.setup();
		const mcpBefore = mcp && preset.mcp_servers ? configsOnly(await mcp.listConfigs()) : null;

		const mcpServers =
			mcp && preset.mcp_servers
				? await mcp.replaceConfigs(preset.mcp_servers)
				: mcp
					? await mcp.listConfigs()
					: null;
		await modelSettings.replace({
			modelId: preset.model_id,
			providerOverrides: preset.provider_overrides,
			parameterOverrides: preset.parameter_overrides,
			systemPrompt: preset.system_prompt
		});

		const changed: PresetChange[] = [];
		if (before.modelId !== preset.model_id) changed.push('model');
		if (!isDeepStrictEqual(before.providerOverrides, preset.provider_overrides))
			changed.push('provider_overrides');
		if (!isDeepStrictEqual(before.parameterOverrides, preset.parameter_overrides))
			changed.push('parameter_overrides');
		if (before.systemPrompt !== preset.system_prompt) changed.push('system_prompt');
		if (mcpBefore && !isDeepStrictEqual(mcpBefore, preset.mcp_servers)) changed.push('mcp_servers');

		const prompt = await modelSettings.systemPrompt();
		return {
			model_settings: await modelSettings.model(),
			system_prompt: prompt.system_prompt,
			mcp_servers: mcpServers,
			changed
		};
	}

	async export(): Promise<PresetExport> {
		return {
			format: 'switchboard.presets',
			version: 1,
			exported_at: this.#now(),
			presets: await this.list()
		};
	}

	async import({
		presets: incoming,
		on_conflict
	}: ImportPresetsRequest): Promise<ImportPresetsResponse> {
		const result: Omit<ImportPresetsResponse, 'presets'> = {
			imported: [],
			replaced: [],
			skipped: []
		};
		const now = this.#now();
		await this.#store.update((presets) => {
			let next = [...presets];
			for (const item of incoming) {
				const existing = next.find((p) => sameName(p.name, item.name));
				if (existing && on_conflict === 'skip') {
					result.skipped.push(item.name);
					continue;
				}
				const imported: Preset = {
					...item,
					created_at: existing?.created_at ?? item.created_at ?? now,
					updated_at: now
				};
				next = existing ? next.map((p) => (p === existing ? imported : p)) : [...next, imported];
				(existing ? result.replaced : result.imported).push(item.name);
			}
			return next;
		});
		return { ...result, presets: await this.list() };
	}

	#find(presets: Preset[], name: string): Preset {
		const found = presets.find((p) => p.name === name);
		if (!found) throw notFound(`No preset named "${name}".`, 'preset_not_found');
		return found;
	}

	#assertFree(presets: Preset[], name: string): void {
		const taken = presets.find((p) => sameName(p.name, name));
		if (taken) throw conflict(`A preset named "${taken.name}" already exists.`, 'preset_exists');
	}
}
