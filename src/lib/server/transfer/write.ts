import type { ImportResult } from '$lib/api';
import type { Db } from '../db/client';
import type { ImportConversation } from './tree';

const json = (value: unknown) =>
	value === null || value === undefined ? null : JSON.stringify(value);

/**
 * Writes imported conversations, all in one transaction: a failure anywhere leaves nothing of the
 * file behind. Statements are prepared once on the SQLite handle, since an import may write a
 * hundred thousand messages (the FTS triggers index each as it is inserted).
 */
export class ConversationWriter {
	readonly #statements: ReturnType<typeof prepare>;
	readonly #db: Db;

	constructor(db: Db) {
		this.#db = db;
		this.#statements = prepare(db);
	}

	write(list: ImportConversation[]): ImportResult {
		const s = this.#statements;
		return this.#db.$client.transaction(() => {
			const seen = new Set<string>();
			const result: ImportResult = { imported: 0, skipped: 0, session_ids: [] };
			for (const conversation of list) {
				if (seen.has(conversation.sessionId) || s.conversationExists.get(conversation.sessionId)) {
					result.skipped++;
					continue;
				}
				seen.add(conversation.sessionId);
				this.#insert(conversation);
				result.imported++;
				result.session_ids.push(conversation.sessionId);
			}
			return result;
		})();
	}

	#insert(conversation: ImportConversation): void {
		const s = this.#statements;
		// A project or attachment that is not in this app (another install's) is left out.
		const projectId =
			conversation.projectId && s.projectExists.get(conversation.projectId)
				? conversation.projectId
				: null;
		s.insertConversation.run({
			sessionId: conversation.sessionId,
			title: conversation.title,
			createdAt: conversation.createdAt,
			updatedAt: conversation.updatedAt,
			modelId: conversation.modelId,
			projectId,
			pinnedAt: conversation.pinnedAt,
			disabledServers: json(conversation.disabledServers),
			webSearch: conversation.webSearch ? 1 : 0
		});
		const ids = new Map<string, number>();
		for (const message of conversation.messages) {
			const id = Number(
				s.insertMessage.run({
					sessionId: conversation.sessionId,
					parentId: message.parentKey === null ? null : ids.get(message.parentKey)!,
					role: message.role,
					content: message.content,
					reasoning: message.reasoning,
					toolCalls: json(message.toolCalls),
					toolCallId: message.toolCallId,
					modelId: message.modelId,
					usage: json(message.usage),
					finishReason: message.finishReason,
					error: json(message.error),
					citations: json(message.citations),
					resources: json(message.resources),
					createdAt: message.createdAt
				}).lastInsertRowid
			);
			ids.set(message.key, id);
			for (const attachmentId of new Set(message.attachmentIds))
				if (s.attachmentExists.get(attachmentId)) s.linkAttachment.run(id, attachmentId);
		}
		const leaf = conversation.currentLeafKey === null ? null : ids.get(conversation.currentLeafKey);
		s.setLeaf.run(leaf ?? null, conversation.sessionId);
	}
}

function prepare(db: Db) {
	const client = db.$client;
	return {
		conversationExists: client.prepare('select 1 from conversations where session_id = ?').pluck(),
		projectExists: client.prepare('select 1 from projects where project_id = ?').pluck(),
		attachmentExists: client.prepare('select 1 from attachments where attachment_id = ?').pluck(),
		insertConversation: client.prepare(
			`insert into conversations (session_id, title, created_at, updated_at, model_id, project_id,
				pinned_at, disabled_servers, web_search)
			values (@sessionId, @title, @createdAt, @updatedAt, @modelId, @projectId, @pinnedAt,
				@disabledServers, @webSearch)`
		),
		insertMessage: client.prepare(
			`insert into messages (session_id, parent_id, role, content, reasoning, tool_calls,
				tool_call_id, model_id, usage, finish_reason, error, citations, resources, created_at)
			values (@sessionId, @parentId, @role, @content, @reasoning, @toolCalls, @toolCallId,
				@modelId, @usage, @finishReason, @error, @citations, @resources, @createdAt)`
		),
		linkAttachment: client.prepare(
			'insert or ignore into message_attachments (message_id, attachment_id) values (?, ?)'
		),
		setLeaf: client.prepare('update conversations set current_leaf_id = ? where session_id = ?')
	};
}
