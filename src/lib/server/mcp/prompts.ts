import {
	ErrorCode,
	McpError,
	type GetPromptResult,
	type Prompt
} from '@modelcontextprotocol/sdk/types.js';
import type { McpPrompt, McpPromptResult, PromptMessage } from '$lib/api/mcp-features';
import { AppError, badRequest, notFound } from '../errors';
import type { McpAggregator } from './aggregator';
import type { ServerConnection } from './connection';
import { assignToolNames, toolKey } from './naming';
import { scrubText } from './secrets';

interface Entry {
	connection: ServerConnection;
	prompt: Prompt;
	name: string;
}

/** A prompt message's content as text (images and audio are named, resources given inline). */
function textOf(content: GetPromptResult['messages'][number]['content']): string {
	switch (content.type) {
		case 'text':
			return content.text;
		case 'resource':
			return 'text' in content.resource && typeof content.resource.text === 'string'
				? `Resource ${content.resource.uri}:\n${content.resource.text}`
				: `[Resource ${content.resource.uri}, ${content.resource.mimeType ?? 'binary'}]`;
		case 'resource_link':
			return `Resource link: ${content.name} ${content.uri}`;
		default:
			return `[${content.type} content]`;
	}
}

/**
 * The prompts of every connected server, named `{server_id}__{prompt}` like tools, and getting
 * one filled with its arguments (`GET /api/mcp/prompts`, `POST /api/mcp/prompts/get`).
 */
export class McpPrompts {
	readonly #mcp: McpAggregator;

	constructor(mcp: McpAggregator) {
		this.#mcp = mcp;
	}

	async list(): Promise<McpPrompt[]> {
		return (await this.#entries()).map(({ connection, prompt, name }) => ({
			name,
			server_id: connection.config.id,
			original_name: prompt.name,
			description: prompt.description ?? prompt.title ?? null,
			arguments: (prompt.arguments ?? []).map((argument) => ({
				name: argument.name,
				description: argument.description ?? null,
				required: argument.required === true
			}))
		}));
	}

	/** 404 for a prompt no connected server has, 400 for a required argument left out. */
	async get(name: string, args: Record<string, string> = {}): Promise<McpPromptResult> {
		const entry = (await this.#entries()).find((item) => item.name === name);
		if (!entry)
			throw notFound(
				`No connected server offers a prompt named ${name}. GET /api/mcp/prompts lists them.`,
				'prompt_not_found'
			);
		const declared = entry.prompt.arguments ?? [];
		const missing = declared.filter(
			(argument) => argument.required && !args[argument.name]?.trim()
		);
		if (missing.length)
			throw badRequest(
				`arguments.${missing[0].name}: required by the prompt ${name}`,
				'missing_argument'
			);
		const known = new Set(declared.map((argument) => argument.name));
		const unknown = Object.keys(args).find((key) => !known.has(key));
		if (unknown)
			throw badRequest(
				`arguments.${unknown}: the prompt ${name} has no such argument`,
				'unknown_argument'
			);
		const client = entry.connection.client;
		if (!client)
			throw notFound(`The server of ${name} is no longer connected.`, 'prompt_not_found');
		try {
			const result = await client.getPrompt(
				{ name: entry.prompt.name, arguments: args },
				{ timeout: 30_000 }
			);
			const messages: PromptMessage[] = result.messages.map((message) => ({
				role: message.role,
				text: textOf(message.content)
			}));
			return { description: result.description ?? null, messages };
		} catch (error) {
			const message = scrubText(
				error instanceof Error ? error.message : String(error),
				entry.connection.config
			);
			if (error instanceof McpError && error.code === ErrorCode.InvalidParams)
				throw badRequest(`The server refused the arguments: ${message}`, 'invalid_arguments');
			throw new AppError(
				502,
				'mcp_error',
				`The ${entry.connection.config.id} server failed: ${message}`
			);
		}
	}

	async #entries(): Promise<Entry[]> {
		const pairs: { connection: ServerConnection; prompt: Prompt }[] = [];
		for (const connection of await this.#mcp.connectedServers())
			for (const prompt of connection.features.prompts) pairs.push({ connection, prompt });
		const names = assignToolNames(
			pairs.map(({ connection, prompt }) => ({ serverId: connection.config.id, tool: prompt.name }))
		);
		return pairs.map(({ connection, prompt }) => ({
			connection,
			prompt,
			name: names.get(toolKey({ serverId: connection.config.id, tool: prompt.name }))!
		}));
	}
}
