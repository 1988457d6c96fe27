import {
	MAX_MESSAGES_PAGE,
	type Message,
	type MessageAttachment,
	type SessionDetail,
	type SessionDetailQuery,
	type SessionList,
	type SessionListQuery,
	type SessionPatchRequest,
	type RenamedSession
} from '$lib/api';
import type { ConversationPlacement } from '../projects/repository';
import type { ConversationRow, MessageRow } from '../db/schema';
import { badRequest, notFound } from '../errors';
import type { ChatToolChoice } from './chat-tools';
import type { ChatRepository } from './repository';

/** Loads attachments of messages for the history view (re-signing stale URLs, marking them used). */
export interface HistoryAttachments {
	forMessages(messageIds: number[]): Promise<Map<number, MessageAttachment[]>>;
	/** Deletes the blobs of a conversation's attachments before its rows go. */
	deleteForSession?(sessionId: string): Promise<void>;
}

export const noHistoryAttachments: HistoryAttachments = { forMessages: async () => new Map() };

/** Moves, pins and sets the model of conversations (projects/placement.ts). */
export interface SessionPlacement {
	/** Checks a PATCH's project and model (400 for an unknown project or a bad model id). */
	check(patch: SessionPatchRequest): ConversationPlacement;
	place(sessionId: string, placement: ConversationPlacement): ConversationRow | undefined;
}

/** The turns running on the server (runs.ts), as the sessions API sees them. */
export interface RunningTurns {
	isRunning(sessionId: string): boolean;
	stop(sessionId: string): Promise<unknown>;
}

const noRunningTurns: RunningTurns = { isRunning: () => false, stop: async () => undefined };

/** Where a conversation sits (project, pin) and its own model, on the wire. */
const placementOf = (row: Pick<ConversationRow, 'projectId' | 'pinnedAt' | 'modelId'>) => ({
	project_id: row.projectId,
	pinned: row.pinnedAt !== null,
	model_id: row.modelId
});

export function toApiMessage(
	row: MessageRow,
	attachments: MessageAttachment[] = [],
	siblingIds: number[] = [row.id]
): Message {
	return {
		id: row.id,
		parent_id: row.parentId,
		sibling_ids: siblingIds,
		role: row.role,
		content: row.content,
		reasoning: row.reasoning,
		tool_calls: row.toolCalls ?? null,
		tool_call_id: row.toolCallId,
		model_id: row.modelId,
		usage: row.usage ?? null,
		finish_reason: row.finishReason,
		error: row.error ?? null,
		...(row.citations?.length
			? {
					citations: row.citations.map(({ url, title, content }) => ({
						url,
						title: title ?? url,
						...(content ? { content } : {})
					}))
				}
			: {}),
		created_at: row.createdAt,
		attachments,
		...(row.resources?.length
			? { resources: row.resources.map(({ text: _text, ...resource }) => resource) }
			: {})
	};
}

/** The versions of each message of a whole tree: the messages under the same parent. */
function siblingsInTree(rows: MessageRow[]): Map<number, number[]> {
	const byParent = new Map<number | null, number[]>();
	for (const row of rows) {
		const list = byParent.get(row.parentId);
		if (list) list.push(row.id);
		else byParent.set(row.parentId, [row.id]);
	}
	return new Map(rows.map((row) => [row.id, byParent.get(row.parentId)!]));
}

/** The sessions API (list, get, rename, delete) in wire shapes. */
export class SessionService {
	constructor(
		private readonly repo: ChatRepository,
		private readonly attachments: HistoryAttachments = noHistoryAttachments,
		private readonly runs: RunningTurns = noRunningTurns,
		private readonly placement?: SessionPlacement,
		private readonly toolChoice?: ChatToolChoice
	) {}

	list(query: SessionListQuery): SessionList {
		const { sessions, nextCursor } = this.repo.listSessions({
			limit: query.limit,
			cursor: query.cursor,
			q: query.q,
			projectId: query.project_id
		});
		const matches = query.q
			? this.repo.findMatches(
					sessions.map((row) => row.sessionId),
					query.q
				)
			: undefined;
		return {
			sessions: sessions.map((row) => {
				const match = matches?.get(row.sessionId);
				return {
					session_id: row.sessionId,
					title: row.title,
					created_at: row.createdAt,
					updated_at: row.updatedAt,
					message_count: row.messageCount,
					...placementOf(row),
					...(matches
						? { match: match ? { message_id: match.messageId, snippet: match.snippet } : null }
						: {})
				};
			}),
			next_cursor: nextCursor
		};
	}

