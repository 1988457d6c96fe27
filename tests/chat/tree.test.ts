import { describe, expect, it } from 'vitest';
import { sessionDetail, type ChatEvent, type Message } from '$lib/api';
import type { ChatTurnInput } from '$lib/server/chat/orchestrator';
import { ChatRuns } from '$lib/server/chat/runs';
import { SessionService } from '$lib/server/chat/sessions';
import { silentLogger } from '$lib/server/log';
import type { UpstreamMessage } from '$lib/server/openrouter/types';
import {
	eventsNamed,
	fakeTools,
	fixedSettings,
	testClient,
	testOrchestrator,
	textOf,
	useOpenRouterStandin
} from '../support/factories';

const openrouter = useOpenRouterStandin();

function setup() {
	const client = testClient({ baseUrl: openrouter.standin.url });
	const built = testOrchestrator({
		client,
		tools: fakeTools({ calc__add: {} }),
		settings: fixedSettings({ systemPrompt: null })
	});
	const runs = new ChatRuns({
		chat: built.chat,
		repo: built.repo,
		log: silentLogger,
		maxStreams: 8
	});
	const sessions = new SessionService(built.repo, undefined, runs);
	return { ...built, runs, sessions };
}
type Setup = ReturnType<typeof setup>;

/** Runs one turn through ChatRuns (as POST /api/chat does) and reads it to its end. */
async function turn({ runs }: Setup, input: ChatTurnInput) {
	const run = await runs.start(input);
	const events: ChatEvent[] = [];
	for await (const event of run.follow()) events.push(event);
	return {
		sessionId: run.sessionId,
		events,
		text: textOf(events),
		session: eventsNamed(events, 'session')[0].data,
		done: eventsNamed(events, 'done')[0].data
	};
}

const chatRequests = () =>
	openrouter.standin.requests.filter((r) => r.path === '/chat/completions');
const lastUpstream = (): UpstreamMessage[] => chatRequests().at(-1)!.body.messages;
const contents = (messages: { content: unknown }[]) => messages.map((m) => m.content);

/** The conversation as the page opens it: the last 50 messages of its current path. */
const shown = async (s: Setup, sessionId: string) =>
	sessionDetail.parse(await s.sessions.get(sessionId, { limit: 50 }));
const byContent = (messages: Message[], content: string) =>
	messages.find((m) => m.content === content)!;

/** Two turns: Q1 → A1 → Q2 → A2. */
async function twoTurns(s: Setup) {
	const first = await turn(s, { message: 'Q1' });
	const second = await turn(s, { sessionId: first.sessionId, message: 'Q2' });
	const rows = s.repo.listMessages(first.sessionId);
	return { sessionId: first.sessionId, first, second, rows };
}

