import { afterEach, describe, expect, it } from 'vitest';
import { DraftWriter, ReplyDraft, STREAMING } from '$lib/server/chat/reply-draft';
import { disposeAll, memoryLogger, seedConversation, testRepository } from '../support/factories';

afterEach(disposeAll);

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function drafts(count: number, intervalMs = 1_000) {
	const { repo } = testRepository();
	const log = memoryLogger();
	const writer = new DraftWriter({ repo, log });
	const transactions: number[] = [];
	const inTransaction = repo.inTransaction.bind(repo);
	repo.inTransaction = (work) => {
		transactions.push(Date.now());
		return inTransaction(work);
	};
	const made = Array.from({ length: count }, (_, i) => {
		const sessionId = seedConversation(repo, { messages: [{ content: `question ${i}` }] });
		const reply = { text: '', reasoning: '' };
		const draft = new ReplyDraft(
			{ repo, log, writer, now: () => new Date(), intervalMs },
			{ sessionId, modelId: 'openai/gpt-4o' },
			reply
		);
		return { sessionId, reply, draft };
	});
	return { repo, log, transactions, made };
}

describe('the drafts of streaming replies', () => {
	it('are written after the turn that produced their text, all in one transaction', async () => {
		const { repo, transactions, made } = drafts(20);
		for (const { reply, draft } of made) {
			reply.text = 'first words';
			draft.changed();
		}
		expect(repo.listMessages(made[0].sessionId)).toHaveLength(1);
		await nextTurn();
		expect(transactions).toHaveLength(1);
		for (const { sessionId } of made) {
			expect(repo.listMessages(sessionId)[1]).toMatchObject({
				role: 'assistant',
				content: 'first words',
				finishReason: STREAMING
			});
		}
	});

	it('write at most once per interval, with the text as it is when written', async () => {
		const { repo, transactions, made } = drafts(1, 100);
		const [{ sessionId, reply, draft }] = made;
		reply.text = 'a';
		draft.changed();
		await nextTurn();
		for (const word of ['b', 'c', 'd']) {
			reply.text += word;
			draft.changed();
		}
		await nextTurn();
		expect(transactions).toHaveLength(1);
		expect(repo.listMessages(sessionId)[1].content).toBe('a');
		await new Promise((resolve) => setTimeout(resolve, 250));
		expect(transactions).toHaveLength(2);
		expect(repo.listMessages(sessionId)[1].content).toBe('abcd');
		const finishing = draft.finish({
			content: 'abcd!',
			finishReason: 'stop',
			modelId: 'openai/gpt-4o'
		});
		reply.text += 'e';
		draft.changed(); // after the end: no checkpoint any more
		const row = await finishing;
		expect(transactions).toHaveLength(3);
		expect(repo.listMessages(sessionId)).toEqual([expect.anything(), row]);
		expect(row).toMatchObject({ content: 'abcd!', finishReason: 'stop' });
	});

	it('and the last writes of several turns commit together, each resolving with its row', async () => {
		const { repo, transactions, made } = drafts(5);
		const rows = await Promise.all(
			made.map(({ draft }, i) =>
				draft.finish({ content: `reply ${i}`, finishReason: 'stop', modelId: 'openai/gpt-4o' })
			)
		);
		expect(transactions).toHaveLength(1);
		rows.forEach((row, i) => {
			expect(row).toMatchObject({ role: 'assistant', content: `reply ${i}`, finishReason: 'stop' });
			expect(repo.listMessages(made[i].sessionId)[1]).toEqual(row);
		});
	});

	it('that cannot be written do not keep the others from being written', async () => {
		const { repo, log, made } = drafts(3);
		repo.delete(made[1].sessionId);
		for (const { reply, draft } of made) {
			reply.text = 'text';
			draft.changed();
		}
		await nextTurn();
		expect(repo.listMessages(made[0].sessionId)[1]?.content).toBe('text');
		expect(repo.listMessages(made[2].sessionId)[1]?.content).toBe('text');
		expect(log.records).toContainEqual(
			expect.objectContaining({ level: 'error', msg: 'reply checkpoint failed' })
		);
	});
});
