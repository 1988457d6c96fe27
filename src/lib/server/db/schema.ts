import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const conversations = sqliteTable(
	'conversations',
	{
		sessionId: text('session_id').primaryKey(),
		title: text('title').notNull(),
		createdAt: text('created_at').notNull(),
		updatedAt: text('updated_at').notNull()
	},
	(table) => [index('conversations_updated_at_idx').on(table.updatedAt, table.sessionId)]
);

export const messages = sqliteTable(
	'messages',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		sessionId: text('session_id')
			.notNull()
			.references(() => conversations.sessionId, { onDelete: 'cascade' }),
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
		createdAt: text('created_at').notNull()
	},
	(table) => [index('messages_session_id_idx').on(table.sessionId, table.id)]
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

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type NewMessageRow = typeof messages.$inferInsert;
export type AttachmentRow = typeof attachments.$inferSelect;
export type AuthSessionRow = typeof authSessions.$inferSelect;
