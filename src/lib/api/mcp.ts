import { z } from 'zod';

/** Server ids become tool-name prefixes, so they keep to the characters a tool name allows. */
export const MCP_SERVER_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export const mcpTransport = z.enum(['builtin', 'stdio', 'http', 'sse']);
export type McpTransport = z.infer<typeof mcpTransport>;

export const mcpApproval = z.enum(['auto', 'ask', 'deny']);
export type McpApproval = z.infer<typeof mcpApproval>;

export const mcpServerStatus = z.enum([
	'connecting',
	'connected',
	'unavailable',
	'disabled',
	'needs_auth'
]);
export type McpServerStatus = z.infer<typeof mcpServerStatus>;

const httpUrl = z
	.string()
	.trim()
	.refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'expected an http(s) URL');

/**
 * What `GET /api/mcp/servers` shows instead of each env and header value (they often hold tokens).
 * Sent back by PUT, it means "keep the value saved under this server id and name".
 */
export const MCP_HIDDEN_VALUE = '••••••••';

const stringMap = z.record(z.string().min(1).max(200), z.string().max(10_000));

/** The fields of one server definition, the same on the wire and in `data/mcp_servers.json`. */
const mcpServerFields = {
	id: z.string().regex(MCP_SERVER_ID, 'use 1-64 letters, digits, "-" or "_"'),
	enabled: z.boolean().default(true),
	transport: mcpTransport,
	command: z.string().trim().min(1, 'must not be empty').max(1000).optional(),
	args: z.array(z.string().max(10_000)).max(100).optional(),
	env: stringMap.optional(),
	cwd: z.string().trim().min(1).max(1000).optional(),
	url: httpUrl.optional(),
	headers: stringMap.optional(),
	disabled_tools: z.array(z.string().min(1).max(200)).max(1000).optional(),
	approval: mcpApproval.optional(),
	/** What a server's `sampling/createMessage` gets: asked of the person (default), run, or refused. */
	sampling: mcpApproval.optional()
};

export const mcpServerConfig = z.object(mcpServerFields).superRefine((server, ctx) => {
	if (server.transport === 'stdio' && !server.command) {
		ctx.addIssue({
			code: 'custom',
			path: ['command'],
			message: `required for the stdio transport (server "${server.id}")`
		});
	}
	if ((server.transport === 'http' || server.transport === 'sse') && !server.url) {
		ctx.addIssue({
			code: 'custom',
			path: ['url'],
			message: `required for the ${server.transport} transport (server "${server.id}")`
		});
	}
});
export type McpServerConfig = z.infer<typeof mcpServerConfig>;

/** The body of `PUT /api/mcp/servers`: the full list; ids must be unique. */
export const mcpServerConfigList = z
	.array(mcpServerConfig)
	.max(100, 'at most 100 servers')
	.superRefine((servers, ctx) => {
		const seen = new Set<string>();
		servers.forEach((server, index) => {
			if (seen.has(server.id))
				ctx.addIssue({
					code: 'custom',
					path: [index, 'id'],
					message: `"${server.id}" is used by another server`
				});
			seen.add(server.id);
		});
	});

export const mcpToolView = z.object({
	/** The name the model sees, `{server_id}__{tool}` sanitized. */
	name: z.string(),
	original_name: z.string(),
	description: z.string()
});
export type McpToolView = z.infer<typeof mcpToolView>;

/** What the MCP service reports about a server while it runs, besides its configuration. */
export const mcpServerRuntime = z.object({
	status: mcpServerStatus,
	error: z.string().nullable(),
	tools: z.array(mcpToolView),
	/** How many tools, prompts, resources and resource templates the connected server offers. */
	counts: z.object({
		tools: z.number(),
		prompts: z.number(),
		resources: z.number(),
		templates: z.number()
	}),
	/** The capabilities it declared in `initialize` (`tools`, `resources.subscribe`, ...). */
	capabilities: z.array(z.string()),
	/** A remote server: OAuth tokens are stored for it (Disconnect deletes them). */
	signed_in: z.boolean().optional()
});

export const mcpServerView = z.object({ ...mcpServerFields, ...mcpServerRuntime.shape });
export type McpServerView = z.infer<typeof mcpServerView>;

const RUNTIME_FIELDS = Object.keys(mcpServerRuntime.shape);

/** A server's configuration without its runtime report: what PUT takes back, what presets keep. */
export function configOf(server: McpServerConfig | McpServerView): McpServerConfig {
	const config: Record<string, unknown> = { ...server };
	for (const field of RUNTIME_FIELDS) delete config[field];
	return config as McpServerConfig;
}

/** `GET|PUT /api/mcp/servers` and `POST /api/mcp/servers/refresh` answer this. */
export const mcpServersResponse = z.array(mcpServerView);
