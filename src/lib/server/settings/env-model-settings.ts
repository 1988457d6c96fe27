import { HARD_DEFAULT_MODEL, type Config } from '../config';
import type { ModelSettings, ModelSettingsSource } from './model-settings';

/** Model settings from the environment alone (used until a settings file exists). */
export function envModelSettings(config: Config): ModelSettingsSource {
	const settings: ModelSettings = {
		modelId: config.openrouter.defaultModel ?? HARD_DEFAULT_MODEL,
		providerOverrides: {},
		parameterOverrides: {},
		systemPrompt: config.openrouter.systemPrompt ?? null,
		source: config.openrouter.defaultModel ? 'env' : 'default'
	};
	return { current: async () => settings };
}