	/**
	 * The conversation with its messages: every one of the tree, or one page of its current path
	 * (`limit` messages above the message `before`, the leaf without it), oldest first.
	 */
	async get(sessionId: string, page: SessionDetailQuery = {}): Promise<SessionDetail> {
		const conversation = this.repo.getConversation(sessionId);
		if (!conversation) throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
		// Asked before the rows are read: a turn that ends in between is then reported running, and
		// the browser, finding no stream, reads the saved reply; the other order would show a
		// half-written reply as if it were finished.
		const running = this.runs.isRunning(sessionId);
		const whole = page.limit === undefined && page.before === undefined;
		const { tree } = this.repo;
		if (page.before !== undefined && !tree.message(sessionId, page.before))
			throw notFound(
				`before: no message ${page.before} in this conversation.`,
				'message_not_found'
			);
		const { rows, hasMore } = whole
			? { rows: this.repo.listMessages(sessionId), hasMore: false }
			: tree.pathPage(sessionId, conversation.currentLeafId, page);
		const siblings = whole ? siblingsInTree(rows) : tree.siblings(sessionId, rows);
		// Only the messages that have attachments: asking about every message of a long
		// conversation cost 7 ms of a 5,000-message GET (one query with 2,500 ids). A page asks
		// about its own (at most 200), so only its files are re-signed and marked used.
		const withFiles =
			rows.length <= MAX_MESSAGES_PAGE
				? rows.map((row) => row.id)
				: this.#withFiles(sessionId, rows, whole);
		const files = withFiles.length ? await this.attachments.forMessages(withFiles) : new Map();
		return {
			session_id: conversation.sessionId,
			title: conversation.title,
			created_at: conversation.createdAt,
			updated_at: conversation.updatedAt,
			...placementOf(conversation),
			temporary: conversation.temporary,
			running,
			web_search: conversation.webSearch,
			current_leaf_id: conversation.currentLeafId,
			messages: rows.map((row) => toApiMessage(row, files.get(row.id), siblings.get(row.id))),
			has_more: hasMore,
			disabled_servers: conversation.disabledServers ?? []
		};
	}

	/** Of many rows, the ids of those with attachments (one query over the conversation). */
	#withFiles(sessionId: string, rows: MessageRow[], whole: boolean): number[] {
		const ids = this.repo.messageIdsWithAttachments(sessionId);
		return whole ? [...ids] : rows.filter((row) => ids.has(row.id)).map((row) => row.id);
	}

	/**
	 * PATCH: the fields given change (checked first, then written together); `current_leaf_id`
	 * shows the path through that message (see showVersion).
	 */
	update(sessionId: string, patch: SessionPatchRequest): RenamedSession {
		if (!this.repo.getConversation(sessionId))
			throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
		const place = this.placement?.check(patch);
		return this.repo.inTransaction(() => {
			if (patch.current_leaf_id !== undefined) this.showVersion(sessionId, patch.current_leaf_id);
			if (patch.title !== undefined) this.repo.rename(sessionId, patch.title);
			if (patch.disabled_servers) this.toolChoice?.set(sessionId, patch.disabled_servers);
			if (patch.web_search !== undefined) this.repo.setWebSearch(sessionId, patch.web_search);
			const row = this.placement?.place(sessionId, place!) ?? this.repo.getConversation(sessionId)!;
			return {
				session_id: row.sessionId,
				title: row.title,
				created_at: row.createdAt,
				updated_at: row.updatedAt,
				current_leaf_id: row.currentLeafId,
				...placementOf(row),
				disabled_servers: this.toolChoice?.disabled(sessionId) ?? [],
				web_search: row.webSearch
			};
		});
	}

	rename(sessionId: string, title: string): RenamedSession {
		return this.update(sessionId, { title });
	}

	/**
	 * Shows the path through `messageId`: the leaf becomes the newest one under it (a version of
	 * a message opens where its branch was left). 400 for a message of another conversation.
	 */
	showVersion(sessionId: string, messageId: number): number {
		const { tree } = this.repo;
		if (!tree.message(sessionId, messageId))
			throw badRequest(
				`current_leaf_id: no message ${messageId} in this conversation.`,
				'message_not_found'
			);
		const leaf = tree.latestLeafUnder(messageId);
		tree.setCurrentLeaf(sessionId, leaf);
		return leaf;
	}

	/** Turns web search on or off for the conversation. */
	setWebSearch(sessionId: string, on: boolean) {
		const row = this.repo.setWebSearch(sessionId, on);
		if (!row) throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
		return {
			session_id: row.sessionId,
			title: row.title,
			created_at: row.createdAt,
			updated_at: row.updatedAt,
			web_search: row.webSearch
		};
	}

	async delete(sessionId: string): Promise<void> {
		if (!this.repo.getConversation(sessionId))
			throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
		// A reply still being written would go on writing into a conversation that is gone.
		if (this.runs.isRunning(sessionId)) await this.runs.stop(sessionId);
		await this.attachments.deleteForSession?.(sessionId);
		this.repo.delete(sessionId);
	}
}
