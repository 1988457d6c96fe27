import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionDetail } from '$lib/api';
import { ChatState } from '$lib/state/chat.svelte';
import { apiMessage } from '../support/factories';

/** An event stream whose events the test releases when it wants; `signal` is the reader's. */
function liveStream() {
	let controller!: ReadableStreamDefaultController<Uint8Array>;
	const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
	const event = (name: string, data: object) =>
		controller.enqueue(
			new TextEncoder().encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
		);
	return {
		response: () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
		event,
		done(finishReason = 'stop') {
			event('done', { message_id: 9, finish_reason: finishReason, model_id: 'openai/gpt-4o' });
			controller.close();
		}
	};
}

const json = (body: unknown, status = 200) =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

interface Call {
	method: string;
	path: string;
	signal?: AbortSignal | null;
}

/** `fetch` over a few routes (`'GET /api/...'` keys); every call recorded. */
function serve(routes: Record<string, () => Response>) {
	const calls: Call[] = [];
	vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
		const call = { method: init.method ?? 'GET', path: url, signal: init.signal };
		calls.push(call);
		const route = routes[`${call.method} ${url}`];
		if (!route) return json({ error: { code: 'not_found', message: url } }, 404);
		return route();
	});
	return calls;
}

const SESSION = '0b7e0c1e-5f7a-4d6e-9c1a-2f3b4c5d6e7f';

/** A conversation of one finished turn, then a question whose reply is half written. */
function runningDetail(running = true): SessionDetail {
	return {
		session_id: SESSION,
		title: 'Counting',
		created_at: '2026-01-01T00:00:00.000Z',
		updated_at: '2026-01-01T00:00:00.000Z',
		running,
		current_leaf_id: 4,
		messages: [
			apiMessage('user', { id: 1, content: 'hello' }),
			apiMessage('assistant', { id: 2, content: 'Hi!', finish_reason: 'stop' }),
			apiMessage('user', { id: 3, content: 'count to ten' }),
			apiMessage('assistant', { id: 4, content: 'one two', finish_reason: 'streaming' })
		],
		has_more: false
	};
}

const contents = (chat: ChatState) => chat.items.map((item) => `${item.kind}: ${item.content}`);

afterEach(() => vi.unstubAllGlobals());

describe('chat state: a reply the server is still writing', () => {
	it('opening the conversation follows the reply from its start instead of showing the half-saved row', async () => {
		const stream = liveStream();
		const calls = serve({ [`GET /api/sessions/${SESSION}/stream`]: stream.response });
		const chat = new ChatState();
		chat.open(runningDetail());

		expect(contents(chat)).toEqual(['user: hello', 'assistant: Hi!', 'user: count to ten']);
		expect(chat.streaming).toBe(true);
		await vi.waitFor(() =>
			expect(calls.map((c) => c.path)).toContain(`/api/sessions/${SESSION}/stream`)
		);
		stream.event('session', { session_id: SESSION, title: 'Counting', user_message_id: 3 });
		stream.event('delta', { text: 'one two ' });
		stream.event('delta', { text: 'three' });
		await vi.waitFor(() => expect(chat.pending?.content).toBe('one two three'));

		stream.done();
		await vi.waitFor(() => expect(chat.streaming).toBe(false));
		expect(contents(chat).at(-1)).toBe('assistant: one two three');
		expect(chat.items.at(-1)).toMatchObject({ finishReason: 'stop', streaming: false });
		expect(chat.pending).toBeNull();
	});

	it('when the reply ended before the stream was asked for (204), shows the saved reply', async () => {
		const saved = runningDetail(false);
		saved.messages[3] = apiMessage('assistant', {
			id: 4,
			content: 'one two three … ten',
			finish_reason: 'stop'
		});
		serve({
			[`GET /api/sessions/${SESSION}/stream`]: () => new Response(null, { status: 204 }),
			[`GET /api/sessions/${SESSION}?limit=200`]: () => json(saved)
		});
		const chat = new ChatState();
		chat.open(runningDetail());
		await vi.waitFor(() => expect(chat.streaming).toBe(false));
		expect(contents(chat).at(-1)).toBe('assistant: one two three … ten');
		expect(chat.requestError).toBeNull();
	});

	it('Stop asks the server to stop and keeps reading until the reply’s done', async () => {
		const stream = liveStream();
		const calls = serve({
			[`GET /api/sessions/${SESSION}/stream`]: stream.response,
			[`POST /api/sessions/${SESSION}/stop`]: () => {
				queueMicrotask(() => stream.done('aborted'));
				return json({ ok: true, message_id: 9, finish_reason: 'aborted' });
			}
		});
		const chat = new ChatState();
		chat.open(runningDetail());
		await vi.waitFor(() => expect(calls).toHaveLength(1));
		stream.event('session', { session_id: SESSION, title: 'Counting', user_message_id: 3 });
		stream.event('delta', { text: 'one two' });

		await chat.stop();
		await vi.waitFor(() => expect(chat.streaming).toBe(false));
		expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
			`GET /api/sessions/${SESSION}/stream`,
			`POST /api/sessions/${SESSION}/stop`
		]);
		expect(calls[0].signal?.aborted).toBe(false);
		expect(chat.items.at(-1)).toMatchObject({ content: 'one two', finishReason: 'aborted' });
	});

	it('Stop before the stream’s first event (a new conversation has no id yet) is sent when it comes', async () => {
		const stream = liveStream();
		const calls = serve({
			'POST /api/chat': stream.response,
			[`POST /api/sessions/${SESSION}/stop`]: () => {
				queueMicrotask(() => stream.done('aborted'));
				return json({ ok: true, message_id: 9, finish_reason: 'aborted' });
			}
		});
		const chat = new ChatState();
		const sending = chat.send('count to ten');
		await chat.stop();
		expect(calls.map((c) => c.path)).not.toContain(`/api/sessions/${SESSION}/stop`);

		await vi.waitFor(() => expect(calls).toHaveLength(1));
		stream.event('session', { session_id: SESSION, title: 'Counting', user_message_id: 3 });
		await sending;
		expect(calls.map((c) => `${c.method} ${c.path}`)).toContain(
			`POST /api/sessions/${SESSION}/stop`
		);
		expect(chat.items.at(-1)).toMatchObject({ finishReason: 'aborted' });
	});

	it('Stop after the reply ended on its own (409 not_running) is no error', async () => {
		const stream = liveStream();
		serve({
			[`GET /api/sessions/${SESSION}/stream`]: stream.response,
			[`POST /api/sessions/${SESSION}/stop`]: () =>
				json({ error: { code: 'not_running', message: 'No reply is being written.' } }, 409)
		});
		const chat = new ChatState();
		chat.open(runningDetail());
		await chat.stop();
		expect(chat.requestError).toBeNull();
	});

	it('leaving the conversation only stops following: nothing asks the server to stop', async () => {
		const stream = liveStream();
		const calls = serve({ [`GET /api/sessions/${SESSION}/stream`]: stream.response });
		const chat = new ChatState();
		chat.open(runningDetail());
		await vi.waitFor(() => expect(calls).toHaveLength(1));
		stream.event('session', { session_id: SESSION, title: 'Counting', user_message_id: 3 });

		chat.reset();
		expect(chat.streaming).toBe(false);
		expect(calls[0].signal?.aborted).toBe(true);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(calls.map((c) => c.method)).toEqual(['GET']);
		expect(chat.items).toEqual([]);
	});
});

