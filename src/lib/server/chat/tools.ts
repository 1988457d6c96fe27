import type {
	CreateMessageRequest,
	CreateMessageResult,
	ElicitRequestFormParams,
	ElicitResult
} from '@modelcontextprotocol/sdk/types.js';

/**
 * What the orchestrator needs from a tool source (the MCP aggregator implements it).
 * Names are the exposed, prefixed ones (`{server_id}__{tool}`).
 */
export interface ToolDefinition {
	name: string;
	description: string;
	/** JSON Schema of the arguments object (the MCP `inputSchema`). */
	parameters: Record<string, unknown>;
}

export type ApprovalPolicy = 'auto' | 'ask' | 'deny';

export interface ToolProgress {
	progress: number;
	total?: number;
	message?: string;
}

/** A file a tool produced (image or embedded resource), to be stored as an attachment. */
export interface ToolFile {
	mimeType: string;
	data: Buffer;
	fileName?: string;
}

export interface ToolOutcome {
	/** Text given back to the model (already cut to the size limit, with a note when cut). */
	content: string;
	isError: boolean;
	files?: ToolFile[];
}

/**
 * What a server may ask the chat while one of its tools runs: a question for the person
 * (elicitation) or a completion from the chat's model (sampling). Built per call by the chat.
 */
export interface ChatInteractions {
	elicit(
		serverId: string,
		params: ElicitRequestFormParams,
		signal: AbortSignal
	): Promise<ElicitResult>;
	sample(
		serverId: string,
		params: CreateMessageRequest['params'],
		signal: AbortSignal
	): Promise<CreateMessageResult>;
}

export interface ToolCallOptions {
	signal?: AbortSignal;
	onProgress?: (progress: ToolProgress) => void;
	interactions?: ChatInteractions;
}

export interface ToolProvider {
	/** Tools of connected, enabled servers, without disabled ones. */
	listTools(): ToolDefinition[];
	/** Which server a tool belongs to and its approval policy; undefined for an unknown tool. */
	describe(name: string): { serverId: string; approval: ApprovalPolicy } | undefined;
	/** Validates the arguments against the tool's schema, runs it with a timeout. Never throws for tool failures. */
	callTool(
		name: string,
		args: Record<string, unknown>,
		options?: ToolCallOptions
	): Promise<ToolOutcome>;
}
