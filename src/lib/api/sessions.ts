import { z } from 'zod';
import { messageAttachment } from './attachments';
import { usage } from './chat';
import { modelId } from './settings';
import { MCP_SERVER_ID } from './mcp';
import { messageResource } from './mcp-features';
import { citation } from './web-search';

export const toolCall = z.object({
	id: z.string(),
	type: z.literal('function'),
	function: z.object({ name: z.string(), arguments: z.string() })
});
export type ToolCall = z.infer<typeof toolCall>;

export const messageRole = z.enum(['system', 'user', 'assistant', 'tool']);
export type MessageRole = z.infer<typeof messageRole>;

export const message = z.object({
	id: z.number(),
	/** The message this one follows in the tree; null for a conversation's first message. */
	parent_id: z.number().nullable(),
	/**
	 * Its versions: the ids of the messages under the same parent (edits of a question, other
	 * replies to it), itself included, oldest first. `[id]` when it has none.
	 */
	sibling_ids: z.array(z.number()),
	role: messageRole,
	content: z.string(),
	reasoning: z.string().nullable().optional(),
	tool_calls: z.array(toolCall).nullable(),
	tool_call_id: z.string().nullable(),
	model_id: z.string().nullable(),
	usage: usage.nullable(),
	/**
	 * How the reply ended: stop, length, tool_calls, error, aborted (stopped by the person),
	 * interrupted (the server died or shut down mid-reply)… `streaming` while it is still being
	 * written. Null for user messages.
	 */
	finish_reason: z.string().nullable().optional(),
	error: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
	/** The web sources of a reply written with web search. */
	citations: z.array(citation).nullable().optional(),
	created_at: z.string(),
	attachments: z.array(messageAttachment),
	/** MCP resources attached to a question (shown as chips; their text went upstream). */
	resources: z.array(messageResource).optional()
});
export type Message = z.infer<typeof message>;

export const sessionSummary = z.object({
	session_id: z.string(),
	title: z.string(),
	created_at: z.string(),
	updated_at: z.string(),
	message_count: z.number(),
	/** The project the chat belongs to; null outside projects. */
	project_id: z.string().nullable(),
	/** Pinned chats come first in the list. */
	pinned: z.boolean(),
	/** The chat's own model; null follows its project's, else the active model. */
	model_id: z.string().nullable(),
	/** With `q`: the newest message that matches (a title match alone has none). */
	match: z.object({ message_id: z.number(), snippet: z.string() }).nullable().optional()
});
export type SessionSummary = z.infer<typeof sessionSummary>;

export const sessionList = z.object({
	sessions: z.array(sessionSummary),
	next_cursor: z.string().nullable()
});
export type SessionList = z.infer<typeof sessionList>;

export const sessionListQuery = z.object({
	limit: z.coerce.number().int().min(1).max(200).default(50),
	cursor: z.string().max(500).optional(),
	q: z.string().trim().max(200).optional(),
	/** Only the chats of this project; `none`: only those outside projects. */
	project_id: z
		.union([z.literal('none'), z.string().uuid('is not a project id or none')])
		.optional()
});
export type SessionListQuery = z.infer<typeof sessionListQuery>;

export const sessionDetail = z.object({
	session_id: z.string(),
	title: z.string(),
	created_at: z.string(),
	updated_at: z.string(),
	project_id: z.string().nullable().optional(),
	pinned: z.boolean().optional(),
	/** The chat's own model (null: its project's, else the active model). */
	model_id: z.string().nullable().optional(),
	/** Never listed or searched; deleted 24 h after its last message. */
	temporary: z.boolean().optional(),
	/** A reply is being written right now (follow it with `GET /api/sessions/{id}/stream`). */
	running: z.boolean(),
	/** The model may search the web in this conversation (the composer's Web search toggle). */
	web_search: z.boolean().optional(),
	/** The last message of the path shown (and sent upstream); null in an empty conversation. */
	current_leaf_id: z.number().nullable(),
	/**
	 * Oldest first. Without `limit`/`before`: every message of the tree. With them: the page of the
	 * current path (root → `current_leaf_id`) they asked for.
	 */
	messages: z.array(message),
	/** Older messages than the first of `messages` exist (ask with `before` = its id). */
	has_more: z.boolean(),
	/** MCP servers whose tools this chat does not offer. */
	disabled_servers: z.array(z.string()).optional()
});
export type SessionDetail = z.infer<typeof sessionDetail>;

