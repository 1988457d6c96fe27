import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { count, eq } from 'drizzle-orm';
import type { ChatRepository } from '$lib/server/chat/repository';
import { openDatabase } from '$lib/server/db/client';
import { messages, type NewMessageRow } from '$lib/server/db/schema';
import { AppError } from '$lib/server/errors';
import { disposeAll, nextTimestamp, seedConversation, testRepository } from '../support/factories';

afterEach(disposeAll);

/** Every page of the list, following cursors. */
function allPages(repo: ChatRepository, limit: number, q?: string) {
	const pages: string[][] = [];
	let cursor: string | undefined;
	do {
		const page = repo.listSessions({ limit, cursor, q });
		pages.push(page.sessions.map((s) => s.title));
		cursor = page.nextCursor ?? undefined;
		if (pages.length > 100) throw new Error('the cursor never ends');
	} while (cursor);
	return pages;
}

describe('chat repository', () => {
	describe('database', () => {
		it('opens in WAL mode with foreign keys and the indexes on session_id and updated_at', () => {
			const { db, dataDir } = testRepository();
			expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
			expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
			const indexes = db.$client
				.prepare(
					`select name, tbl_name from sqlite_master where type = 'index' and name not like 'sqlite_%'`
				)
				.all();
			expect(indexes).toEqual(
				expect.arrayContaining([
					{ name: 'messages_session_id_idx', tbl_name: 'messages' },
					{ name: 'conversations_updated_at_idx', tbl_name: 'conversations' }
				])
			);
			// Migrations are applied once; opening the same folder again is harmless.
			const again = openDatabase(dataDir);
			const journal = JSON.parse(readFileSync('drizzle/meta/_journal.json', 'utf8')) as {
				entries: unknown[];
			};
			expect(again.$client.prepare(`select count(*) as n from __drizzle_migrations`).get()).toEqual(
				{
					n: journal.entries.length
				}
			);
			again.$client.close();
		});
	});

	describe('list', () => {
		it('pages newest first through every conversation', () => {
			const { repo } = testRepository();
			for (let i = 0; i < 25; i++)
				seedConversation(repo, { title: `chat ${i}`, updatedAt: nextTimestamp() });
			const pages = allPages(repo, 10);
			expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
			expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `chat ${24 - i}`));
		});

		it('is stable when many conversations share the same updated_at', () => {
			const { repo } = testRepository();
			const at = nextTimestamp();
			for (let i = 0; i < 23; i++) seedConversation(repo, { title: `same ${i}`, updatedAt: at });
			const titles = allPages(repo, 7).flat();
			expect(titles).toHaveLength(23);
			expect(new Set(titles).size).toBe(23);
		});

		it('does not repeat or skip conversations when a new one arrives between pages', () => {
			const { repo } = testRepository();
			for (let i = 0; i < 6; i++)
				seedConversation(repo, { title: `old ${i}`, updatedAt: nextTimestamp() });
			const first = repo.listSessions({ limit: 3 });
			seedConversation(repo, { title: 'brand new', updatedAt: nextTimestamp() });
			const second = repo.listSessions({ limit: 3, cursor: first.nextCursor! });
			expect([...first.sessions, ...second.sessions].map((s) => s.title)).toEqual([
				'old 5',
				'old 4',
				'old 3',
				'old 2',
				'old 1',
				'old 0'
			]);
		});

		it('counts the messages of each conversation', () => {
			const { repo } = testRepository();
			seedConversation(repo, {
				title: 'three',
				messages: [{ content: 'a' }, { content: 'b' }, { content: 'c' }]
			});
			seedConversation(repo, { title: 'none' });
			const counts = Object.fromEntries(
				repo.listSessions({ limit: 10 }).sessions.map((s) => [s.title, s.messageCount])
			);
			expect(counts).toEqual({ three: 3, none: 0 });
		});

		it('moves a conversation to the top when a message is added', () => {
			const { repo } = testRepository();
			const older = seedConversation(repo, { title: 'older', updatedAt: nextTimestamp() });
			seedConversation(repo, { title: 'newer', updatedAt: nextTimestamp() });
			const at = nextTimestamp();
			repo.addMessage({ sessionId: older, role: 'user', content: 'bump', createdAt: at });
			expect(repo.listSessions({ limit: 10 }).sessions.map((s) => s.title)).toEqual([
				'older',
				'newer'
			]);
			expect(repo.getConversation(older)?.updatedAt).toBe(at);
		});

		it.each([
			'not-a-cursor',
			'eyJmb28iOjF9',
			Buffer.from('["only one"]').toString('base64url'),
			'%%%'
		])('rejects the malformed cursor %s', (cursor) => {
			const { repo } = testRepository();
			seedConversation(repo);
			const error = (() => {
				try {
					repo.listSessions({ limit: 10, cursor });
				} catch (e) {
					return e;
				}
			})();
			expect(error).toBeInstanceOf(AppError);
			expect(error).toMatchObject({ status: 400, code: 'invalid_cursor' });
		});
	});

	describe('search', () => {
		function seedSearchable(repo: ChatRepository) {
			seedConversation(repo, {
				title: 'Sourdough starter',
				messages: [{ content: 'How do I feed it?' }, { content: 'Flour and water, daily.' }]
			});
			seedConversation(repo, {
				title: 'Trip plan',
				messages: [
					{ content: 'Kyoto in April: temples & Tōfuku-ji' },
					{ content: 'Book the ryokan early.' }
				]
			});
			seedConversation(repo, {
				title: '100% discount?',
				messages: [{ content: 'Is 100 percent real' }]
			});
			seedConversation(repo, {
				title: 'snake_case names',
				messages: [{ content: 'say "hello" and it\'s fine' }]
			});
			seedConversation(repo, { title: 'Go', messages: [{ content: 'go is a language; C# too' }] });
		}
		const search = (repo: ChatRepository, q: string) =>
			repo
				.listSessions({ limit: 50, q })
				.sessions.map((s) => s.title)
				.sort();

		it('finds titles and message text (three or more characters, full-text index)', () => {
			const { repo } = testRepository();
			seedSearchable(repo);
			expect(search(repo, 'sourdough')).toEqual(['Sourdough starter']);
			expect(search(repo, 'ryokan')).toEqual(['Trip plan']);
			expect(search(repo, 'RYOKAN')).toEqual(['Trip plan']);
			expect(search(repo, 'kan ear')).toEqual(['Trip plan']);
			expect(search(repo, 'Tōfuku')).toEqual(['Trip plan']);
			expect(search(repo, 'nothing like this')).toEqual([]);
		});

		it('indexes a reply once it has finished, not each rewrite while it streams', () => {
			const { repo, db } = testRepository();
			const sessionId = seedConversation(repo, {
				title: 'Untitled',
				messages: [{ content: 'Tell me a story' }]
			});
			const draft = repo.addMessage({
				sessionId,
				role: 'assistant',
				content: 'Once upon a time',
				finishReason: 'streaming',
				createdAt: nextTimestamp()
			});
			repo.writeDrafts([{ id: draft.id, content: 'Once upon a time a lighthouse', reasoning: '' }]);
			expect(search(repo, 'lighthouse')).toEqual([]);
			repo.updateMessage(draft.id, {
				content: 'Once upon a time a lighthouse keeper',
				finishReason: 'stop'
			});
			expect(search(repo, 'lighthouse keeper')).toEqual(['Untitled']);
			expect(search(repo, 'Once upon')).toEqual(['Untitled']);

			// One the server did not finish (it died mid-reply) is indexed when start-up marks it.
			const cut = repo.addMessage({
				sessionId,
				role: 'assistant',
				content: 'a dragon appeared',
				finishReason: 'streaming',
				createdAt: nextTimestamp()
			});
			expect(search(repo, 'dragon')).toEqual([]);
			expect(repo.markUnfinished('streaming', 'interrupted')).toBe(1);
			expect(search(repo, 'dragon')).toEqual(['Untitled']);

			// Deleting drafts and finished replies alike leaves the index matching the table.
			repo.addMessage({
				sessionId,
				role: 'assistant',
				content: 'never finished',
				finishReason: 'streaming',
				createdAt: nextTimestamp()
			});
			repo.deleteMessagesAfter(sessionId, cut.id - 1);
			const client = db.$client;
			expect(() =>
				client.exec("insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)")
			).not.toThrow();
			expect(search(repo, 'dragon')).toEqual([]);
			expect(search(repo, 'lighthouse')).toEqual(['Untitled']);
			expect(repo.delete(sessionId)).toBe(true);
			expect(() =>
				client.exec("insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)")
			).not.toThrow();
			expect(search(repo, 'lighthouse')).toEqual([]);
		});

		it('finds short queries by scanning', () => {
			const { repo } = testRepository();
			seedSearchable(repo);
			expect(search(repo, 'Go')).toEqual(['Go']);
			expect(search(repo, 'C#')).toEqual(['Go']);
			expect(search(repo, 'Ky')).toEqual(['Trip plan']);
		});

		it.each([
			['%', ['100% discount?']],
			['_', ['snake_case names']],
			['0%', ['100% discount?']],
			['e_c', ['snake_case names']],
			['"hello"', ['snake_case names']],
			["it's", ['snake_case names']],
			['"', ['snake_case names']],
			["'", ['snake_case names']],
			['\\', []],
			['temples & T', ['Trip plan']],
			['feed OR water', []],
			['feed*', []],
			['NEAR(a b)', []],
			['col:umn', []],
			['-flour', []],
			['(', []]
		])('treats %s as plain text', (q, expected) => {
			const { repo } = testRepository();
			seedSearchable(repo);
			expect(search(repo, q)).toEqual(expected);
		});

		it('pages through a short query that matches hundreds of conversations', () => {
			const { db, repo } = testRepository();
			db.$client.transaction(() => {
				for (let i = 0; i < 780; i++) {
					const content = i % 3 ? `chat about AI number ${i}` : `chat number ${i}`;
					seedConversation(repo, {
						title: `chat ${i}`,
						updatedAt: nextTimestamp(),
						messages: [{ content }]
					});
				}
			})();
			const titles = allPages(repo, 50, 'ai').flat();
			const expected = Array.from({ length: 780 }, (_, i) => 779 - i)
				.filter((i) => i % 3)
				.map((i) => `chat ${i}`);
			expect(titles).toEqual(expected);
		});

		it('pages through search results', () => {
			const { repo } = testRepository();
			for (let i = 0; i < 12; i++)
				seedConversation(repo, {
					title: `chat ${i}`,
					updatedAt: nextTimestamp(),
					messages: [{ content: i % 2 ? 'about llamas' : 'about cats' }]
				});
			const pages = allPages(repo, 4, 'llama');
			expect(pages.flat()).toEqual(['chat 11', 'chat 9', 'chat 7', 'chat 5', 'chat 3', 'chat 1']);
		});

		it('forgets the text of deleted messages', () => {
			const { repo } = testRepository();
			const id = seedConversation(repo, {
				title: 'Retry',
				messages: [{ content: 'question' }, { content: 'a regrettable answer' }]
			});
			const [question] = repo.listMessages(id);
			repo.deleteMessagesAfter(id, question.id);
			expect(repo.listSessions({ limit: 10, q: 'regrettable' }).sessions).toEqual([]);
			expect(repo.listSessions({ limit: 10, q: 'question' }).sessions).toHaveLength(1);
		});
	});

	describe('rename and delete', () => {
		it('renames without moving the conversation in the list', () => {
			const { repo } = testRepository();
			const oldest = seedConversation(repo, { title: 'first', updatedAt: nextTimestamp() });
			seedConversation(repo, { title: 'second', updatedAt: nextTimestamp() });
			const before = repo.getConversation(oldest)!;
			const renamed = repo.rename(oldest, 'First, renamed');
			expect(renamed).toEqual({ ...before, title: 'First, renamed' });
			expect(repo.listSessions({ limit: 10 }).sessions.map((s) => s.title)).toEqual([
				'second',
				'First, renamed'
			]);
			expect(repo.rename(crypto.randomUUID(), 'x')).toBeUndefined();
		});

		it('deletes a conversation with its messages and their search entries', () => {
			const { db, repo } = testRepository();
			const doomed = seedConversation(repo, {
				title: 'doomed',
				messages: [{ content: 'unforgettable words' }, { content: 'reply' }]
			});
			const kept = seedConversation(repo, {
				title: 'kept',
				messages: [{ content: 'other words' }]
			});
			expect(repo.delete(doomed)).toBe(true);
			expect(repo.getConversation(doomed)).toBeUndefined();
			expect(
				db.select({ n: count() }).from(messages).where(eq(messages.sessionId, doomed)).get()
			).toEqual({ n: 0 });
			expect(repo.listMessages(kept)).toHaveLength(1);
			expect(repo.listSessions({ limit: 10, q: 'unforgettable' }).sessions).toEqual([]);
			expect(repo.delete(doomed)).toBe(false);
		});

		it('starts a conversation with its first message, or not at all', () => {
			const { repo } = testRepository();
			const sessionId = crypto.randomUUID();
			const at = nextTimestamp();
			const row = repo.startConversation('Hello', {
				sessionId,
				role: 'user',
				content: 'hello',
				createdAt: at
			});
			expect(repo.getConversation(sessionId)).toMatchObject({
				sessionId,
				title: 'Hello',
				createdAt: at,
				updatedAt: at,
				currentLeafId: row.id
			});
			expect(repo.listMessages(sessionId)).toEqual([row]);

			const broken = crypto.randomUUID();
			const noContent = {
				sessionId: broken,
				role: 'user',
				content: null,
				createdAt: at
			} as unknown as NewMessageRow;
			expect(() => repo.startConversation('Broken', noContent)).toThrow(/NOT NULL/);
			expect(repo.getConversation(broken)).toBeUndefined();
		});

		it('refuses a message for a conversation that does not exist', () => {
			const { repo } = testRepository();
			expect(() =>
				repo.addMessage({
					sessionId: crypto.randomUUID(),
					role: 'user',
					content: 'orphan',
					createdAt: nextTimestamp()
				})
			).toThrow(/FOREIGN KEY/);
		});
	});
});
