// @ts-nocheck -- plain ESM run by node directly; the SDK types are checked in src/
// A real MCP server (SDK McpServer) with tools that exercise the aggregator: plain results,
// schema checks, progress, big and binary results, slow calls, a changing tool list, a crash.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
	CreateMessageResultSchema,
	ElicitResultSchema,
	SubscribeRequestSchema,
	UnsubscribeRequestSchema
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** A 1×1 PNG. */
export const PIXEL_PNG =
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/**
 * @param {{ name?: string, crashable?: boolean }} [options]
 * @returns {McpServer}
 */
export function createFixtureServer({ name = 'fixture', crashable = false } = {}) {
	const server = new McpServer({ name, version: '1.0.0' });
	const text = (value) => ({ content: [{ type: 'text', text: String(value) }] });

	server.registerTool(
		'echo',
		{ description: 'Echoes the text back', inputSchema: { text: z.string() } },
		async ({ text: value }) => text(value)
	);

	server.registerTool(
		'add',
		{
			description: 'Adds two whole numbers',
			inputSchema: { a: z.number().int(), b: z.number().int() }
		},
		async ({ a, b }) => text(a + b)
	);

	server.registerTool(
		'count',
		{
			description: 'Counts to n, reporting progress',
			inputSchema: { n: z.number().int().min(1).max(50) }
		},
		async ({ n }, extra) => {
			for (let i = 1; i <= n; i++) {
				if (extra._meta?.progressToken !== undefined) {
					await extra.sendNotification({
						method: 'notifications/progress',
						params: {
							progressToken: extra._meta.progressToken,
							progress: i,
							total: n,
							message: `step ${i} of ${n}`
						}
					});
				}
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
			return text(`counted to ${n}`);
		}
	);

	server.registerTool(
		'big',
		{
			description: 'Returns a text of the given size',
			inputSchema: { bytes: z.number().int().min(0).max(10_000_000) }
		},
		async ({ bytes }) => text('x'.repeat(bytes))
	);

	server.registerTool(
		'picture',
		{ description: 'Returns a tiny image', inputSchema: {} },
		async () => ({
			content: [
				{ type: 'text', text: 'here is a pixel' },
				{ type: 'image', data: PIXEL_PNG, mimeType: 'image/png' }
			]
		})
	);

	server.registerTool(
		'sleep',
		{ description: 'Waits', inputSchema: { ms: z.number().int().min(0) } },
		async ({ ms }) => {
			await new Promise((resolve) => setTimeout(resolve, ms));
			return text(`slept ${ms} ms`);
		}
	);

	server.registerTool('fail', { description: 'Always fails', inputSchema: {} }, async () => ({
		content: [{ type: 'text', text: 'this tool always fails' }],
		isError: true
	}));

	let grown = 0;
	server.registerTool(
		'grow',
		{ description: 'Adds a new tool to this server', inputSchema: {} },
		async () => {
			grown++;
			server.registerTool(
				`extra_${grown}`,
				{ description: `Extra tool ${grown}`, inputSchema: {} },
				async () => text(`extra ${grown}`)
			);
			return text(`added extra_${grown}`);
		}
	);

	addPromptsAndResources(server);

	if (crashable) {
		server.registerTool(
			'crash',
			{ description: 'Kills the server process', inputSchema: {} },
			async () => {
				process.stderr.write('fixture: crashing on purpose\n');
				process.exit(3);
			}
		);
	}
	return server;
}

/** Text of the subscribable `fixture://counter` resource; the `bump` tool changes it. */
let counter = 0;

/**
 * Prompts (one without arguments, one with a required and an optional one, one of several
 * messages), resources (static, big, subscribable, a template) and tools that ask the person
 * something (elicitation) or ask for a completion (sampling).
 */
function addPromptsAndResources(server) {
	const text = (value) => ({ content: [{ type: 'text', text: String(value) }] });
	const subscribed = new Set();
	server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
	server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
		subscribed.add(request.params.uri);
		return {};
	});
	server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
		subscribed.delete(request.params.uri);
		return {};
	});

	server.registerPrompt('plain', { description: 'A prompt without arguments' }, async () => ({
		messages: [{ role: 'user', content: { type: 'text', text: 'Tell me something plain.' } }]
	}));
	server.registerPrompt(
		'greet',
		{
			description: 'Greets someone',
			argsSchema: {
				name: z.string().describe('Who to greet'),
				tone: z.string().optional().describe('How to sound')
			}
		},
		async ({ name, tone }) => ({
			description: `A greeting for ${name}`,
			messages: [
				{
					role: 'user',
					content: {
						type: 'text',
						text: `Say hello to ${name}${tone ? ` in a ${tone} tone` : ''}.`
					}
				}
			]
		})
	);
	server.registerPrompt(
		'review',
		{ description: 'A conversation to continue', argsSchema: { topic: z.string() } },
		async ({ topic }) => ({
			messages: [
				{ role: 'user', content: { type: 'text', text: `Let us talk about ${topic}.` } },
				{ role: 'assistant', content: { type: 'text', text: `Sure, ${topic} it is.` } },
				{ role: 'user', content: { type: 'text', text: `Now summarize ${topic} in one line.` } }
			]
		})
	);

	server.registerResource(
		'readme',
		'fixture://readme',
		{ description: 'The fixture readme', mimeType: 'text/plain' },
		async (uri) => ({
			contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'The fixture readme says hi.' }]
		})
	);
	server.registerResource(
		'big',
		'fixture://big',
		{ description: 'Over a megabyte of text', mimeType: 'text/plain' },
		async (uri) => ({
			contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'y'.repeat(1_200_000) }]
		})
	);
	server.registerResource(
		'counter',
		'fixture://counter',
		{ description: 'A counter that changes (subscribe to it)', mimeType: 'text/plain' },
		async (uri) => ({
			contents: [{ uri: uri.href, mimeType: 'text/plain', text: `counter is ${counter}` }]
		})
	);
	server.registerResource(
		'note',
		new ResourceTemplate('fixture://notes/{topic}', { list: undefined }),
		{ description: 'A note on a topic', mimeType: 'text/plain' },
		async (uri, { topic }) => ({
			contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Notes on ${topic}.` }]
		})
	);

	let prompts = 0;
	server.registerTool(
		'grow_prompt',
		{ description: 'Adds a prompt to this server (prompts/list_changed)', inputSchema: {} },
		async () => {
			prompts++;
			server.registerPrompt(`extra_${prompts}`, { description: 'An added prompt' }, async () => ({
				messages: [{ role: 'user', content: { type: 'text', text: `extra prompt ${prompts}` } }]
			}));
			return text(`added prompt extra_${prompts}`);
		}
	);

	server.registerTool(
		'bump',
		{ description: 'Changes the counter resource', inputSchema: {} },
		async () => {
			counter++;
			if (subscribed.has('fixture://counter'))
				await server.server.sendResourceUpdated({ uri: 'fixture://counter' });
			return text(`counter is ${counter}`);
		}
	);

	server.registerTool(
		'ask_name',
		{ description: 'Asks the person for their details', inputSchema: {} },
		async (_args, extra) => {
			const result = await extra.sendRequest(
				{
					method: 'elicitation/create',
					params: {
						message: 'Who are you?',
						requestedSchema: {
							type: 'object',
							properties: {
								name: { type: 'string', title: 'Name', minLength: 1 },
								age: { type: 'integer', title: 'Age', minimum: 0, maximum: 150 },
								subscribe: { type: 'boolean', title: 'Subscribe' },
								color: { type: 'string', title: 'Color', enum: ['red', 'green', 'blue'] }
							},
							required: ['name']
						}
					}
				},
				ElicitResultSchema,
				{ timeout: 15 * 60_000 }
			);
			return text(
				result.action === 'accept'
					? `accepted ${JSON.stringify(result.content ?? {})}`
					: `the person chose ${result.action}`
			);
		}
	);

	server.registerTool(
		'summarize',
		{ description: 'Asks the client model to summarize a text', inputSchema: { text: z.string() } },
		async ({ text: value }, extra) => {
			try {
				const result = await extra.sendRequest(
					{
						method: 'sampling/createMessage',
						params: {
							messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${value}` } }],
							maxTokens: 100
						}
					},
					CreateMessageResultSchema,
					{ timeout: 15 * 60_000 }
				);
				return text(
					`summary from ${result.model}: ${result.content.type === 'text' ? result.content.text : '?'}`
				);
			} catch (error) {
				return {
					content: [{ type: 'text', text: `sampling failed: ${error.message}` }],
					isError: true
				};
			}
		}
	);
}
