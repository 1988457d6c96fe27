import path from 'node:path';
import { mcpServerConfigList, type McpServerConfig } from '$lib/api/mcp';
import { JsonStore } from '../settings/json-store';
import type { BuiltinRegistry } from './builtin/registry';

/** Built-in servers switched on when there is no `mcp_servers.json` yet. */
const DEFAULT_BUILTINS = ['calculator', 'housekeeping', 'google'];

export function defaultServers(builtins: BuiltinRegistry): McpServerConfig[] {
	return DEFAULT_BUILTINS.filter((id) => builtins.has(id)).map((id) => ({
		id,
		enabled: true,
		transport: 'builtin' as const
	}));
}

/** `DATA_DIR/mcp_servers.json`; 0600 because env and headers may hold tokens. */
export function createMcpConfigStore(
	dataDir: string,
	builtins: BuiltinRegistry
): JsonStore<McpServerConfig[]> {
	return new JsonStore<McpServerConfig[]>({
		file: path.join(dataDir, 'mcp_servers.json'),
		schema: mcpServerConfigList,
		defaults: () => defaultServers(builtins),
		mode: 0o600
	});
}
