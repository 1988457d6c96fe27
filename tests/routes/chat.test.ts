import { describe, expect, it } from 'vitest';
import { chatEvents, MAX_MESSAGE_CHARS } from '$lib/api';
import type { Services } from '$lib/server/services';
import { POST } from '../../src/routes/api/chat/+server';
import { POST as APPROVE } from '../../src/routes/api/chat/approvals/+server';
import {
	callRoute,
	errorOf,
	eventsNamed,
	readChatEvents,
	TEST_API_KEY,
	testServices,
	textOf,
	waitUntil,
	useOpenRouterStandin
} from '../support/factories';
import {
	deltas,
	followEvents,
	pacedMessage,
	sessionIdOf,
	upstreamRequests
} from '../support/chat-streams';

const openrouter = useOpenRouterStandin();

const services = (env: Record<string, string> = {}) =>
	testServices({
		OPENROUTER_API_KEY: TEST_API_KEY,
		OPENROUTER_BASE_URL: openrouter.standin.url,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o',
		...env
	});
const chat = (s: Services, body: unknown, signal?: AbortSignal) =>
	callRoute(POST, s, { method: 'POST', path: '/api/chat', body, signal });
const conversationCount = (s: Services) => s.repo.listSessions({ limit: 200 }).sessions.length;

