/** The model setup every chat request upstream carries. */
export interface ModelSettings {
	modelId: string;
	providerOverrides: Record<string, unknown>;
	parameterOverrides: Record<string, unknown>;
	systemPrompt: string | null;
	source: 'settings_file' | 'env' | 'default';
}

export interface ModelSettingsSource {
	current(): Promise<ModelSettings>;
}