/** The most messages one page of `GET /api/sessions/{id}` holds. */
export const MAX_MESSAGES_PAGE = 200;

/**
 * `GET /api/sessions/{id}?limit&before`: without either the whole tree; with them, the last
 * `limit` messages (all without it) of the current path before the message `before` (a message
 * of that path; the leaf when not given), oldest first.
 */
export const sessionDetailQuery = z.object({
	limit: z.coerce
		.number('not a number')
		.int('not a whole number')
		.min(1, 'at least 1')
		.max(MAX_MESSAGES_PAGE, `at most ${MAX_MESSAGES_PAGE}`)
		.optional(),
	/** A message id on the current path: only the messages above it. */
	before: z.coerce
		.number('not a message id')
		.int('not a message id')
		.positive('not a message id')
		.max(Number.MAX_SAFE_INTEGER, 'not a message id')
		.optional()
});
export type SessionDetailQuery = z.infer<typeof sessionDetailQuery>;

export const disabledServersField = z
	.array(z.string().regex(MCP_SERVER_ID, 'not a server id'))
	.max(100, 'at most 100 servers');

/** `PATCH /api/sessions/{id}`: any of these; the fields given change, the others stay. */
export const sessionPatchRequest = z
	.object({
		title: z
			.string()
			.trim()
			.min(1, 'title must not be empty')
			.max(200, 'title is longer than 200 characters')
			.optional(),
		/**
		 * Show the path through this message: the conversation's leaf becomes the newest leaf
		 * under it (a version picked by Previous / Next version, a compared reply chosen).
		 */
		current_leaf_id: z
			.number('not a message id')
			.int('not a message id')
			.positive('not a message id')
			.max(Number.MAX_SAFE_INTEGER, 'not a message id')
			.optional(),
		/** The chat's own model; null: follow its project's, else the active model. */
		model_id: modelId.nullable().optional(),
		/** Moves the chat into a project; null: out of it. */
		project_id: z.string().uuid('is not a project id').nullable().optional(),
		pinned: z.boolean().optional(),
		/** MCP servers whose tools this chat does not offer. */
		disabled_servers: disabledServersField.optional(),
		/** Let the model search the web in this chat (the composer's Web search toggle). */
		web_search: z.boolean().optional()
	})
	.refine(
		(body) => Object.values(body).some((value) => value !== undefined),
		'nothing to change: give at least one field'
	);
export type SessionPatchRequest = z.infer<typeof sessionPatchRequest>;
/** The title alone (the sidebar's rename). */
export const renameSessionRequest = sessionPatchRequest;
export type RenameSessionRequest = SessionPatchRequest;

/** `POST /api/sessions/{id}/stop` answers how the stopped turn ended (`aborted`, or how it had just ended). */
export const stoppedTurn = z.object({
	ok: z.literal(true),
	message_id: z.number().nullable(),
	finish_reason: z.string().nullable()
});
export type StoppedTurn = z.infer<typeof stoppedTurn>;

/** `PATCH /api/sessions/{id}` answers the conversation as it now is. */
export const renamedSession = sessionSummary.omit({ message_count: true }).extend({
	current_leaf_id: z.number().nullable(),
	disabled_servers: z.array(z.string()).optional(),
	web_search: z.boolean().optional()
});
export type RenamedSession = z.infer<typeof renamedSession>;
