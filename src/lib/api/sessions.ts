import { z } from 'zod';
import { messageAttachment } from './attachments';
import { usage } from './chat';
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
	attachments: z.array(messageAttachment)
});
export type Message = z.infer<typeof message>;

export const sessionSummary = z.object({
	session_id: z.string(),
	title: z.string(),
	created_at: z.string(),
	updated_at: z.string(),
	message_count: z.number()
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
	q: z.string().trim().max(200).optional()
});
export type SessionListQuery = z.infer<typeof sessionListQuery>;

export const sessionDetail = z.object({
	session_id: z.string(),
	title: z.string(),
	created_at: z.string(),
	updated_at: z.string(),
	/** A reply is being written right now (follow it with `GET /api/sessions/{id}/stream`). */
	running: z.boolean(),
	/** The model may search the web in this conversation (the composer's Web search toggle). */
	web_search: z.boolean().optional(),
	/** Oldest first: the whole conversation, or the page `limit` / `before` asked for. */
	messages: z.array(message),
	/** Older messages than the first of `messages` exist (ask with `before` = its id). */
	has_more: z.boolean()
});
export type SessionDetail = z.infer<typeof sessionDetail>;

/** The most messages one page of `GET /api/sessions/{id}` holds. */
export const MAX_MESSAGES_PAGE = 200;

/**
 * `GET /api/sessions/{id}?limit&before`: without `limit` the whole conversation (or everything
 * before `before`); with it, the last `limit` messages (before `before`), oldest first.
 */
export const sessionDetailQuery = z.object({
	limit: z.coerce
		.number('not a number')
		.int('not a whole number')
		.min(1, 'at least 1')
		.max(MAX_MESSAGES_PAGE, `at most ${MAX_MESSAGES_PAGE}`)
		.optional(),
	/** A message id: only messages older than it (ids grow with time). */
	before: z.coerce
		.number('not a message id')
		.int('not a message id')
		.positive('not a message id')
		.max(Number.MAX_SAFE_INTEGER, 'not a message id')
		.optional()
});
export type SessionDetailQuery = z.infer<typeof sessionDetailQuery>;

export const renameSessionRequest = z.object({
	title: z
		.string()
		.trim()
		.min(1, 'title must not be empty')
		.max(200, 'title is longer than 200 characters')
});
export type RenameSessionRequest = z.infer<typeof renameSessionRequest>;

/** `PATCH /api/sessions/{id}`: any of the conversation's settings. */
export const sessionPatchRequest = z
	.object({
		title: renameSessionRequest.shape.title.optional(),
		web_search: z.boolean().optional()
	})
	.refine((patch) => Object.values(patch).some((value) => value !== undefined), {
		message: 'nothing to change: give title or web_search'
	});
export type SessionPatchRequest = z.infer<typeof sessionPatchRequest>;

/** `POST /api/sessions/{id}/stop` answers how the stopped turn ended (`aborted`, or how it had just ended). */
export const stoppedTurn = z.object({
	ok: z.literal(true),
	message_id: z.number().nullable(),
	finish_reason: z.string().nullable()
});
export type StoppedTurn = z.infer<typeof stoppedTurn>;

/** `PATCH /api/sessions/{id}` answers the conversation with its new title. */
export const renamedSession = sessionSummary
	.omit({ message_count: true })
	.extend({ web_search: z.boolean().optional() });
export type RenamedSession = z.infer<typeof renamedSession>;
