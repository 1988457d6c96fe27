import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/**
 * A server that runs inside Switchboard. The aggregator reaches it through the SDK's in-memory
 * transport, so it behaves exactly like an external one.
 */
export interface BuiltinServer {
	/** The `id` a config with `transport: "builtin"` names. */
	id: string;
	/** A fresh server for one connection (called again on every reconnect). */
	create(): McpServer | Promise<McpServer>;
	/** Why the server cannot run right now (e.g. "Google is not connected"); undefined when it can. */
	unavailableReason?(): string | undefined | Promise<string | undefined>;
	/** Releases what the server holds across connections (workers, clients). */
	close?(): void | Promise<void>;
}

/** The built-in servers this process offers, by id. */
export class BuiltinRegistry {
	readonly #servers = new Map<string, BuiltinServer>();

	constructor(servers: BuiltinServer[] = []) {
		for (const server of servers) this.register(server);
	}

	register(server: BuiltinServer): void {
		this.#servers.set(server.id, server);
	}

	get(id: string): BuiltinServer | undefined {
		return this.#servers.get(id);
	}

	has(id: string): boolean {
		return this.#servers.has(id);
	}

	ids(): string[] {
		return [...this.#servers.keys()];
	}

	async close(): Promise<void> {
		await Promise.allSettled([...this.#servers.values()].map((server) => server.close?.()));
	}
}
