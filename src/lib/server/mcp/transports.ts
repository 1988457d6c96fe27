import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServerConfig } from '$lib/api/mcp';
import type { BuiltinRegistry } from './builtin/registry';

/** A server that cannot be connected for a reason retrying will not fix (no backoff loop). */
export class NotConnectable extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'NotConnectable';
	}
}

export interface OpenedTransport {
	transport: Transport;
	/** The last lines a stdio server wrote to stderr (for error messages). */
	stderrTail?: () => string;
	/** Closes what lives beside the transport (the in-process server of a builtin). */
	close?: () => Promise<void>;
}

const STDERR_TAIL = 2000;

/**
 * Builds the client-side transport for one config; stdio never goes through a shell. The stdio,
 * HTTP and SSE transports (with cross-spawn, eventsource and their kin) are loaded when a server
 * first uses them: most installations run only the built-ins.
 */
export async function openTransport(
	config: McpServerConfig,
	builtins: BuiltinRegistry,
	/** For a remote server signed in with OAuth (oauth.ts): adds the token, refreshes it. */
	authProvider?: OAuthClientProvider
): Promise<OpenedTransport> {
	switch (config.transport) {
		case 'builtin': {
			const builtin = builtins.get(config.id);
			if (!builtin) {
				const known = builtins.ids().join(', ') || 'none';
				throw new NotConnectable(
					`There is no built-in server named "${config.id}" (built-in servers: ${known}).`
				);
			}
			const reason = await builtin.unavailableReason?.();
			if (reason) throw new NotConnectable(reason);
			const server = await builtin.create();
			const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
			await server.connect(serverSide);
			return { transport: clientSide, close: () => server.close() };
		}
		case 'stdio': {
			const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
			const transport = new StdioClientTransport({
				command: config.command!,
				args: config.args ?? [],
				env: config.env,
				cwd: config.cwd,
				stderr: 'pipe'
			});
			let tail = '';
			transport.stderr?.on('data', (chunk: Buffer) => {
				tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
			});
			return { transport, stderrTail: () => tail.trim() };
		}
		case 'http': {
			const { StreamableHTTPClientTransport } =
				await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
			return {
				transport: new StreamableHTTPClientTransport(new URL(config.url!), {
					requestInit: { headers: config.headers ?? {} },
					authProvider
				})
			};
		}
		case 'sse': {
			const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
			return {
				transport: new SSEClientTransport(new URL(config.url!), {
					requestInit: { headers: config.headers ?? {} },
					authProvider
				})
			};
		}
	}
}
