import type { CatalogueModel, Citation, ToolCall, Usage } from '$lib/api';
import type { WebSearchTool } from './web-search';

/** The OpenAI/OpenRouter chat-completions request pieces Switchboard sends. */
export type ContentPart =
	| { type: 'text'; text: string }
	| { type: 'image_url'; image_url: { url: string } }
	| { type: 'file'; file: { filename: string; file_data: string } };

/** Stored in the history as is, so the same shape as `Message.tool_calls`. */
export type UpstreamToolCall = ToolCall;

export type UpstreamMessage =
	| { role: 'system'; content: string }
	| { role: 'user'; content: string | ContentPart[] }
	| { role: 'assistant'; content: string | null; tool_calls?: UpstreamToolCall[] }
	| { role: 'tool'; tool_call_id: string; content: string };

export interface UpstreamTool {
	type: 'function';
	function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatCompletionRequest {
	model: string;
	messages: UpstreamMessage[];
	tools?: (UpstreamTool | WebSearchTool)[];
	provider?: Record<string, unknown>;
	[parameter: string]: unknown;
}

/** OpenRouter's usage block is what the chat stream forwards as its `usage` event. */
export type UpstreamUsage = Usage;

/** A catalogue entry as `GET /models` lists it, trimmed to what the picker shows. */
export type OpenRouterModel = CatalogueModel & { supported_parameters: string[] };

/** What the client yields while reading one streamed completion. */
export type StreamEvent =
	| { type: 'text'; text: string }
	| { type: 'reasoning'; text: string }
	| { type: 'usage'; usage: UpstreamUsage }
	| { type: 'citations'; items: Citation[] }
	| { type: 'finish'; finishReason: string; toolCalls: UpstreamToolCall[] };
