import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { conversations } from '../db/schema';
import type { ToolDefinition, ToolProvider } from './tools';

/**
 * Which MCP servers a conversation does not offer tools of (`conversations.disabled_servers`):
 * the composer's tools menu switches them per chat; a new chat starts with every enabled server.
 */
export class ChatToolChoice {
	readonly #db: Db;

	constructor(db: Db) {
		this.#db = db;
	}

	disabled(sessionId: string): string[] {
		const row = this.#db
			.select({ disabled: conversations.disabledServers })
			.from(conversations)
			.where(eq(conversations.sessionId, sessionId))
			.get();
		return row?.disabled ?? [];
	}

	/** False when there is no such conversation. */
	set(sessionId: string, serverIds: string[]): boolean {
		const unique = [...new Set(serverIds)].sort();
		const result = this.#db
			.update(conversations)
			.set({ disabledServers: unique.length ? unique : null })
			.where(eq(conversations.sessionId, sessionId))
			.run();
		return result.changes > 0;
	}
}

/** The tools a chat offers: the provider's, without those of the servers it switched off. */
export function offeredTools(tools: ToolProvider, disabled: ReadonlySet<string>): ToolDefinition[] {
	const all = tools.listTools();
	if (!disabled.size) return all;
	return all.filter((tool) => {
		const serverId = tools.describe(tool.name)?.serverId;
		return !serverId || !disabled.has(serverId);
	});
}
