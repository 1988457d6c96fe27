import {
	applyPresetResponse,
	importPresetsResponse,
	preset,
	presetExport,
	presetList,
	type ApplyPresetResponse,
	type CreatePresetRequest,
	type ImportPresetsResponse,
	type Preset,
	type PresetChange,
	type PresetExport,
	type UpdatePresetRequest
} from '$lib/api';
import { api } from '$lib/api/client';
import type { ModelSettingsState } from './model-settings.svelte';
import type { WebSearchToggle } from './web-search.svelte';

const CHANGE_LABELS: Record<PresetChange, string> = {
	model: 'model',
	system_prompt: 'system prompt',
	parameter_overrides: 'parameters',
	provider_overrides: 'provider routing',
	mcp_servers: 'MCP servers'
};

/** A sentence for the notice after applying a preset. */
export function describeApply(name: string, result: ApplyPresetResponse): string {
	if (!result.changed.length) return `“${name}” is already the setup in use; nothing changed.`;
	const parts = result.changed.map((change) =>
		change === 'model' ? `model → ${result.model_settings.model_id}` : CHANGE_LABELS[change]
	);
	return `Applied “${name}”: ${parts.join(', ')}.`;
}

const path = (name: string) => `/api/presets/${encodeURIComponent(name)}`;

/** Saved presets; snapshots wait for model settings still being saved. */
export class PresetsState {
	#presets = $state.raw<Preset[]>([]);
	#loaded = $state(false);
	#error = $state<string | null>(null);
	readonly #settings: ModelSettingsState;
	readonly #fetch: typeof fetch;
	/** The open chat's Web search toggle: saved in a new preset, set by applying one. */
	readonly #webSearch: (() => WebSearchToggle) | undefined;

	constructor(
		settings: ModelSettingsState,
		fetcher: typeof fetch = (...args) => fetch(...args),
		webSearch?: () => WebSearchToggle
	) {
		this.#settings = settings;
		this.#fetch = fetcher;
		this.#webSearch = webSearch;
	}

	get presets() {
		return this.#presets;
	}
	get loaded() {
		return this.#loaded;
	}
	get error() {
		return this.#error;
	}

	async load(): Promise<void> {
		try {
			this.#presets = (await api('/api/presets', presetList, { fetch: this.#fetch })).presets;
			this.#error = null;
			this.#loaded = true;
		} catch (error) {
			this.#error = (error as Error).message;
		}
	}

	/** Saves the current setup under `name`, after any model change still on its way. */
	async create(name: string, description: string): Promise<Preset> {
		await this.#settings.settled();
		const created = await api('/api/presets', preset, {
			method: 'POST',
			json: { name, description, web_search: this.#webSearch?.().on } satisfies CreatePresetRequest,
			fetch: this.#fetch
		});
		this.#presets = [...this.#presets, created].sort((a, b) => a.name.localeCompare(b.name));
		return created;
	}

	async update(name: string, patch: UpdatePresetRequest): Promise<Preset> {
		const updated = await api(path(name), preset, {
			method: 'PUT',
			json: patch,
			fetch: this.#fetch
		});
		this.#presets = this.#presets
			.map((p) => (p.name === name ? updated : p))
			.sort((a, b) => a.name.localeCompare(b.name));
		return updated;
	}

	async remove(name: string): Promise<void> {
		await api(path(name), null, { method: 'DELETE', fetch: this.#fetch });
		this.#presets = this.#presets.filter((p) => p.name !== name);
	}

	/** Applies the preset on the server and updates the picker and prompt; returns the notice. */
	async apply(name: string): Promise<string> {
		await this.#settings.settled();
		const result = await api(`${path(name)}/apply`, applyPresetResponse, {
			method: 'POST',
			fetch: this.#fetch
		});
		this.#settings.applied(result.model_settings, result.system_prompt);
		if (result.web_search !== undefined) void this.#webSearch?.().set(result.web_search);
		return describeApply(name, result);
	}

	/** The export file; MCP env/header values come as `••••••••` unless `includeSecrets`. */
	async exportFile(includeSecrets = false): Promise<PresetExport> {
		const query = includeSecrets ? '?include_secrets=true' : '';
		return api(`/api/presets/export${query}`, presetExport, { fetch: this.#fetch });
	}

	async importFile(text: string, onConflict: 'skip' | 'replace'): Promise<ImportPresetsResponse> {
		let body: unknown;
		try {
			body = JSON.parse(text);
		} catch {
			throw new Error(
				'That file is not JSON. Pick a file exported from Switchboard’s presets screen.'
			);
		}
		const payload = Array.isArray(body) ? { presets: body } : body;
		const result = await api('/api/presets/import', importPresetsResponse, {
			method: 'POST',
			json: { ...(payload as object), on_conflict: onConflict },
			fetch: this.#fetch
		});
		this.#presets = result.presets;
		return result;
	}

	reset(): void {
		this.#presets = [];
		this.#loaded = false;
		this.#error = null;
	}
}
