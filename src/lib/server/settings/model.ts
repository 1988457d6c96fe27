import path from 'node:path';
import { z } from 'zod';
import {
	modelId,
	parameterOverrides,
	providerOverrides,
	systemPromptText,
	type ModelSettingsResponse,
	type ModelSettingsUpdate,
	type ParameterOverrides,
	type ProviderOverrides,
	type SystemPromptResponse
} from '$lib/api/settings';
import { HARD_DEFAULT_MODEL } from '../config';
import { DEMO_MODEL_ID } from '../openrouter/client';
import { badRequest } from '../errors';
import { JsonStore } from './json-store';
import type { ModelSettings, ModelSettingsSource } from './model-settings';

/**
 * `data/model_settings.json`. A missing `model_id` / `system_prompt` means "not chosen yet", so
 * the environment and then the built-in default apply; `system_prompt: ""` is a
 * deliberate "no system prompt".
 */
const fileSchema = z.object({
	model_id: modelId.nullable().optional(),
	provider_overrides: providerOverrides.default({}),
	parameter_overrides: parameterOverrides.default({}),
	system_prompt: systemPromptText.nullable().optional()
});
type SettingsFile = z.infer<typeof fileSchema>;

export interface ModelSettingsEnv {
	/** OPENROUTER_API_KEY: without it, the offline demo model is active until one is chosen. */
	apiKey?: string;
	/** OPENROUTER_DEFAULT_MODEL */
	defaultModel?: string;
	/** OPENROUTER_SYSTEM_PROMPT */
	systemPrompt?: string;
}

/** Everything a preset snapshots of the model setup, in the form it is stored. */
export interface ModelSetup {
	modelId: string;
	providerOverrides: ProviderOverrides;
	parameterOverrides: ParameterOverrides;
	systemPrompt: string | null;
}

function toFile(setup: ModelSetup): SettingsFile {
	return {
		model_id: setup.modelId,
		provider_overrides: setup.providerOverrides,
		parameter_overrides: setup.parameterOverrides,
		// The preset recorded "no prompt" as null; "" keeps it that way even if the env has one.
		system_prompt: setup.systemPrompt ?? ''
	};
}

export class ModelSettingsService implements ModelSettingsSource {
	readonly #store: JsonStore<SettingsFile>;
	readonly #env: ModelSettingsEnv;

	constructor({ dataDir, env }: { dataDir: string; env: ModelSettingsEnv }) {
		this.#env = env;
		this.#store = new JsonStore({
			file: path.join(dataDir, 'model_settings.json'),
			schema: fileSchema,
			defaults: () => ({ provider_overrides: {}, parameter_overrides: {} })
		});
	}

	/** What the next chat request upstream carries (read once per chat turn). */
	async current(): Promise<ModelSettings> {
		const file = await this.#store.read();
		const model = this.#resolveModel(file);
		return {
			modelId: model.model_id,
			providerOverrides: file.provider_overrides,
			parameterOverrides: file.parameter_overrides,
			systemPrompt: this.#resolvePrompt(file).system_prompt,
			source: model.source
		};
	}

	async model(): Promise<ModelSettingsResponse> {
		return this.#resolveModel(await this.#store.read());
	}

	async updateModel(patch: ModelSettingsUpdate): Promise<ModelSettingsResponse> {
		const file = await this.#store.update((current) => ({
			...current,
			...(patch.model_id !== undefined ? { model_id: patch.model_id } : {}),
			...(patch.provider_overrides ? { provider_overrides: patch.provider_overrides } : {}),
			...(patch.parameter_overrides ? { parameter_overrides: patch.parameter_overrides } : {})
		}));
		return this.#resolveModel(file);
	}

	async systemPrompt(): Promise<SystemPromptResponse> {
		return this.#resolvePrompt(await this.#store.read());
	}

	async setSystemPrompt(systemPrompt: string | null): Promise<SystemPromptResponse> {
		const file = await this.#store.update((current) => ({
			...current,
			system_prompt: systemPrompt
		}));
		return this.#resolvePrompt(file);
	}

	/** The setup in use, as a preset stores it. */
	async setup(): Promise<ModelSetup> {
		const current = await this.current();
		return {
			modelId: current.modelId,
			providerOverrides: current.providerOverrides as ProviderOverrides,
			parameterOverrides: current.parameterOverrides as ParameterOverrides,
			systemPrompt: current.systemPrompt
		};
	}

	/**
	 * Throws a 400 naming the field when `replace(setup)` would refuse it, so applying a preset
	 * can find out before it changes anything else.
	 */
	check(setup: ModelSetup): void {
		const parsed = fileSchema.safeParse(toFile(setup));
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			throw badRequest(`${issue.path.join('.')}: ${issue.message}`, 'invalid_settings');
		}
	}

	/** Replaces the whole setup in one write (applying a preset). */
	async replace(setup: ModelSetup): Promise<void> {
		await this.#store.write(toFile(setup));
	}

	#resolveModel(file: SettingsFile): ModelSettingsResponse {
		const [model_id, source] = file.model_id
			? [file.model_id, 'settings_file' as const]
			: !this.#env.apiKey
				? [DEMO_MODEL_ID, 'demo' as const]
				: this.#env.defaultModel
					? [this.#env.defaultModel, 'env' as const]
					: [HARD_DEFAULT_MODEL, 'default' as const];
		return {
			model_id,
			provider_overrides: file.provider_overrides,
			parameter_overrides: file.parameter_overrides,
			source
		};
	}

	#resolvePrompt(file: SettingsFile): SystemPromptResponse {
		if (typeof file.system_prompt === 'string') {
			return {
				system_prompt: file.system_prompt.trim() ? file.system_prompt : null,
				source: 'settings_file'
			};
		}
		if (this.#env.systemPrompt) return { system_prompt: this.#env.systemPrompt, source: 'env' };
		return { system_prompt: null, source: 'default' };
	}
}
