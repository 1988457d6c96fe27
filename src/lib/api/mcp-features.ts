import { z } from 'zod';
import { MCP_SERVER_ID } from './mcp';

/** One argument of an MCP prompt (values are strings, as the protocol has them). */
export const mcpPromptArgument = z.object({
	name: z.string(),
	description: z.string().nullable(),
	required: z.boolean()
});

export const mcpPrompt = z.object({
	/** `{server_id}__{prompt}`, unique over all servers. */
	name: z.string(),
	server_id: z.string(),
	original_name: z.string(),
	description: z.string().nullable(),
	arguments: z.array(mcpPromptArgument)
});
export type McpPrompt = z.infer<typeof mcpPrompt>;

/** `GET /api/mcp/prompts`. */
export const mcpPromptList = z.object({ prompts: z.array(mcpPrompt) });

/** `POST /api/mcp/prompts/get`. */
export const mcpPromptGetRequest = z.object({
	name: z.string().min(1).max(200),
	arguments: z.record(z.string().max(200), z.string().max(100_000)).optional()
});
export type McpPromptGetRequest = z.infer<typeof mcpPromptGetRequest>;

export const promptMessage = z.object({
	role: z.enum(['user', 'assistant']),
	text: z.string()
});
export type PromptMessage = z.infer<typeof promptMessage>;

export const mcpPromptResult = z.object({
	description: z.string().nullable(),
	messages: z.array(promptMessage)
});
export type McpPromptResult = z.infer<typeof mcpPromptResult>;

export const mcpResource = z.object({
	server_id: z.string(),
	uri: z.string(),
	name: z.string(),
	description: z.string().nullable(),
	mime_type: z.string().nullable(),
	/** Switchboard watches it (it was read once and the server supports subscriptions). */
	subscribed: z.boolean(),
	/** The server said it changed since it was last read. */
	updated: z.boolean()
});
export type McpResource = z.infer<typeof mcpResource>;

export const mcpResourceTemplate = z.object({
	server_id: z.string(),
	uri_template: z.string(),
	name: z.string(),
	description: z.string().nullable(),
	/** The template's variables, in order (`{topic}` → `topic`). */
	variables: z.array(z.string())
});
export type McpResourceTemplate = z.infer<typeof mcpResourceTemplate>;

/** `GET /api/mcp/resources`. */
export const mcpResourceList = z.object({
	resources: z.array(mcpResource),
	templates: z.array(mcpResourceTemplate)
});
export type McpResourceList = z.infer<typeof mcpResourceList>;

/** `GET /api/mcp/resources/read?server_id&uri`. */
export const mcpResourceReadQuery = z.object({
	server_id: z.string().regex(MCP_SERVER_ID, 'not a server id'),
	uri: z.string().min(1).max(10_000)
});

export const mcpResourceContent = z.object({
	uri: z.string(),
	mime_type: z.string().nullable(),
	text: z.string().optional(),
	blob: z.string().optional()
});
export const mcpResourceRead = z.object({ contents: z.array(mcpResourceContent) });
export type McpResourceRead = z.infer<typeof mcpResourceRead>;

/** A resource attached to a question (`POST /api/chat` `resources`). */
export const resourceRef = z.object({
	server_id: z.string().regex(MCP_SERVER_ID, 'not a server id'),
	uri: z.string().min(1).max(10_000)
});
export type ResourceRef = z.infer<typeof resourceRef>;

/** How an attached resource stays with its message (`messages[].resources`). */
export const messageResource = z.object({
	server_id: z.string(),
	uri: z.string(),
	name: z.string().optional(),
	mime_type: z.string().optional(),
	/** Its text was over 1 MB and went upstream cut, with a note. */
	truncated: z.boolean().optional()
});
export type MessageResource = z.infer<typeof messageResource>;
