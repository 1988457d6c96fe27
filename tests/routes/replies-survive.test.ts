import { describe, expect, it } from 'vitest';
import { chatEvents, sessionDetail, stoppedTurn } from '$lib/api';
import { ChatRepository } from '$lib/server/chat/repository';
import { openDatabase } from '$lib/server/db/client';
import { silentLogger } from '$lib/server/log';
import { createServices, type Services } from '$lib/server/services';
import { POST as CHAT } from '../../src/routes/api/chat/+server';
import { DELETE, GET as DETAIL } from '../../src/routes/api/sessions/[id]/+server';
import { POST as STOP } from '../../src/routes/api/sessions/[id]/stop/+server';
import { GET as STREAM } from '../../src/routes/api/sessions/[id]/stream/+server';
import {
	callRoute,
	errorOf,
	onDispose,
	readChatEvents,
	seedConversation,
	TEST_API_KEY,
	testConfig,
	testServices,
	useOpenRouterStandin
} from '../support/factories';
import {
	deltas,
	followEvents,
	pacedMessage,
	sessionIdOf,
	upstreamAborted,
	upstreamRequests
} from '../support/chat-streams';

const openrouter = useOpenRouterStandin();

const env = () => ({
	OPENROUTER_API_KEY: TEST_API_KEY,
	OPENROUTER_BASE_URL: openrouter.standin.url,
	OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
});
const services = () => testServices(env());

const chat = (s: Services, body: unknown) =>
	callRoute(CHAT, s, { method: 'POST', path: '/api/chat', body });
const stop = (s: Services, id: string) =>
	callRoute(STOP, s, { method: 'POST', path: `/api/sessions/${id}/stop`, params: { id } });
const stream = (s: Services, id: string, signal?: AbortSignal) =>
	callRoute(STREAM, s, { path: `/api/sessions/${id}/stream`, params: { id }, signal });
const detail = async (s: Services, id: string) =>
	sessionDetail.parse(
		await (await callRoute(DETAIL, s, { path: `/api/sessions/${id}`, params: { id } })).json()
	);

/** Starts a reply through POST /api/chat and reads it in the background. */
async function startReply(s: Services, message: string) {
	const response = await chat(s, { message });
	expect(response.status).toBe(200);
	const reply = followEvents(response);
	await reply.until(deltas(1), 'the first word');
	return { reply, sessionId: sessionIdOf(reply) };
}

