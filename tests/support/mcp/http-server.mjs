// @ts-nocheck -- plain ESM run by node directly; the SDK types are checked in src/
// The fixture server over HTTP: Streamable HTTP at /mcp and the legacy HTTP+SSE transport at
// /sse (+ POST /messages), one McpServer per session, like the SDK's compatibility example.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createFixtureServer } from './fixture-server.mjs';

async function readBody(req) {
	const chunks = [];
	for await (const chunk of req) chunks.push(chunk);
	const text = Buffer.concat(chunks).toString('utf8');
	return text ? JSON.parse(text) : undefined;
}

function reply(res, status, body) {
	res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * @param {{ port?: number, requireHeader?: [string, string] }} [options]
 * @returns {Promise<{ url: string, sseUrl: string, port: number, requests: string[], close(): Promise<void> }>}
 */
export async function startHttpFixture({ port = 0, requireHeader } = {}) {
	const streamable = new Map();
	const legacy = new Map();
	const requests = [];

	const server = createServer(async (req, res) => {
		try {
			const url = new URL(req.url ?? '/', 'http://localhost');
			requests.push(`${req.method} ${url.pathname}`);
			if (requireHeader && req.headers[requireHeader[0].toLowerCase()] !== requireHeader[1]) {
				return reply(res, 401, { error: 'missing or wrong header' });
			}
			if (url.pathname === '/mcp') {
				const sessionId = req.headers['mcp-session-id'];
				const body = req.method === 'POST' ? await readBody(req) : undefined;
				let transport = typeof sessionId === 'string' ? streamable.get(sessionId) : undefined;
				if (!transport) {
					if (sessionId)
						return reply(res, 404, {
							jsonrpc: '2.0',
							error: { code: -32001, message: 'Session not found' },
							id: null
						});
					if (req.method !== 'POST' || !isInitializeRequest(body)) {
						return reply(res, 400, {
							jsonrpc: '2.0',
							error: { code: -32000, message: 'No session' },
							id: null
						});
					}
					transport = new StreamableHTTPServerTransport({
						sessionIdGenerator: () => randomUUID(),
						onsessioninitialized: (id) => streamable.set(id, transport)
					});
					transport.onclose = () => transport.sessionId && streamable.delete(transport.sessionId);
					await createFixtureServer({ name: 'fixture-http' }).connect(transport);
				}
				return await transport.handleRequest(req, res, body);
			}
			if (url.pathname === '/sse' && req.method === 'GET') {
				const transport = new SSEServerTransport('/messages', res);
				legacy.set(transport.sessionId, transport);
				transport.onclose = () => legacy.delete(transport.sessionId);
				await createFixtureServer({ name: 'fixture-sse' }).connect(transport);
				return;
			}
			if (url.pathname === '/messages' && req.method === 'POST') {
				const transport = legacy.get(url.searchParams.get('sessionId') ?? '');
				if (!transport) return reply(res, 404, { error: 'unknown session' });
				return await transport.handlePostMessage(req, res, await readBody(req));
			}
			reply(res, 404, { error: 'not found' });
		} catch (error) {
			if (!res.headersSent) reply(res, 500, { error: String(error) });
		}
	});
	await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
	const address = server.address();
	const base = `http://127.0.0.1:${address.port}`;
	return {
		url: `${base}/mcp`,
		sseUrl: `${base}/sse`,
		port: address.port,
		requests,
		async close() {
			for (const transport of [...streamable.values(), ...legacy.values()])
				await transport.close().catch(() => {});
			server.closeAllConnections();
			await new Promise((resolve) => server.close(() => resolve(undefined)));
		}
	};
}
