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
		messages: [
			apiMessage('user', { id: 1, content: 'hello' }),
			apiMessage('assistant', { id: 2, content: 'Hi!', finish_reason: 'stop' }),
			apiMessage('user', { id: 3, content: 'count to ten' }),
			apiMessage('assistant', { id: 4, content: 'one two', finish_reason: 'streaming' })
		]
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
		stream.event('session', { session_id: SESSION });
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
			[`GET /api/sessions/${SESSION}`]: () => json(saved)
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
		stream.event('session', { session_id: SESSION });
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
		stream.event('session', { session_id: SESSION });
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
		stream.event('session', { session_id: SESSION });

		chat.reset();
		expect(chat.streaming).toBe(false);
		expect(calls[0].signal?.aborted).toBe(true);
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(calls.map((c) => c.method)).toEqual(['GET']);
		expect(chat.items).toEqual([]);
	});
});
