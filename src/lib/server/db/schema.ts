import {
	index,
	integer,
	primaryKey,
	sqliteTable,
	text,
	type AnySQLiteColumn
} from 'drizzle-orm/sqlite-core';

/** Folders of conversations with their own system prompt and model. */
export const projects = sqliteTable('projects', {
	projectId: text('project_id').primaryKey(),
	name: text('name').notNull(),
	description: text('description').notNull().default(''),
	/** Replaces the global system prompt for the project's chats when set. */
	systemPrompt: text('system_prompt'),
	/** The project's chats use this model unless a chat has its own. */
	modelId: text('model_id'),
	/** New chats of the project start with web search on. */
	webSearch: integer('web_search', { mode: 'boolean' }).notNull().default(false),
	createdAt: text('created_at').notNull(),
	updatedAt: text('updated_at').notNull()
});

export const conversations = sqliteTable(
	'conversations',
	{
		sessionId: text('session_id').primaryKey(),
		title: text('title').notNull(),
		createdAt: text('created_at').notNull(),
		updatedAt: text('updated_at').notNull(),
		/** The last message of the path shown and sent upstream; null before the first message. */
		currentLeafId: integer('current_leaf_id'),
		/** The chat's own model; null follows its project's, else the active model. */
		modelId: text('model_id'),
		projectId: text('project_id').references(() => projects.projectId, { onDelete: 'set null' }),
		pinnedAt: text('pinned_at'),
		/** Never listed, searched or logged; deleted 24 h after its last message. */
		temporary: integer('temporary', { mode: 'boolean' }).notNull().default(false),
		/** MCP server ids whose tools this chat does not offer, as JSON. */
		disabledServers: text('disabled_servers', { mode: 'json' }).$type<string[]>(),
		webSearch: integer('web_search', { mode: 'boolean' }).notNull().default(false)
	},
	(table) => [
		index('conversations_updated_at_idx').on(table.updatedAt, table.sessionId),
		index('conversations_project_id_idx').on(table.projectId, table.updatedAt),
		index('conversations_pinned_at_idx').on(table.pinnedAt)
	]
);

export const messages = sqliteTable(
	'messages',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		sessionId: text('session_id')
			.notNull()
			.references(() => conversations.sessionId, { onDelete: 'cascade' }),
		/** The message this one answers or follows; null for a conversation's first message. */
		parentId: integer('parent_id').references((): AnySQLiteColumn => messages.id, {
			onDelete: 'cascade'
		}),
		role: text('role', { enum: ['system', 'user', 'assistant', 'tool'] }).notNull(),
		content: text('content').notNull(),
		reasoning: text('reasoning'),
		/** OpenAI-style `tool_calls` array of an assistant message, as JSON. */
		toolCalls: text('tool_calls', { mode: 'json' }).$type<
			{ id: string; type: 'function'; function: { name: string; arguments: string } }[]
		>(),
		toolCallId: text('tool_call_id'),
		modelId: text('model_id'),
		usage: text('usage', { mode: 'json' }).$type<{
			prompt_tokens: number;
			completion_tokens: number;
			total_tokens: number;
			cost?: number;
		}>(),
		finishReason: text('finish_reason'),
		error: text('error', { mode: 'json' }).$type<{ code: string; message: string }>(),
		/** Web sources of a reply (`url_citation` annotations), as JSON. */
		citations: text('citations', { mode: 'json' }).$type<
			{ url: string; title?: string; content?: string }[]
		>(),
		/** MCP resources attached to a user message (their text went upstream), as JSON. */
		resources: text('resources', { mode: 'json' }).$type<
			{
				server_id: string;
				uri: string;
				name?: string;
				mime_type?: string;
				truncated?: boolean;
				/** The text that went upstream, sent again with later turns. */
				text?: string;
			}[]
		>(),
		createdAt: text('created_at').notNull()
	},
	(table) => [
		index('messages_session_id_idx').on(table.sessionId, table.id),
		index('messages_parent_id_idx').on(table.parentId)
	]
);

export const attachments = sqliteTable(
	'attachments',
	{
		attachmentId: text('attachment_id').primaryKey(),
		sessionId: text('session_id').references(() => conversations.sessionId, {
			onDelete: 'set null'
		}),
		fileName: text('file_name').notNull(),
		/** Object name in the bucket, or the file name under the local attachments folder. */
		gcsBlob: text('gcs_blob').notNull(),
		mimeType: text('mime_type').notNull(),
		sizeBytes: integer('size_bytes').notNull(),
		sha256: text('sha256').notNull(),
		signedUrl: text('signed_url'),
		signedUrlExpiresAt: text('signed_url_expires_at'),
		createdAt: text('created_at').notNull(),
		lastUsedAt: text('last_used_at').notNull()
	},
	(table) => [
		index('attachments_session_id_idx').on(table.sessionId),
		index('attachments_last_used_at_idx').on(table.lastUsedAt),
		// The reaper's orphan sweep looks blobs up by name, a page at a time.
		index('attachments_gcs_blob_idx').on(table.gcsBlob)
	]
);

export const messageAttachments = sqliteTable(
	'message_attachments',
	{
		messageId: integer('message_id')
			.notNull()
			.references(() => messages.id, { onDelete: 'cascade' }),
		attachmentId: text('attachment_id')
			.notNull()
			.references(() => attachments.attachmentId, { onDelete: 'cascade' })
	},
	(table) => [
		primaryKey({ columns: [table.messageId, table.attachmentId] }),
		index('message_attachments_attachment_id_idx').on(table.attachmentId)
	]
);

/**
 * Login sessions (with APP_PASSWORD set). Only the SHA-256 of the cookie's token is kept, so a
 * copy of the database does not log anyone in. Times are ISO strings, like everywhere else here.
 */
export const authSessions = sqliteTable(
	'auth_sessions',
	{
		tokenHash: text('token_hash').primaryKey(),
		createdAt: text('created_at').notNull(),
		expiresAt: text('expires_at').notNull(),
		lastSeenAt: text('last_seen_at').notNull()
	},
	(table) => [index('auth_sessions_expires_at_idx').on(table.expiresAt)]
);

export type ProjectRow = typeof projects.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type NewMessageRow = typeof messages.$inferInsert;
export type AttachmentRow = typeof attachments.$inferSelect;
export type AuthSessionRow = typeof authSessions.$inferSelect;
