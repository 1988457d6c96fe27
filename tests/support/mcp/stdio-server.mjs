// @ts-nocheck -- plain ESM run by node directly; the SDK types are checked in src/
// The fixture server over stdio: `node tests/support/mcp/stdio-server.mjs [name]`.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { createFixtureServer } from './fixture-server.mjs';

const server = createFixtureServer({ name: process.argv[2] ?? 'fixture-stdio', crashable: true });
// Shows what the configured `env` reached the process as (a process server's own concern).
server.registerTool(
	'env',
	{ description: 'Reads one environment variable', inputSchema: { name: z.string() } },
	async ({ name }) => ({ content: [{ type: 'text', text: process.env[name] ?? '(not set)' }] })
);
await server.connect(new StdioServerTransport());
