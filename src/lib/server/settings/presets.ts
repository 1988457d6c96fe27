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
import type { McpServerConfig } from '$lib/api/mcp';
import { AppError, badRequest, conflict, notFound } from '../errors';
import { hideSecrets, restoreSecrets } from '../mcp/secrets';
import { checkModelId, type KnownModels } from '../models/check';
import { JsonStore } from './json-store';
import { configsOnly, type McpConfigPort } from './mcp-port';
import type { ModelSettingsService, ModelSetup } from './model';

export interface PresetServiceDeps {
	dataDir: string;
	modelSettings: ModelSettingsService;
	/** `null` until an MCP service exists: presets then neither capture nor push servers. */
	mcp: McpConfigPort | null;
	/** The model catalogue: model ids it does not list are refused (none: any well-formed id). */
	models?: KnownModels;
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

/**
 * A preset as the browser sees it: MCP env and header values hidden, as GET /api/mcp/servers
 * does (they often hold tokens). Only an export asked for with its secrets carries the real values.
 */
function shown(preset: Preset): Preset {
	const servers = preset.mcp_servers as McpServerConfig[] | null;
	return { ...preset, mcp_servers: servers?.map((server) => hideSecrets(server)) ?? null };
}

/** Hidden values sent back in an edit or import keep what `saved` holds for that server. */
function keepSecrets(
	servers: McpServerConfig[],
	saved: Preset | undefined,
	field: string
): McpServerConfig[] {
	try {
		return restoreSecrets(servers, (saved?.mcp_servers ?? []) as McpServerConfig[]);
	} catch (error) {
		throw badRequest(`${field}.${(error as Error).message}`, 'invalid_request');
	}
}

/** Named snapshots of the model setup and MCP servers in `data/presets.json`. */
export class PresetService {
	readonly #store: JsonStore<Preset[]>;
	readonly #deps: PresetServiceDeps;
	#applying: Promise<unknown> = Promise.resolve();

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
		return (await this.#all()).map(shown);
	}

	async get(name: string): Promise<Preset> {
		return shown(this.#find(await this.#store.read(), checkName(name)));
	}

	async #all(): Promise<Preset[]> {
		return (await this.#store.read()).sort((a, b) => a.name.localeCompare(b.name));
	}

	/** Snapshots the setup in use; waits for settings writes already under way (JsonStore order). */
	async create({ name, description = '', web_search }: CreatePresetRequest): Promise<Preset> {
		const setup = await this.#deps.modelSettings.setup();
		checkModelId(setup.modelId, this.#deps.models, 'the model in use');
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
			...(web_search !== undefined ? { web_search } : {}),
			created_at: now,
			updated_at: now
		};
		await this.#store.update((presets) => {
			this.#assertFree(presets, name);
			return [...presets, created];
		});
		return shown(created);
	}

	async update(name: string, patch: UpdatePresetRequest): Promise<Preset> {
		checkName(name);
		if (patch.model_id !== undefined) checkModelId(patch.model_id, this.#deps.models);
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
			if (patch.mcp_servers)
				defined.mcp_servers = keepSecrets(patch.mcp_servers, current, 'mcp_servers');
			updated = { ...current, ...defined, updated_at: this.#now() };
			return presets.map((p) => (p === current ? updated! : p));
		});
		return shown(updated!);
	}

	async delete(name: string): Promise<void> {
		checkName(name);
		await this.#store.update((presets) => {
			const current = this.#find(presets, name);
			return presets.filter((p) => p !== current);
		});
	}

	/**
	 * Makes the preset the setup in use, all or nothing. The model setup is checked first; then
	 * the MCP servers go (the MCP service is the one that may still refuse a config), then the
	 * model settings. If that last write fails, the servers in use before are put back. Applies
	 * run one at a time, so two of them cannot interleave their halves.
	 */
	apply(name: string): Promise<ApplyPresetResponse> {
		const run = this.#applying.then(() => this.#apply(name));
		this.#applying = run.catch(() => {});
		return run;
	}

	async #apply(name: string): Promise<ApplyPresetResponse> {
		const { modelSettings, mcp } = this.#deps;
		const preset = this.#find(await this.#store.read(), checkName(name));
		const setup: ModelSetup = {
			modelId: preset.model_id,
			providerOverrides: preset.provider_overrides,
			parameterOverrides: preset.parameter_overrides,
			systemPrompt: preset.system_prompt
		};
		try {
			modelSettings.check(setup);
		} catch (error) {
			throw badRequest(
				`Preset "${preset.name}" cannot be applied: ${(error as Error).message}. Edit the preset and try again.`,
				'invalid_preset'
			);
		}
		try {
			checkModelId(preset.model_id, this.#deps.models);
		} catch (error) {
			throw badRequest(
				`Preset "${preset.name}" cannot be applied: ${(error as Error).message}. Edit the preset and try again.`,
				'unknown_model'
			);
		}
		const before = await modelSettings.setup();
		const pushServers = mcp && preset.mcp_servers ? preset.mcp_servers : null;
		const mcpBefore = mcp && pushServers ? configsOnly(await mcp.listConfigs()) : null;

		// Both answers go to the browser: the service's views hide env/header values; so must ours.
		const mcpServers = pushServers
			? await mcp!.replaceConfigs(pushServers)
			: mcp
				? configsOnly(await mcp.listConfigs()).map((server) => hideSecrets(server))
				: null;
		try {
			await modelSettings.replace(setup);
		} catch (error) {
			if (mcpBefore) await this.#restoreServers(preset.name, mcpBefore, error as Error);
			throw error;
		}

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
			web_search: preset.web_search ?? false,
			changed
		};
	}

	/** Undoes the MCP half of a failed apply; says so plainly if even that fails. */
	async #restoreServers(name: string, servers: McpServerConfig[], cause: Error): Promise<void> {
		try {
			await this.#deps.mcp!.replaceConfigs(servers);
		} catch (restoreError) {
			throw new AppError(
				500,
				'preset_apply_incomplete',
				`Applying "${name}" failed while saving the model settings (${cause.message}), and the MCP servers in use before could not be put back (${(restoreError as Error).message}). The MCP servers now match the preset; the model settings did not change.`
			);
		}
	}

	/**
	 * The export file. MCP env/header values are markers unless `includeSecrets`: importing such a
	 * file here again keeps the saved values, elsewhere it asks for them (400 naming the field).
	 */
	async export({ includeSecrets = false } = {}): Promise<PresetExport> {
		const presets = await this.#all();
		return {
			format: 'switchboard.presets',
			version: 1,
			exported_at: this.#now(),
			presets: includeSecrets ? presets : presets.map(shown)
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
			for (const [index, item] of incoming.entries()) {
				const existing = next.find((p) => sameName(p.name, item.name));
				if (existing && on_conflict === 'skip') {
					result.skipped.push(item.name);
					continue;
				}
				checkModelId(item.model_id, this.#deps.models, `presets.${index}.model_id`);
				const imported: Preset = {
					...item,
					mcp_servers: item.mcp_servers
						? keepSecrets(item.mcp_servers, existing, `presets.${index}.mcp_servers`)
						: null,
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
