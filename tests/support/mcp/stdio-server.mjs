// @ts-nocheck -- plain ESM run by node directly; the SDK types are checked in src/
// The fixture server over stdio: `node tests/support/mcp/stdio-server.mjs [name]`.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createFixtureServer } from './fixture-server.mjs';

const server = createFixtureServer({ name: process.argv[2] ?? 'fixture-stdio', crashable: true });
await server.connect(new StdioServerTransport());
