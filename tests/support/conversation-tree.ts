import { eq } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import {
	attachments,
	conversations,
	messageAttachments,
	messages,
	type NewMessageRow
} from '$lib/server/db/schema';
import { nextTimestamp } from './factories';

export interface TreeMessage extends Partial<Omit<NewMessageRow, 'id' | 'sessionId' | 'parentId'>> {
	/** A name for the message, to point `parent` and `leaf` at it. */
	key: string;
	parent?: string;
	content: string;
	role: NewMessageRow['role'];
	/** Files attached to it: made in the attachments table and linked. */
	files?: { fileName: string; mimeType: string; sizeBytes: number }[];
}

export interface SeededTree {
	sessionId: string;
	/** Message ids by key. */
	ids: Record<string, number>;
	attachmentIds: string[];
}

/**
 * A conversation with a message tree written straight into SQLite (the repository's turn writes
 * build chains, not arbitrary trees). `leaf` is the current leaf's key (the last message without it).
 */
export function seedTree(
	db: Db,
	seed: {
		title?: string;
		sessionId?: string;
		temporary?: boolean;
		leaf?: string;
		messages: TreeMessage[];
	}
): SeededTree {
	const sessionId = seed.sessionId ?? crypto.randomUUID();
	const now = nextTimestamp();
	db.insert(conversations)
		.values({
			sessionId,
			title: seed.title ?? 'A conversation',
			createdAt: now,
			updatedAt: now,
			temporary: seed.temporary ?? false
		})
		.run();
	const ids: Record<string, number> = {};
	const attachmentIds: string[] = [];
	for (const { key, parent, files, ...fields } of seed.messages) {
		const row = db
			.insert(messages)
			.values({
				createdAt: nextTimestamp(),
				...fields,
				sessionId,
				parentId: parent === undefined ? null : ids[parent]
			})
			.returning()
			.get();
		ids[key] = row.id;
		for (const file of files ?? []) {
			const attachmentId = crypto.randomUUID();
			attachmentIds.push(attachmentId);
			db.insert(attachments)
				.values({
					attachmentId,
					sessionId,
					...file,
					gcsBlob: attachmentId,
					sha256: '0'.repeat(64),
					createdAt: now,
					lastUsedAt: now
				})
				.run();
			db.insert(messageAttachments).values({ messageId: row.id, attachmentId }).run();
		}
	}
	const leafKey = seed.leaf ?? seed.messages.at(-1)?.key;
	db.update(conversations)
		.set({ currentLeafId: leafKey === undefined ? null : ids[leafKey] })
		.where(eq(conversations.sessionId, sessionId))
		.run();
	return { sessionId, ids, attachmentIds };
}