describe('the conversation tree', () => {
	it('chains each turn under the one before and moves the current leaf to the newest message', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		expect(rows.map((r) => [r.content, r.parentId])).toEqual([
			['Q1', null],
			['Echo: Q1', rows[0].id],
			['Q2', rows[1].id],
			['Echo: Q2', rows[2].id]
		]);
		expect(s.repo.getConversation(sessionId)?.currentLeafId).toBe(rows[3].id);
	});

	it('chains tool rounds: the call, its result, then the answer', async () => {
		const s = setup();
		const { sessionId } = await turn(s, { message: '[[tool:calc__add {"a":1,"b":2}]]' });
		const rows = s.repo.listMessages(sessionId);
		expect(rows.map((r) => r.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
		expect(rows.map((r) => r.parentId)).toEqual([null, rows[0].id, rows[1].id, rows[2].id]);
		expect(s.repo.getConversation(sessionId)?.currentLeafId).toBe(rows[3].id);
	});

	it('an edit becomes a sibling branch; only its path goes upstream, and nothing is removed', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		const [, a1, q2] = rows;
		const edit = await turn(s, { sessionId, message: 'Q2 edited', parentId: q2.parentId });
		expect(edit.text).toBe('Echo: Q2 edited');
		expect(lastUpstream()).toEqual([
			{ role: 'user', content: 'Q1' },
			{ role: 'assistant', content: 'Echo: Q1' },
			{ role: 'user', content: 'Q2 edited' }
		]);
		// The old branch is still there.
		expect(contents(s.repo.listMessages(sessionId))).toEqual([
			'Q1',
			'Echo: Q1',
			'Q2',
			'Echo: Q2',
			'Q2 edited',
			'Echo: Q2 edited'
		]);

		const page = await shown(s, sessionId);
		expect(contents(page.messages)).toEqual(['Q1', 'Echo: Q1', 'Q2 edited', 'Echo: Q2 edited']);
		const edited = byContent(page.messages, 'Q2 edited');
		expect(edited.parent_id).toBe(a1.id);
		expect(edited.sibling_ids).toEqual([q2.id, edited.id]);
		expect(byContent(page.messages, 'Q1').sibling_ids).toEqual([rows[0].id]);
		expect(page.current_leaf_id).toBe(byContent(page.messages, 'Echo: Q2 edited').id);
		expect(edit.session).toEqual({
			session_id: sessionId,
			title: 'Q1',
			user_message_id: edited.id
		});

		// The next question continues the edited branch.
		await turn(s, { sessionId, message: 'Q3' });
		expect(contents(lastUpstream())).toEqual([
			'Q1',
			'Echo: Q1',
			'Q2 edited',
			'Echo: Q2 edited',
			'Q3'
		]);
	});

	it('editing the first question starts a second root', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		await turn(s, { sessionId, message: 'Q1 again', parentId: null });
		expect(lastUpstream()).toEqual([{ role: 'user', content: 'Q1 again' }]);
		const page = await shown(s, sessionId);
		expect(contents(page.messages)).toEqual(['Q1 again', 'Echo: Q1 again']);
		expect(page.messages[0].sibling_ids).toEqual([rows[0].id, page.messages[0].id]);
	});

	it('reply_to with another model streams a sibling reply to that question only', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		const [q1, a1] = rows;
		const other = await turn(s, {
			sessionId,
			message: '',
			replyTo: q1.id,
			modelId: 'anthropic/claude-sonnet-4'
		});
		expect(chatRequests().at(-1)!.body.model).toBe('anthropic/claude-sonnet-4');
		expect(lastUpstream()).toEqual([{ role: 'user', content: 'Q1' }]);
		expect(other.session.user_message_id).toBe(q1.id);
		const reply = s.repo.listMessages(sessionId).at(-1)!;
		expect(reply).toMatchObject({ parentId: q1.id, modelId: 'anthropic/claude-sonnet-4' });
		expect(reply.usage?.total_tokens).toBeGreaterThan(0);
		expect(other.done.message_id).toBe(reply.id);

		const page = await shown(s, sessionId);
		expect(contents(page.messages)).toEqual(['Q1', 'Echo: Q1']);
		expect(page.messages[1]).toMatchObject({ id: reply.id, sibling_ids: [a1.id, reply.id] });
		expect(s.repo.listMessages(sessionId)).toHaveLength(5);
	});

	it('regenerate answers the current path’s question, even after an edit', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		const edit = await turn(s, { sessionId, message: 'Q2 edited', parentId: rows[1].id });
		await turn(s, { sessionId, message: '', regenerate: true });
		expect(contents(lastUpstream())).toEqual(['Q1', 'Echo: Q1', 'Q2 edited']);
		const reply = s.repo.listMessages(sessionId).at(-1)!;
		expect(reply.parentId).toBe(edit.session.user_message_id);
	});

	it('switching to a version shows the newest leaf under it', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		const q2 = rows[2];
		await turn(s, { sessionId, message: 'Q2 edited', parentId: rows[1].id });
		// Back to the first version of Q2: its branch as it was left, down to its reply.
		const switched = s.sessions.update(sessionId, { current_leaf_id: q2.id });
		expect(switched.current_leaf_id).toBe(rows[3].id);
		expect(contents((await shown(s, sessionId)).messages)).toEqual([
			'Q1',
			'Echo: Q1',
			'Q2',
			'Echo: Q2'
		]);
		// A question now goes on from there, with that branch upstream.
		await turn(s, { sessionId, message: 'Q3' });
		expect(contents(lastUpstream())).toEqual(['Q1', 'Echo: Q1', 'Q2', 'Echo: Q2', 'Q3']);
		// From higher up, the newest child at each step: Q1 → its reply → Q2 edited → its reply.
		const edited = s.repo.listMessages(sessionId).find((r) => r.content === 'Echo: Q2 edited')!;
		expect(s.sessions.update(sessionId, { current_leaf_id: rows[0].id }).current_leaf_id).toBe(
			edited.id
		);
	});

	it('pages walk the current path only, with has_more', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		await turn(s, { sessionId, message: 'Q2 edited', parentId: rows[1].id });
		const last = sessionDetail.parse(await s.sessions.get(sessionId, { limit: 2 }));
		expect([contents(last.messages), last.has_more]).toEqual([
			['Q2 edited', 'Echo: Q2 edited'],
			true
		]);
		const before = sessionDetail.parse(
			await s.sessions.get(sessionId, { limit: 2, before: last.messages[0].id })
		);
		expect([contents(before.messages), before.has_more]).toEqual([['Q1', 'Echo: Q1'], false]);
		// Without a page: the whole tree.
		const whole = sessionDetail.parse(await s.sessions.get(sessionId));
		expect(whole.messages).toHaveLength(6);
		expect(byContent(whole.messages, 'Q2').sibling_ids).toEqual(
			byContent(whole.messages, 'Q2 edited').sibling_ids
		);
	});

	it('refuses ids that are not of this conversation, or not what the request needs', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		const elsewhere = await turn(s, { message: 'elsewhere' });
		const foreign = s.repo.listMessages(elsewhere.sessionId)[0].id;
		const count = () => s.repo.listMessages(sessionId).length;
		const cases: [Partial<ChatTurnInput>, number, string][] = [
			[{ message: 'x', parentId: foreign }, 404, 'message_not_found'],
			[{ message: 'x', parentId: 999_999 }, 404, 'message_not_found'],
			[{ message: '', replyTo: foreign }, 404, 'message_not_found'],
			[{ message: '', replyTo: rows[1].id }, 400, 'not_a_question'],
			[{ message: 'a question too', replyTo: rows[0].id }, 400, 'bad_request'],
			[{ message: 'x', replyTo: rows[0].id, parentId: rows[0].id }, 400, 'bad_request'],
			[{ message: '' }, 400, 'bad_request']
		];
		for (const [input, status, code] of cases)
			await expect(
				s.runs.start({ sessionId, ...input } as ChatTurnInput),
				JSON.stringify(input)
			).rejects.toMatchObject({ status, code });
		await expect(s.runs.start({ message: '', replyTo: rows[0].id })).rejects.toMatchObject({
			status: 400
		});
		expect(count()).toBe(4);
		expect(() => s.sessions.update(sessionId, { current_leaf_id: foreign })).toThrow(
			expect.objectContaining({ status: 400, code: 'message_not_found' })
		);
		expect(s.repo.getConversation(sessionId)?.currentLeafId).toBe(rows[3].id);
	});

	it('runs replies to one question side by side, and nothing else beside them', async () => {
		const s = setup();
		const { sessionId, rows } = await twoTurns(s);
		const q2 = rows[2].id;
		const models = ['openai/gpt-4o', 'anthropic/claude-sonnet-4'];
		const runs = await Promise.all(
			models.map((modelId) =>
				s.runs.start({ sessionId, message: '', replyTo: q2, modelId: modelId })
			)
		);
		await expect(s.runs.start({ sessionId, message: 'meanwhile' })).rejects.toMatchObject({
			status: 409
		});
		await expect(
			s.runs.start({ sessionId, message: '', replyTo: rows[0].id })
		).rejects.toMatchObject({ status: 409 });
		await Promise.all(runs.map((run) => run.ended));
		const replies = s.repo.listMessages(sessionId).filter((r) => r.parentId === q2);
		expect(replies.map((r) => r.modelId).sort()).toEqual(
			['anthropic/claude-sonnet-4', 'openai/gpt-4o', 'openai/gpt-4o'].sort()
		);
		expect(replies.every((r) => r.usage && r.usage.total_tokens > 0)).toBe(true);
		// Choosing one continues from it.
		const chosen = replies.find((r) => r.modelId === 'anthropic/claude-sonnet-4')!;
		s.sessions.update(sessionId, { current_leaf_id: chosen.id });
		await turn(s, { sessionId, message: 'Q3' });
		expect(lastUpstream().at(-2)).toEqual({ role: 'assistant', content: chosen.content });
		expect(s.runs.isRunning(sessionId)).toBe(false);
	});
});
