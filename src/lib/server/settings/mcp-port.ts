/**
 * What presets need from the MCP service: the server configs as persisted, and a way to replace
 * them all (which hot-reloads the aggregator). Kept this small so presets do not depend on the
 * aggregator's internals and tests can pass a fake.
 */
export interface McpConfigPort {
	listConfigs(): Promise<unknown[]>;
	replaceConfigs(configs: unknown[]): Promise<unknown>;
}

/** Fields the MCP service reports at runtime that are not part of a server's configuration. */
const RUNTIME_FIELDS = ['status', 'error', 'tools'];

export type McpConfig = { id: string; [field: string]: unknown };

export function configsOnly(configs: unknown[]): McpConfig[] {
	return configs.map((config) => {
		const copy = { ...(config as McpConfig) };
		for (const field of RUNTIME_FIELDS) delete copy[field];
		return copy;
	});
}
