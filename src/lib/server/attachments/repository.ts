import { and, asc, eq, inArray, lt, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
	attachments,
	conversations,
	messageAttachments,
	messages,
	type AttachmentRow
} from '../db/schema';

export type NewAttachmentRow = typeof attachments.$inferInsert;

/** Attachment rows and their links to messages, in SQLite through Drizzle. */
export class AttachmentRepository {
	constructor(private readonly db: Db) {}

	insert(row: NewAttachmentRow): AttachmentRow {
		return this.db.insert(attachments).values(row).returning().get();
	}

	get(id: string): AttachmentRow | undefined {
		return this.db.select().from(attachments).where(eq(attachments.attachmentId, id)).get();
	}

	getMany(ids: string[]): AttachmentRow[] {
		if (!ids.length) return [];
		return this.db.select().from(attachments).where(inArray(attachments.attachmentId, ids)).all();
	}

	conversationExists(sessionId: string): boolean {
		return Boolean(
			this.db
				.select({ id: conversations.sessionId })
				.from(conversations)
				.where(eq(conversations.sessionId, sessionId))
				.get()
		);
	}

	/** Links attachments to a message and marks them used by it, atomically. */
	link(messageId: number, sessionId: string, ids: string[], now: string): void {
		if (!ids.length) return;
		this.db.transaction((tx) => {
			for (const attachmentId of ids) {
				tx.insert(messageAttachments)
					.values({ messageId, attachmentId })
					.onConflictDoNothing()
					.run();
			}
			tx.update(attachments)
				.set({ sessionId, lastUsedAt: now })
				.where(inArray(attachments.attachmentId, ids))
				.run();
		});
	}

	/** Each message's attachments, in the order they were attached. */
	forMessages(messageIds: number[]): { messageId: number; row: AttachmentRow }[] {
		if (!messageIds.length) return [];
		return this.db
			.select({ messageId: messageAttachments.messageId, row: attachments })
			.from(messageAttachments)
			.innerJoin(attachments, eq(attachments.attachmentId, messageAttachments.attachmentId))
			.where(inArray(messageAttachments.messageId, messageIds))
			.orderBy(asc(messageAttachments.messageId), asc(sql`${messageAttachments}.rowid`))
			.all();
	}

	touch(ids: string[], now: string): void {
		if (!ids.length) return;
		this.db
			.update(attachments)
			.set({ lastUsedAt: now })
			.where(inArray(attachments.attachmentId, ids))
			.run();
	}

	saveSignedUrl(id: string, signedUrl: string, expiresAt: string): void {
		this.db
			.update(attachments)
			.set({ signedUrl, signedUrlExpiresAt: expiresAt })
			.where(eq(attachments.attachmentId, id))
			.run();
	}

	/**
	 * The attachments that go when a conversation is deleted: uploaded into it or attached to its
	 * messages, but not attached to a message of another conversation (those stay with that one).
	 */
	ownedOnlyBy(sessionId: string): AttachmentRow[] {
		const linkedHere = this.db
			.select({ id: messageAttachments.attachmentId })
			.from(messageAttachments)
			.innerJoin(messages, eq(messages.id, messageAttachments.messageId))
			.where(eq(messages.sessionId, sessionId));
		const linkedElsewhere = this.db
			.select({ id: messageAttachments.attachmentId })
			.from(messageAttachments)
			.innerJoin(messages, eq(messages.id, messageAttachments.messageId))
			.where(ne(messages.sessionId, sessionId));
		return this.db
			.select()
			.from(attachments)
			.where(
				and(
					or(eq(attachments.sessionId, sessionId), inArray(attachments.attachmentId, linkedHere)),
					notInArray(attachments.attachmentId, linkedElsewhere)
				)
			)
			.all();
	}

	/** The oldest attachments unused since `cutoff`, skipping ones whose blob could not be deleted this run. */
	unusedSince(cutoff: string, limit: number, skip: string[] = []): AttachmentRow[] {
		return this.db
			.select()
			.from(attachments)
			.where(
				and(
					lt(attachments.lastUsedAt, cutoff),
					skip.length ? notInArray(attachments.attachmentId, skip) : undefined
				)
			)
			.orderBy(asc(attachments.lastUsedAt))
			.limit(limit)
			.all();
	}

	/** Deletes rows (their message links go with them). */
	delete(ids: string[]): number {
		if (!ids.length) return 0;
		return this.db.delete(attachments).where(inArray(attachments.attachmentId, ids)).run().changes;
	}

	/** Which of these blob names still belong to a row. */
	blobsInUse(names: string[]): Set<string> {
		if (!names.length) return new Set();
		const rows = this.db
			.select({ blob: attachments.gcsBlob })
			.from(attachments)
			.where(inArray(attachments.gcsBlob, names))
			.all();
		return new Set(rows.map((row) => row.blob));
	}
}
