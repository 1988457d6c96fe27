import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionDetail } from '$lib/api';
import { ChatRepository } from '$lib/server/chat/repository';
import { SessionService } from '$lib/server/chat/sessions';
import { DATABASE_FILE, openDatabase } from '$lib/server/db/client';
import { disposeAll, onDispose, tempDir } from '../support/factories';

afterEach(disposeAll);

/** A copy of a database the previous release wrote (three conversations, one with a tool call). */
function releaseDatabase() {
	const dataDir = path.join(tempDir(), 'data');
	mkdirSync(dataDir, { recursive: true });
	copyFileSync('tests/fixtures/db/release-0.1.db', path.join(dataDir, DATABASE_FILE));
	const migrated = openDatabase(dataDir);
	onDispose(() => migrated.$client.close());
	const repo = new ChatRepository(migrated);
	return { db: migrated, repo, sessions: new SessionService(repo) };
}

describe('migrating a database of the previous release to the tree', () => {
	it('turns each conversation into one chain whose leaf is its last message', () => {
		const { repo } = releaseDatabase();
		for (const sessionId of ['s-one', 's-two']) {
			const rows = repo.listMessages(sessionId);
			expect(rows.length).toBeGreaterThan(1);
			// Messages of the two conversations interleave by id: each follows its own previous one.
			expect(rows.map((row) => row.parentId)).toEqual([
				null,
				...rows.slice(0, -1).map((r) => r.id)
			]);
			expect(repo.getConversation(sessionId)?.currentLeafId).toBe(rows.at(-1)!.id);
			expect(repo.tree.path(sessionId, rows.at(-1)!.id)).toEqual(rows);
		}
		expect(repo.getConversation('s-empty')?.currentLeafId).toBeNull();
	});

	it('opens the old conversations as before, tool call included, and goes on from their end', async () => {
		const { repo, sessions } = releaseDatabase();
		const page = sessionDetail.parse(await sessions.get('s-two', { limit: 50 }));
		expect(page.messages.map((m) => [m.role, m.content])).toEqual([
			['user', 'What is 2+2?'],
			['assistant', ''],
			['tool', '4'],
			['assistant', '2+2 is **4**.']
		]);
		expect(page.messages[1].tool_calls).toHaveLength(1);
		expect(page.messages.every((m) => m.sibling_ids.length === 1)).toBe(true);
		expect(page.has_more).toBe(false);

		const row = repo.addMessage({
			sessionId: 's-two',
			role: 'user',
			content: 'And 3+3?',
			createdAt: new Date().toISOString()
		});
		expect(row.parentId).toBe(page.messages.at(-1)!.id);
		expect(repo.getConversation('s-two')?.currentLeafId).toBe(row.id);
		const empty = sessionDetail.parse(await sessions.get('s-empty', { limit: 50 }));
		expect([empty.messages, empty.current_leaf_id]).toEqual([[], null]);
	});
});
