import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { ExportedAttachment, ExportedConversation, ExportedMessage } from '$lib/api';
import type { Db } from '../db/client';
import {
	attachments,
	conversations,
	messageAttachments,
	messages,
	type ConversationRow,
	type MessageRow
} from '../db/schema';

/** Conversations, with their whole trees, as the export file holds them. */
export class ConversationReader {
	constructor(private readonly db: Db) {}

	conversation(sessionId: string): ExportedConversation | undefined {
		const row = this.db
			.select()
			.from(conversations)
			.where(eq(conversations.sessionId, sessionId))
			.get();
		return row && this.#withMessages([row])[0];
	}

	/**
	 * The next `limit` conversations that are not temporary, after the session id `after` (in
	 * session id order, so a page never repeats or skips one while others are added).
	 */
	page(after: string | null, limit: number): ExportedConversation[] {
		const rows = this.db
			.select()
			.from(conversations)
			.where(
				and(
					eq(conversations.temporary, false),
					after === null ? undefined : gt(conversations.sessionId, after)
				)
			)
			.orderBy(asc(conversations.sessionId))
			.limit(limit)
			.all();
		return this.#withMessages(rows);
	}

	#withMessages(rows: ConversationRow[]): ExportedConversation[] {
		if (!rows.length) return [];
		const ids = rows.map((row) => row.sessionId);
		const bySession = new Map<string, ExportedMessage[]>(ids.map((id) => [id, []]));
		const files = this.#attachments(ids);
		const messageRows = this.db
			.select()
			.from(messages)
			.where(inArray(messages.sessionId, ids))
			.orderBy(asc(messages.sessionId), asc(messages.id))
			.all();
		for (const row of messageRows)
			bySession.get(row.sessionId)!.push(toExportedMessage(row, files.get(row.id) ?? []));
		return rows.map((row) => {
			const list = bySession.get(row.sessionId)!;
			// No leaf: written by code from before the tree (as migration 0004 found every
			// conversation), so it is read the way that migration read them, as one chain.
			if (row.currentLeafId === null) asChain(list);
			return {
				session_id: row.sessionId,
				title: row.title,
				created_at: row.createdAt,
				updated_at: row.updatedAt,
				current_leaf_id: row.currentLeafId ?? list.at(-1)?.id ?? null,
				model_id: row.modelId,
				project_id: row.projectId,
				pinned_at: row.pinnedAt,
				temporary: row.temporary,
				disabled_servers: row.disabledServers ?? null,
				web_search: row.webSearch,
				messages: list
			};
		});
	}

	#attachments(sessionIds: string[]): Map<number, ExportedAttachment[]> {
		const rows = this.db
			.select({
				messageId: messageAttachments.messageId,
				attachmentId: attachments.attachmentId,
				fileName: attachments.fileName,
				mimeType: attachments.mimeType,
				sizeBytes: attachments.sizeBytes
			})
			.from(messageAttachments)
			.innerJoin(messages, eq(messages.id, messageAttachments.messageId))
			.innerJoin(attachments, eq(attachments.attachmentId, messageAttachments.attachmentId))
			.where(inArray(messages.sessionId, sessionIds))
			.orderBy(asc(messageAttachments.messageId), asc(attachments.createdAt))
			.all();
		const byMessage = new Map<number, ExportedAttachment[]>();
		for (const row of rows) {
			const list = byMessage.get(row.messageId) ?? [];
			list.push({
				attachment_id: row.attachmentId,
				file_name: row.fileName,
				mime_type: row.mimeType,
				size_bytes: row.sizeBytes
			});
			byMessage.set(row.messageId, list);
		}
		return byMessage;
	}
}

function asChain(list: ExportedMessage[]): void {
	for (let i = 1; i < list.length; i++)
		if (list[i].parent_id === null) list[i].parent_id = list[i - 1].id;
}

function toExportedMessage(row: MessageRow, files: ExportedAttachment[]): ExportedMessage {
	return {
		id: row.id,
		parent_id: row.parentId,
		role: row.role,
		content: row.content,
		reasoning: row.reasoning,
		tool_calls: row.toolCalls ?? null,
		tool_call_id: row.toolCallId,
		model_id: row.modelId,
		usage: row.usage ?? null,
		finish_reason: row.finishReason,
		error: row.error ?? null,
		citations: row.citations ?? null,
		resources: row.resources ?? null,
		attachments: files,
		created_at: row.createdAt
	};
}

/**
 * The path the conversation shows: from the root to `current_leaf_id` along `parent_id`. A
 * conversation without a leaf (made before the tree, or empty) shows its last message's path.
 */
export function currentPath(conversation: ExportedConversation): ExportedMessage[] {
	const byId = new Map(conversation.messages.map((message) => [message.id, message]));
	let at = conversation.current_leaf_id ?? conversation.messages.at(-1)?.id ?? null;
	const path: ExportedMessage[] = [];
	const seen = new Set<number>();
	while (at !== null && !seen.has(at)) {
		const message = byId.get(at);
		if (!message) break;
		seen.add(at);
		path.push(message);
		at = message.parent_id;
	}
	return path.reverse();
}
