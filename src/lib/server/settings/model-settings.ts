import type { ActiveModelSource, ParameterOverrides, ProviderOverrides } from '$lib/api';

/** The model setup every chat request upstream carries (the wire's fields, in camelCase). */
export interface ModelSettings {
	modelId: string;
	providerOverrides: ProviderOverrides;
	parameterOverrides: ParameterOverrides;
	systemPrompt: string | null;
	source: ActiveModelSource;
}

export interface ModelSettingsSource {
	current(): Promise<ModelSettings>;
}
