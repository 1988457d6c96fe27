// @ts-nocheck -- plain ESM run by node directly; the SDK types are checked in src/
// A real MCP server (SDK McpServer) with tools that exercise the aggregator: plain results,
// schema checks, progress, big and binary results, slow calls, a changing tool list, a crash.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
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
