import { z } from 'zod';
import { usage } from './chat';
import { messageRole, toolCall } from './sessions';

/** `GET /api/sessions/{id}/export?format=`: the current path as Markdown, or the whole tree as JSON. */
export const exportQuery = z.object({
	format: z.enum(['markdown', 'json'], 'markdown or json').default('markdown')
});
export type ExportQuery = z.infer<typeof exportQuery>;

export const CONVERSATION_FORMAT = 'switchboard.conversation';
export const CONVERSATIONS_FORMAT = 'switchboard.conversations';
export const EXPORT_VERSION = 1;

const time = z
	.string()
	.max(40)
	.refine((value) => !Number.isNaN(Date.parse(value)), 'not a date and time');
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const exportedCitation = z.object({
	url: z.string().max(10_000),
	title: z.string().max(10_000).optional(),
	content: z.string().optional()
});

export const exportedResource = z.object({
	server_id: z.string().max(200),
	uri: z.string().max(10_000),
	name: z.string().max(1000).optional(),
	mime_type: z.string().max(200).optional(),
	truncated: z.boolean().optional()
});

/** An attachment as an export names it: the file itself stays in the app's storage. */
export const exportedAttachment = z.object({
	attachment_id: z.string().max(100),
	file_name: z.string().max(1000),
	mime_type: z.string().max(200),
	size_bytes: z.number().int().nonnegative()
});
export type ExportedAttachment = z.infer<typeof exportedAttachment>;

/** One message of the tree; `parent_id` is another message's `id` of the same file, or null. */
export const exportedMessage = z.object({
	id,
	parent_id: id.nullable(),
	role: messageRole,
	content: z.string(),
	reasoning: z.string().nullable().default(null),
	tool_calls: z.array(toolCall).max(1000).nullable().default(null),
	tool_call_id: z.string().max(1000).nullable().default(null),
	model_id: z.string().max(200).nullable().default(null),
	usage: usage.nullable().default(null),
	finish_reason: z.string().max(100).nullable().default(null),
	error: z
		.object({ code: z.string().max(200), message: z.string().max(100_000) })
		.nullable()
		.default(null),
	citations: z.array(exportedCitation).max(10_000).nullable().default(null),
	resources: z.array(exportedResource).max(1000).nullable().default(null),
	attachments: z.array(exportedAttachment).max(1000).default([]),
	created_at: time
});
export type ExportedMessage = z.infer<typeof exportedMessage>;

/** A conversation with its whole message tree, oldest message first. */
export const exportedConversation = z.object({
	session_id: z.string().uuid('not a session id'),
	title: z.string().max(200),
	created_at: time,
	updated_at: time,
	/** The last message of the path the conversation shows; null when it has no messages. */
	current_leaf_id: id.nullable(),
	model_id: z.string().max(200).nullable().default(null),
	project_id: z.string().max(200).nullable().default(null),
	pinned_at: time.nullable().default(null),
	temporary: z.boolean().default(false),
	disabled_servers: z.array(z.string().max(200)).max(1000).nullable().default(null),
	web_search: z.boolean().default(false),
	messages: z.array(exportedMessage)
});
export type ExportedConversation = z.infer<typeof exportedConversation>;

/** `GET /api/sessions/{id}/export?format=json`: one conversation, its fields beside `format`. */
export const conversationFile = exportedConversation.extend({
	format: z.literal(CONVERSATION_FORMAT),
	version: z.literal(EXPORT_VERSION),
	exported_at: time.optional()
});
export type ConversationFile = z.infer<typeof conversationFile>;

/** `GET /api/sessions/export`: every conversation that is not temporary. */
export const conversationsFile = z.object({
	format: z.literal(CONVERSATIONS_FORMAT),
	version: z.literal(EXPORT_VERSION),
	exported_at: time.optional(),
	conversations: z.array(exportedConversation)
});
export type ConversationsFile = z.infer<typeof conversationsFile>;

/**
 * `POST /api/sessions/import` answers how many conversations were added and how many the app
 * already had (the same session, or the same ChatGPT conversation, imported before).
 * `session_ids` are the added ones, in the file's order.
 */
export const importResult = z.object({
	imported: z.number().int().nonnegative(),
	skipped: z.number().int().nonnegative(),
	session_ids: z.array(z.string())
});
export type ImportResult = z.infer<typeof importResult>;

/** The largest import file the server reads (JSON body or multipart upload). */
export const IMPORT_MAX_BYTES = 64 * 1024 * 1024;

/** Where the browser downloads one conversation's export. */
export const exportPath = (sessionId: string, format: ExportQuery['format']) =>
	`/api/sessions/${encodeURIComponent(sessionId)}/export?format=${format}`;

/** Where the browser downloads every conversation. */
export const EXPORT_ALL_PATH = '/api/sessions/export';
