import { configOf, type McpServerConfig, type McpServerView, type Preset } from '$lib/api';

/**
 * What presets need from the MCP service: the server configs as persisted, and a way to replace
 * them all (which hot-reloads the aggregator). Kept this small so presets do not depend on the
 * aggregator's internals and tests can pass a fake.
 */
export interface McpConfigPort {
	listConfigs(): Promise<McpServerConfig[]>;
	/** Checks the list in full (400 naming the bad field), saves it, answers what GET shows. */
	replaceConfigs(configs: NonNullable<Preset['mcp_servers']>): Promise<McpServerView[]>;
}

/** The configs alone, should the service report them with their runtime status. */
export const configsOnly = (configs: (McpServerConfig | McpServerView)[]): McpServerConfig[] =>
	configs.map(configOf);
