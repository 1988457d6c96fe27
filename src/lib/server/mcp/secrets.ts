import { MCP_HIDDEN_VALUE, type McpServerConfig } from '$lib/api/mcp';
import { badRequest } from '../errors';

const SECRET_FIELDS = ['env', 'headers'] as const;

/** A config as the browser sees it: env and header values replaced by MCP_HIDDEN_VALUE. */
export function hideSecrets<T extends McpServerConfig>(config: T): T {
	const copy = { ...config };
	for (const field of SECRET_FIELDS) {
		const values = config[field];
		if (values)
			copy[field] = Object.fromEntries(Object.keys(values).map((key) => [key, MCP_HIDDEN_VALUE]));
	}
	return copy;
}

/**
 * Puts the saved values back where a PUT sent MCP_HIDDEN_VALUE (same server id, same name);
 * a hidden value with nothing saved behind it is a 400 naming the field, never stored as is.
 */
export function restoreSecrets(
	next: McpServerConfig[],
	saved: McpServerConfig[]
): McpServerConfig[] {
	const byId = new Map(saved.map((config) => [config.id, config]));
	return next.map((config, index) => {
		let copy = config;
		for (const field of SECRET_FIELDS) {
			const values = config[field];
			if (!values || !Object.values(values).includes(MCP_HIDDEN_VALUE)) continue;
			const previous = byId.get(config.id)?.[field] ?? {};
			const restored: Record<string, string> = {};
			for (const [key, value] of Object.entries(values)) {
				if (value !== MCP_HIDDEN_VALUE) restored[key] = value;
				else if (Object.hasOwn(previous, key)) restored[key] = previous[key];
				else
					throw badRequest(
						`${index}.${field}.${key}: the value is hidden and server "${config.id}" has no saved ${key} to keep; type the value`,
						'invalid_request'
					);
			}
			copy = { ...copy, [field]: restored };
		}
		return copy;
	});
}