describe('POST /api/sessions/{id}/stop', () => {
	it('stops the reply: upstream is aborted, the partial reply saved as aborted', async () => {
		const s = services();
		const marker = '[[slow]] stop me';
		const closed = upstreamAborted(openrouter.standin, marker);
		const { reply, sessionId } = await startReply(s, marker);
		await reply.until(deltas(4));

		const response = await stop(s, sessionId);
		expect(response.status).toBe(200);
		const body = stoppedTurn.parse(await response.json());
		expect(body).toMatchObject({ ok: true, finish_reason: 'aborted' });
		await closed;
		await reply.ended;

		// Saved by the time the stop answers, and the one row the checkpoints wrote.
		const rows = s.repo.listMessages(sessionId);
		expect(rows.map((row) => [row.role, row.finishReason])).toEqual([
			['user', null],
			['assistant', 'aborted']
		]);
		expect(rows[1].id).toBe(body.message_id);
		expect(rows[1].content).toMatch(/^word0 word1 word2 word3 /);
		expect(rows[1].content).not.toContain('word399');
		// The stream the reply was started on ends as any stopped reply does.
		expect(reply.events.at(-1)).toEqual({
			event: 'done',
			data: { message_id: body.message_id, finish_reason: 'aborted', model_id: 'openai/gpt-4o' }
		});
		expect(reply.text()).toBe(rows[1].content);
		expect(s.runs.isRunning(sessionId)).toBe(false);
	});

	it('answers 409 not_running when no reply is being written, 404 for an unknown conversation', async () => {
		const s = services();
		const finished = await readChatEvents(await chat(s, { message: 'quick' }));
		const sessionId = finished[0].event === 'session' ? finished[0].data.session_id : '';
		expect(await errorOf(await stop(s, sessionId))).toMatchObject({
			status: 409,
			code: 'not_running'
		});
		expect(await errorOf(await stop(s, crypto.randomUUID()))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
	});
});

describe('GET /api/sessions/{id}/stream', () => {
	it('replays the turn from its first event, then follows it live to done, for several at once', async () => {
		const s = services();
		const message = pacedMessage('replay', 40, 20);
		const { reply: first, sessionId } = await startReply(s, message);
		await first.until(deltas(5));

		const late = await stream(s, sessionId);
		expect(late.status).toBe(200);
		expect(late.headers.get('content-type')).toMatch(/^text\/event-stream/);
		const second = followEvents(late);
		const third = followEvents(await stream(s, sessionId));
		await Promise.all([first.ended, second.ended, third.ended]);

		for (const events of [second.events, third.events]) {
			expect(events).toEqual(first.events);
			for (const event of events)
				expect(() => chatEvents[event.event].parse(event.data), event.event).not.toThrow();
		}
		expect(second.events[0]).toMatchObject({ event: 'session', data: { session_id: sessionId } });
		expect(second.text()).toBe(`Echo: ${message}`);
		expect(second.events.at(-1)).toMatchObject({ event: 'done', data: { finish_reason: 'stop' } });
		// Live, not only replayed: the late reader saw words arrive after it subscribed.
		expect(second.arrivedAt.at(-1)! - second.arrivedAt[0]).toBeGreaterThan(100);
	});

	it('a reader that goes away leaves the turn and the other readers alone', async () => {
		const s = services();
		const message = pacedMessage('leave', 30, 15);
		const { reply, sessionId } = await startReply(s, message);
		const controller = new AbortController();
		const leaving = followEvents(await stream(s, sessionId, controller.signal));
		await leaving.until(deltas(2));
		controller.abort();
		await leaving.ended;

		await reply.ended;
		expect(reply.text()).toBe(`Echo: ${message}`);
		expect(s.repo.listMessages(sessionId)[1]).toMatchObject({ finishReason: 'stop' });
	});

	it('answers 204 when nothing runs, 404 for an unknown conversation', async () => {
		const s = services();
		const sessionId = seedConversation(s.repo, { messages: [{ content: 'hi' }] });
		const idle = await stream(s, sessionId);
		expect(idle.status).toBe(204);
		expect(await idle.text()).toBe('');
		expect(await errorOf(await stream(s, crypto.randomUUID()))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
	});
});

describe('GET /api/sessions/{id} while a reply is written', () => {
	it('says running: true until the reply is done', async () => {
		const s = services();
		const quiet = seedConversation(s.repo, { messages: [{ content: 'hi' }, { content: 'hello' }] });
		expect((await detail(s, quiet)).running).toBe(false);

		const { reply, sessionId } = await startReply(s, pacedMessage('flag', 20, 15));
		expect((await detail(s, sessionId)).running).toBe(true);
		await reply.ended;
		expect((await detail(s, sessionId)).running).toBe(false);
	});

	it('has the partial reply in the database at least once a second while it streams', async () => {
		const s = services();
		const { reply, sessionId } = await startReply(s, '[[slow]] checkpoint');
		// [[slow]] sends a word every 40 ms: 2.5 s is about 60 words.
		await new Promise((resolve) => setTimeout(resolve, 2_500));
		const readAt = performance.now();
		const saved = (await detail(s, sessionId)).messages.at(-1)!;

		expect(saved).toMatchObject({ role: 'assistant', finish_reason: 'streaming' });
		const streamed = reply.events.map((event, i) => ({ event, at: reply.arrivedAt[i] }));
		const olderThanASecond = streamed
			.filter(({ event, at }) => event.event === 'delta' && at < readAt - 1_100)
			.map(({ event }) => (event.event === 'delta' ? event.data.text : ''))
			.join('');
		expect(olderThanASecond.length).toBeGreaterThan(20);
		expect(saved.content.startsWith(olderThanASecond)).toBe(true);
		expect(reply.text().startsWith(saved.content)).toBe(true);
	});

	it('deleting the conversation stops its reply first', async () => {
		const s = services();
		const marker = '[[slow]] delete me';
		const closed = upstreamAborted(openrouter.standin, marker);
		const { reply, sessionId } = await startReply(s, marker);
		const response = await callRoute(DELETE, s, {
			method: 'DELETE',
			path: `/api/sessions/${sessionId}`,
			params: { id: sessionId }
		});
		expect(response.status).toBe(204);
		await closed;
		await reply.ended;
		expect(s.runs.isRunning(sessionId)).toBe(false);
		expect(s.repo.getConversation(sessionId)).toBeUndefined();
		expect(s.repo.listMessages(sessionId)).toEqual([]);
	});
});

describe('replies the server did not finish', () => {
	/** Services on a DATA_DIR the test keeps, to start again on it (as after a restart). */
	const onDataDir = (config: ReturnType<typeof testConfig>, { closedByTest = false } = {}) => {
		const built = createServices(config, { log: silentLogger, demoTokenDelayMs: 0 });
		if (!closedByTest) onDispose(() => built.close());
		return built;
	};

	it('a reply left streaming by a process that died is marked interrupted at the next start', async () => {
		const config = testConfig(env());
		const sessionId = crypto.randomUUID();
		// What a kill -9 mid-reply leaves: the question, and the reply as its last checkpoint wrote it.
		{
			const db = openDatabase(config.dataDir);
			const repo = new ChatRepository(db);
			seedConversation(repo, {
				sessionId,
				messages: [
					{ content: 'tell me a long story' },
					{ content: 'Once upon a time', finishReason: 'streaming', modelId: 'openai/gpt-4o' }
				]
			});
			db.$client.close();
		}
		const s = onDataDir(config);
		expect(s.repo.listMessages(sessionId)[1].finishReason).toBe('streaming');
		s.start();

		const shown = await detail(s, sessionId);
		expect(shown.running).toBe(false);
		expect(shown.messages.map((m) => [m.role, m.content, m.finish_reason])).toEqual([
			['user', 'tell me a long story', null],
			['assistant', 'Once upon a time', 'interrupted']
		]);
		// The conversation goes on, with the partial reply in its history.
		const next = await readChatEvents(await chat(s, { session_id: sessionId, message: 'go on' }));
		expect(next.at(-1)).toMatchObject({ event: 'done', data: { finish_reason: 'stop' } });
		expect(upstreamRequests(openrouter.standin, 'go on')[0].body.messages).toEqual([
			{ role: 'user', content: 'tell me a long story' },
			{ role: 'assistant', content: 'Once upon a time' },
			{ role: 'user', content: 'go on' }
		]);
	});

	it('a shutdown mid-reply saves the partial reply as interrupted and stops upstream', async () => {
		const config = testConfig(env());
		const s = onDataDir(config, { closedByTest: true });
		s.start();
		const marker = '[[slow]] shut down';
		const closed = upstreamAborted(openrouter.standin, marker);
		const { reply, sessionId } = await startReply(s, marker);
		await reply.until(deltas(3));
		await s.close();
		await closed;
		expect(reply.events.at(-1)).toMatchObject({
			event: 'done',
			data: { finish_reason: 'interrupted' }
		});

		const again = onDataDir(config);
		again.start();
		const [, saved] = again.repo.listMessages(sessionId);
		expect(saved).toMatchObject({ role: 'assistant', finishReason: 'interrupted', error: null });
		expect(saved.content).toMatch(/^word0 word1 word2 /);
	});
});