/** Turn `n` of a long conversation: its question (id 2n-1) and its reply (id 2n). */
const turn = (n: number) => [
	apiMessage('user', { id: 2 * n - 1, content: `q${n}` }),
	apiMessage('assistant', { id: 2 * n, content: `a${n}`, finish_reason: 'stop' })
];
const turns = (from: number, to: number) =>
	Array.from({ length: to - from + 1 }, (_, i) => turn(from + i)).flat();

function pageOf(
	messages: SessionDetail['messages'],
	hasMore: boolean,
	running = false
): SessionDetail {
	return { ...runningDetail(running), messages, has_more: hasMore };
}

describe('chat state: a long conversation in pages', () => {
	it('opens with the newest page and puts the one before it in front, until there is none', async () => {
		const calls = serve({
			[`GET /api/sessions/${SESSION}?limit=50&before=21`]: () => json(pageOf(turns(1, 10), false))
		});
		const chat = new ChatState();
		chat.open(pageOf(turns(11, 15), true));
		expect(contents(chat)).toEqual(turns(11, 15).map((m) => `${m.role}: ${m.content}`));
		expect(chat.hasOlder).toBe(true);
		const newest = chat.items.at(-1);

		expect(await chat.loadOlder()).toBe(true);
		expect(calls.map((c) => c.path)).toEqual([`/api/sessions/${SESSION}?limit=50&before=21`]);
		expect(contents(chat)).toEqual(turns(1, 15).map((m) => `${m.role}: ${m.content}`));
		expect(chat.items.map((item) => item.key)).toEqual(turns(1, 15).map((m) => `m${m.id}`));
		// The items already shown are the same objects: nothing of theirs renders again.
		expect(chat.items.at(-1)).toBe(newest);
		expect([chat.hasOlder, chat.loadingOlder, chat.olderError]).toEqual([false, false, null]);
		expect(await chat.loadOlder()).toBe(false);
		expect(calls).toHaveLength(1);
	});

	it('a turn cut by a page boundary is one reply once its question arrives', async () => {
		const question = apiMessage('user', { id: 10, content: 'add 2 and 3' });
		const call = apiMessage('assistant', {
			id: 11,
			content: 'Let me add.',
			tool_calls: [{ id: 'c1', type: 'function', function: { name: 'add', arguments: '{"a":2}' } }]
		});
		const result = apiMessage('tool', { id: 12, tool_call_id: 'c1', content: '5' });
		const answer = apiMessage('assistant', { id: 13, content: 'It is 5.', finish_reason: 'stop' });
		serve({
			// …which ends the page before, which itself begins with a reply's end.
			[`GET /api/sessions/${SESSION}?limit=50&before=12`]: () =>
				json(pageOf([apiMessage('assistant', { id: 9, content: 'Hello!' }), question, call], true)),
			[`GET /api/sessions/${SESSION}?limit=50&before=9`]: () =>
				json(pageOf([apiMessage('user', { id: 8, content: 'hi' })], false))
		});
		const chat = new ChatState();
		// The newest page begins in the middle of a turn: that part waits for its question.
		chat.open(pageOf([result, answer, ...turn(8).map((m) => ({ ...m, id: m.id + 6 }))], true));
		expect(contents(chat)).toEqual(['user: q8', 'assistant: a8']);

		await chat.loadOlder();
		expect(contents(chat)).toEqual([
			'user: add 2 and 3',
			'assistant: Let me add.\n\nIt is 5.',
			'user: q8',
			'assistant: a8'
		]);
		expect(chat.items[1]).toMatchObject({
			kind: 'assistant',
			tools: [{ id: 'c1', status: 'done', result: '5' }]
		});
		expect(chat.hasOlder).toBe(true);
		await chat.loadOlder();
		expect(contents(chat)).toEqual([
			'user: hi',
			'assistant: Hello!',
			'user: add 2 and 3',
			'assistant: Let me add.\n\nIt is 5.',
			'user: q8',
			'assistant: a8'
		]);
		expect(chat.hasOlder).toBe(false);
	});

	it('while a reply of more rows than a page is running, its rows stay out of the older page too', async () => {
		const stream = liveStream();
		const rounds = (from: number, to: number) =>
			Array.from({ length: to - from + 1 }, (_, i) =>
				apiMessage('assistant', { id: from + i, content: `round ${from + i}` })
			);
		serve({
			[`GET /api/sessions/${SESSION}/stream`]: stream.response,
			[`GET /api/sessions/${SESSION}?limit=50&before=60`]: () =>
				json(
					pageOf(
						[...turn(1), apiMessage('user', { id: 3, content: 'go' }), ...rounds(4, 59)],
						true,
						true
					)
				)
		});
		const chat = new ChatState();
		chat.open(pageOf(rounds(60, 70), true, true));
		expect(chat.items).toEqual([]);
		expect(chat.isEmpty).toBe(false);
		await chat.loadOlder();
		expect(contents(chat)).toEqual(['user: q1', 'assistant: a1', 'user: go']);
		expect(chat.streaming).toBe(true);
	});

	it('a page that arrives after another conversation was opened is dropped', async () => {
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		vi.stubGlobal('fetch', async () => {
			await held;
			return json(pageOf(turns(1, 2), false));
		});
		const chat = new ChatState();
		chat.open(pageOf(turns(3, 4), true));
		const loading = chat.loadOlder();
		expect(chat.loadingOlder).toBe(true);
		chat.open({ ...pageOf(turn(1), false), session_id: crypto.randomUUID() });
		release();
		expect(await loading).toBe(false);
		expect(contents(chat)).toEqual(['user: q1', 'assistant: a1']);
		expect([chat.hasOlder, chat.loadingOlder]).toEqual([false, false]);
	});

	it('a page that fails to load says so, and trying again loads it', async () => {
		let fail = true;
		serve({
			[`GET /api/sessions/${SESSION}?limit=50&before=5`]: () =>
				fail
					? json({ error: { code: 'internal', message: 'database is locked' } }, 500)
					: json(pageOf(turns(1, 2), false))
		});
		const chat = new ChatState();
		chat.open(pageOf(turns(3, 4), true));
		expect(await chat.loadOlder()).toBe(false);
		expect(chat.olderError).toContain('database is locked');
		expect(chat.hasOlder).toBe(true);
		fail = false;
		expect(await chat.loadOlder()).toBe(true);
		expect(chat.olderError).toBeNull();
		expect(contents(chat)).toHaveLength(8);
	});

	it('a reply that ended before its stream was asked for is shown after the older pages already loaded', async () => {
		const saved = [...turns(20, 24), apiMessage('user', { id: 49, content: 'last' })];
		const reply = apiMessage('assistant', { id: 50, content: 'done now', finish_reason: 'stop' });
		serve({
			[`GET /api/sessions/${SESSION}/stream`]: () => new Response(null, { status: 204 }),
			[`GET /api/sessions/${SESSION}?limit=200`]: () =>
				json(pageOf([...turns(23, 24), saved.at(-1)!, reply], true))
		});
		const chat = new ChatState();
		chat.open(
			pageOf(
				[...saved, apiMessage('assistant', { id: 50, content: 'do', finish_reason: 'streaming' })],
				true,
				true
			)
		);
		const shown = chat.items.slice();
		await vi.waitFor(() => expect(chat.streaming).toBe(false));
		expect(contents(chat)).toEqual([
			...saved.map((m) => `${m.role}: ${m.content}`),
			'assistant: done now'
		]);
		// What was shown stays (the same objects), the older page's state too.
		expect(chat.items.slice(0, shown.length)).toEqual(shown);
		chat.items.slice(0, shown.length).forEach((item, i) => expect(item).toBe(shown[i]));
		expect(chat.hasOlder).toBe(true);
	});
});
