import {
	modelSettingsResponse,
	systemPromptResponse,
	type ActiveModelSource,
	type ModelSettingsResponse,
	type ModelSettingsSourceName,
	type ModelSettingsUpdate,
	type ParameterOverrides,
	type ProviderOverrides,
	type SystemPromptResponse,
	type SystemPromptUpdate
} from '$lib/api';
import { api } from '$lib/api/client';

/**
 * The active model setup as the browser sees it. Every change is saved at once; saves run one
 * after another, and `settled()` lets a preset snapshot wait for them (the seed saved the wrong
 * model because it did not).
 */
export class ModelSettingsState {
	#modelId = $state('');
	#source = $state<ActiveModelSource>('default');
	#providerOverrides = $state.raw<ProviderOverrides>({});
	#parameterOverrides = $state.raw<ParameterOverrides>({});
	#systemPrompt = $state<string | null>(null);
	#systemPromptSource = $state<ModelSettingsSourceName>('default');
	#loaded = $state(false);
	#pending = $state(0);
	#modelError = $state<string | null>(null);
	/** What the server last confirmed, to roll back to. */
	#confirmedModelId = '';
	#queue: Promise<unknown> = Promise.resolve();
	#modelSaves = 0;
	#loading: Promise<void> | null = null;
	readonly #fetch: typeof fetch;

	constructor(fetcher: typeof fetch = (...args) => fetch(...args)) {
		this.#fetch = fetcher;
	}

	get modelId() {
		return this.#modelId;
	}
	get source() {
		return this.#source;
	}
	get providerOverrides() {
		return this.#providerOverrides;
	}
	get parameterOverrides() {
		return this.#parameterOverrides;
	}
	get systemPrompt() {
		return this.#systemPrompt;
	}
	get systemPromptSource() {
		return this.#systemPromptSource;
	}
	get loaded() {
		return this.#loaded;
	}
	/** A save is on its way to the server. */
	get saving() {
		return this.#pending > 0;
	}
	/** Why the last model choice did not stick (cleared by the next success). */
	get modelError() {
		return this.#modelError;
	}

	load(force = false): Promise<void> {
		if (this.#loaded && !force) return Promise.resolve();
		return (this.#loading ??= (async () => {
			try {
				const [model, prompt] = await Promise.all([
					api('/api/settings/model', modelSettingsResponse, { fetch: this.#fetch }),
					api('/api/settings/system-prompt', systemPromptResponse, { fetch: this.#fetch })
				]);
				this.#takeModel(model);
				this.#takePrompt(prompt);
				this.#loaded = true;
			} finally {
				this.#loading = null;
			}
		})());
	}

	/** Resolves once every save started so far has finished (successfully or not). */
	async settled(): Promise<void> {
		let seen: Promise<unknown>;
		do {
			seen = this.#queue;
			await seen.catch(() => {});
		} while (seen !== this.#queue);
	}

	/** Shows the choice at once and saves it; rolls back and reports when the save fails. */
	async selectModel(modelId: string): Promise<boolean> {
		if (modelId === this.#modelId && !this.#modelError) return true;
		this.#modelId = modelId;
		this.#modelError = null;
		try {
			await this.#save({ model_id: modelId });
			return true;
		} catch (error) {
			// A later choice may already be on its way; only undo our own.
			if (this.#modelId === modelId && this.#modelSaves === 0)
				this.#modelId = this.#confirmedModelId;
			this.#modelError = `Could not switch to ${modelId}: ${(error as Error).message}`;
			return false;
		}
	}

	/** Forgets the saved model, so OPENROUTER_DEFAULT_MODEL or the built-in default applies. */
	resetModel(): Promise<ModelSettingsResponse> {
		return this.#save({ model_id: null });
	}

	saveOverrides(
		patch: Pick<ModelSettingsUpdate, 'provider_overrides' | 'parameter_overrides'>
	): Promise<ModelSettingsResponse> {
		return this.#save(patch);
	}

	saveSystemPrompt(systemPrompt: string | null): Promise<SystemPromptResponse> {
		return this.#enqueue(async () => {
			const answer = await api('/api/settings/system-prompt', systemPromptResponse, {
				method: 'PUT',
				json: { system_prompt: systemPrompt } satisfies SystemPromptUpdate,
				fetch: this.#fetch
			});
			this.#takePrompt(answer);
			return answer;
		});
	}

	/** Takes what applying a preset produced (the server already saved it). */
	applied(model: ModelSettingsResponse, systemPrompt: string | null): void {
		this.#takeModel(model);
		this.#systemPrompt = systemPrompt;
		this.#systemPromptSource = 'settings_file';
		this.#modelError = null;
	}

	#save(patch: ModelSettingsUpdate): Promise<ModelSettingsResponse> {
		const choosesModel = patch.model_id !== undefined;
		if (choosesModel) this.#modelSaves++;
		return this.#enqueue(async () => {
			try {
				const answer = await api('/api/settings/model', modelSettingsResponse, {
					method: 'PUT',
					json: patch,
					fetch: this.#fetch
				});
				if (choosesModel) this.#modelSaves--;
				this.#takeModel(answer);
				return answer;
			} catch (error) {
				if (choosesModel) this.#modelSaves--;
				throw error;
			}
		});
	}

	#enqueue<T>(save: () => Promise<T>): Promise<T> {
		this.#pending++;
		const run = this.#queue.catch(() => {}).then(save);
		this.#queue = run;
		return run.finally(() => this.#pending--);
	}

	#takeModel(answer: ModelSettingsResponse): void {
		this.#confirmedModelId = answer.model_id;
		// A model picked after this save was sent is still on its way: keep showing it.
		if (this.#modelSaves === 0) this.#modelId = answer.model_id;
		this.#source = answer.source;
		this.#providerOverrides = answer.provider_overrides;
		this.#parameterOverrides = answer.parameter_overrides;
	}

	#takePrompt(answer: SystemPromptResponse): void {
		this.#systemPrompt = answer.system_prompt;
		this.#systemPromptSource = answer.source;
	}

	reset(): void {
		this.#modelId = '';
		this.#confirmedModelId = '';
		this.#source = 'default';
		this.#providerOverrides = {};
		this.#parameterOverrides = {};
		this.#systemPrompt = null;
		this.#systemPromptSource = 'default';
		this.#loaded = false;
		this.#modelError = null;
	}
}