describe('POST /api/chat', () => {
	it('answers a question again with another model as one more reply, and refuses bad ids', async () => {
		const s = services();
		const first = await readChatEvents(await chat(s, { message: 'Compare [[per-model]]' }));
		const { session_id: sessionId, user_message_id: question } = eventsNamed(first, 'session')[0]
			.data;
		expect(textOf(first)).toBe('openai/gpt-4o says: Compare [[per-model]]');
		const other = await readChatEvents(
			await chat(s, {
				session_id: sessionId,
				message: '',
				reply_to: question,
				model_id: 'anthropic/claude-sonnet-4'
			})
		);
		expect(textOf(other)).toBe('anthropic/claude-sonnet-4 says: Compare [[per-model]]');
		expect(eventsNamed(other, 'usage')[0].data.cost).toBeGreaterThan(0);
		expect(s.repo.listMessages(sessionId).map((r) => r.parentId)).toEqual([
			null,
			question,
			question
		]);
		for (const [body, status, code] of [
			[{ reply_to: 'first' }, 400, 'invalid_request'],
			[{ reply_to: 0 }, 400, 'invalid_request'],
			[{ parent_id: 1.5, message: 'x' }, 400, 'invalid_request'],
			[{ reply_to: 424242 }, 404, 'message_not_found'],
			[{ parent_id: 424242, message: 'x' }, 404, 'message_not_found']
		] as const)
			expect(
				await errorOf(await chat(s, { session_id: sessionId, message: '', ...body })),
				JSON.stringify(body)
			).toMatchObject({ status, code });
		expect(s.repo.listMessages(sessionId)).toHaveLength(3);
	});

	it('streams session, delta, usage and done events and saves the conversation', async () => {
		const s = services();
		const response = await chat(s, { message: 'Hello [[reasoning]]' });
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
		expect(response.headers.get('cache-control')).toContain('no-cache');
		const events = await readChatEvents(response);

		for (const event of events)
			expect(() => chatEvents[event.event].parse(event.data), event.event).not.toThrow();
		expect(events[0].event).toBe('session');
		expect(events.at(-1)?.event).toBe('done');
		expect(events.map((e) => e.event)).toEqual(
			expect.arrayContaining(['reasoning', 'delta', 'usage'])
		);
		expect(textOf(events)).toBe('Echo: Hello [[reasoning]]');

		const sessionId = eventsNamed(events, 'session')[0].data.session_id;
		const rows = s.repo.listMessages(sessionId);
		expect(rows.map((r) => r.role)).toEqual(['user', 'assistant']);
		expect(rows[1]).toMatchObject({
			id: eventsNamed(events, 'done')[0].data.message_id,
			reasoning: 'Let me think about this step by step.',
			modelId: 'openai/gpt-4o'
		});
	});

	it('continues an existing conversation', async () => {
		const s = services();
		const first = await readChatEvents(await chat(s, { message: 'one' }));
		const sessionId = eventsNamed(first, 'session')[0].data.session_id;
		const second = await readChatEvents(await chat(s, { session_id: sessionId, message: 'two' }));
		expect(eventsNamed(second, 'session')[0].data.session_id).toBe(sessionId);
		expect(s.repo.listMessages(sessionId)).toHaveLength(4);
		expect(conversationCount(s)).toBe(1);
	});

	it(`accepts a message of exactly ${MAX_MESSAGE_CHARS} characters`, async () => {
		const s = services();
		const response = await chat(s, { message: 'x'.repeat(MAX_MESSAGE_CHARS) });
		expect(response.status).toBe(200);
		const events = await readChatEvents(response);
		expect(eventsNamed(events, 'error')).toEqual([]);
	});

	it('answers an upstream error as an error event after the saved question', async () => {
		const s = services();
		const events = await readChatEvents(await chat(s, { message: '[[status:402]] hi' }));
		expect(events.map((e) => e.event)).toEqual(['session', 'error', 'done']);
		expect(eventsNamed(events, 'error')[0].data).toMatchObject({
			code: 'upstream_payment_required'
		});
	});

	it('without a key: the demo model answers the first message, a real model names OPENROUTER_API_KEY', async () => {
		const s = services({ OPENROUTER_API_KEY: '' });
		const refused = await readChatEvents(
			await chat(s, { message: 'hi', model_id: 'openai/gpt-4o' })
		);
		expect(eventsNamed(refused, 'error')[0].data.message).toContain('OPENROUTER_API_KEY');
		const demo = await readChatEvents(await chat(s, { message: 'hi' }));
		expect(eventsNamed(demo, 'error')).toEqual([]);
		expect(textOf(demo)).toContain('offline demo model');
		expect(openrouter.standin.requests).toEqual([]);
	});

	// A reply runs on the server, not in the browser's connection (chat/runs.ts): a closed tab or
	// a reload must not lose it. Stop is POST /api/sessions/{id}/stop (tests/routes/replies-survive).
	it.each([
		['the response body is cancelled (a closed tab)', 'cancel'],
		['the request signal aborts (the socket went away)', 'disconnect']
	] as const)('the reply goes on and is saved in full when %s', async (_what, how) => {
		const s = services();
		const marker = `gone-${how}`;
		const controller = new AbortController();
		const stream = followEvents(
			await chat(s, { message: pacedMessage(marker) }, controller.signal)
		);
		await stream.until(deltas(3));
		if (how === 'cancel') await stream.cancel();
		else controller.abort();
		const sessionId = sessionIdOf(stream);

		await waitUntil(() => !s.runs.isRunning(sessionId), 10_000, 'the reply to finish');
		const reply = s.repo.listMessages(sessionId)[1];
		expect(reply).toMatchObject({ role: 'assistant', finishReason: 'stop', error: null });
		expect(reply.content).toBe(`Echo: ${pacedMessage(marker)}`);
		expect(upstreamRequests(openrouter.standin, marker).map((r) => r.aborted)).toEqual([false]);
	});

	it('refuses a second message while the reply is still being written (409 already_running)', async () => {
		const s = services();
		const first = followEvents(await chat(s, { message: '[[slow]] first' }));
		await first.until(deltas(1));
		const sessionId = sessionIdOf(first);
		const rows = s.repo.listMessages(sessionId).length;

		const error = await errorOf(await chat(s, { session_id: sessionId, message: 'second' }));
		expect(error).toMatchObject({ status: 409, code: 'already_running' });
		expect(error.message).toMatch(/still being written.*stop it/);
		const retry = await chat(s, { session_id: sessionId, message: '', regenerate: true });
		expect(retry.status).toBe(409);
		expect(s.repo.listMessages(sessionId)).toHaveLength(rows);
		expect(upstreamRequests(openrouter.standin, 'second')).toEqual([]);
	});

	it('two messages sent at once to one conversation: one runs, the other gets 409', async () => {
		const s = services();
		const first = await readChatEvents(await chat(s, { message: 'hello' }));
		const sessionId = eventsNamed(first, 'session')[0].data.session_id;
		const answers = await Promise.all(
			['one [[pace:5]]', 'two [[pace:5]]'].map((message) =>
				chat(s, { session_id: sessionId, message })
			)
		);
		expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
		await readChatEvents(answers.find((r) => r.status === 200)!);
		expect(s.repo.listMessages(sessionId)).toHaveLength(4);
	});

	it('caps the replies streaming at once at CHAT_MAX_STREAMS: 429 too_many_streams with Retry-After', async () => {
		const s = services({ CHAT_MAX_STREAMS: '1' });
		const first = followEvents(await chat(s, { message: '[[slow]] hold the only slot' }));
		await first.until(deltas(1));

		const refused = await chat(s, { message: 'one too many' });
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		const error = await errorOf(refused);
		expect(error.code).toBe('too_many_streams');
		expect(error.message).toContain('CHAT_MAX_STREAMS');
		expect(conversationCount(s)).toBe(1);

		await s.runs.stop(sessionIdOf(first));
		await first.ended;
		const next = await chat(s, { message: 'now there is room' });
		expect(next.status).toBe(200);
		expect(textOf(await readChatEvents(next))).toBe('Echo: now there is room');
	});

	describe('bad input: 4xx with {error:{code,message}}, and nothing saved', () => {
		it.each([
			['broken JSON', '{"message": "hi"', 'invalid_json'],
			['an empty body', '', 'invalid_json'],
			['JSON null', 'null', 'invalid_request'],
			['a JSON array', '[{"message":"hi"}]', 'invalid_request'],
			['a JSON string', '"hi"', 'invalid_request'],
			['no message', {}, 'invalid_request'],
			['a numeric message', { message: 42 }, 'invalid_request'],
			['a null message', { message: null }, 'invalid_request'],
			['a message as an array', { message: ['hi'] }, 'invalid_request'],
			['an empty message', { message: '' }, 'bad_request'],
			['a blank message', { message: ' \n\t ' }, 'bad_request'],
			['a session id that is not a UUID', { message: 'hi', session_id: 'abc' }, 'invalid_request'],
			['a numeric session id', { message: 'hi', session_id: 5 }, 'invalid_request'],
			['an empty model id', { message: 'hi', model_id: '' }, 'invalid_request'],
			['a numeric model id', { message: 'hi', model_id: 7 }, 'invalid_request'],
			['a huge model id', { message: 'hi', model_id: 'm'.repeat(201) }, 'invalid_request'],
			['attachment ids as a string', { message: 'hi', attachment_ids: 'a1' }, 'invalid_request'],
			['numeric attachment ids', { message: 'hi', attachment_ids: [1] }, 'invalid_request'],
			['empty attachment ids', { message: 'hi', attachment_ids: [''] }, 'invalid_request'],
			[
				'too many attachments',
				{ message: 'hi', attachment_ids: Array.from({ length: 21 }, (_, i) => `a${i}`) },
				'invalid_request'
			],
			['regenerate as a string', { message: 'hi', regenerate: 'yes' }, 'invalid_request'],
			['regenerate without a session', { message: '', regenerate: true }, 'bad_request']
		])('%s', async (_what, body, code) => {
			const s = services();
			const response = await chat(s, body);
			const error = await errorOf(response);
			expect(error.status).toBe(400);
			expect(error.code).toBe(code);
			expect(error.message.length).toBeGreaterThan(5);
			expect(conversationCount(s)).toBe(0);
			expect(openrouter.standin.requests).toEqual([]);
		});

		it(`an oversized message (over ${MAX_MESSAGE_CHARS} characters)`, async () => {
			const s = services();
			const error = await errorOf(await chat(s, { message: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }));
			expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
			expect(error.message).toMatch(/message.*longer than 1000000 characters/);
			expect(conversationCount(s)).toBe(0);
		});

		it('an unknown session id is a 404', async () => {
			const s = services();
			const error = await errorOf(
				await chat(s, { session_id: crypto.randomUUID(), message: 'hi' })
			);
			expect(error).toMatchObject({ status: 404, code: 'session_not_found' });
			expect(conversationCount(s)).toBe(0);
		});

		it('attachments this server cannot take are refused before a conversation exists', async () => {
			const s = services();
			const response = await chat(s, {
				message: 'see attached',
				attachment_ids: ['does-not-exist']
			});
			expect(response.status).toBeGreaterThanOrEqual(400);
			expect(response.status).toBeLessThan(500);
			expect((await errorOf(response)).code).toEqual(expect.any(String));
			expect(conversationCount(s)).toBe(0);
		});

		it('a rejected message to an existing conversation adds nothing to it', async () => {
			const s = services();
			const events = await readChatEvents(await chat(s, { message: 'first' }));
			const sessionId = eventsNamed(events, 'session')[0].data.session_id;
			const before = s.repo.getConversation(sessionId);
			expect((await chat(s, { session_id: sessionId, message: '' })).status).toBe(400);
			expect(
				(await chat(s, { session_id: sessionId, message: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }))
					.status
			).toBe(400);
			expect(s.repo.listMessages(sessionId)).toHaveLength(2);
			expect(s.repo.getConversation(sessionId)).toEqual(before);
		});
	});
});

describe('POST /api/chat/approvals', () => {
	const approve = (s: Services, body: unknown) =>
		callRoute(APPROVE, s, { method: 'POST', path: '/api/chat/approvals', body });

	it.each([
		['broken JSON', '{', 400, 'invalid_json'],
		['no fields', {}, 400, 'invalid_request'],
		[
			'an unknown decision',
			{ session_id: 's', tool_call_id: 'c', decision: 'maybe' },
			400,
			'invalid_request'
		],
		[
			'a call nobody waits for',
			{ session_id: 's', tool_call_id: 'c', decision: 'approve' },
			404,
			'approval_not_found'
		]
	])('answers %s with a 4xx', async (_what, body, status, code) => {
		const error = await errorOf(await approve(services(), body));
		expect(error).toMatchObject({ status, code });
	});
});
