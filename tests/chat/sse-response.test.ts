import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/lib/api';
import type { RunListener } from '../../src/lib/server/chat/runs';
import { sseResponse } from '../../src/lib/server/sse-response';

/** A publisher like a running turn: what happened so far at once, then live events. */
function publisher(past: ChatEvent[]) {
	const listeners = new Set<RunListener>();
	return {
		subscribe(listener: RunListener) {
			for (const event of past) listener.event(event);
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		push: (event: ChatEvent) => listeners.forEach((listener) => listener.event(event)),
		end: () => listeners.forEach((listener) => listener.end()),
		get listeners() {
			return listeners.size;
		}
	};
}

const frames = (text: string) => text.split('\n\n').filter(Boolean);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the chat event stream', () => {
	it('sends keep-alive comments while the chat is quiet, then the events in order', async () => {
		async function* events(): AsyncGenerator<ChatEvent> {
			yield { event: 'session', data: { session_id: 's1', title: 'T', user_message_id: 1 } };
			await sleep(120); // a tool waiting for approval
			yield { event: 'delta', data: { text: 'hi' } };
		}
		const response = sseResponse(() => events(), new AbortController().signal, 25);
		const text = await response.text();
		const lines = text.split('\n\n').filter(Boolean);
		expect(lines[0]).toBe(
			'event: session\ndata: {"session_id":"s1","title":"T","user_message_id":1}'
		);
		expect(lines.slice(1, -1).length).toBeGreaterThanOrEqual(2);
		expect(new Set(lines.slice(1, -1))).toEqual(new Set([': keep-alive']));
		expect(lines.at(-1)).toBe('event: delta\ndata: {"text":"hi"}');
	});

	it('ends the body with `done`, and lets the producer finish after it', async () => {
		let finished = false;
		async function* events(): AsyncGenerator<ChatEvent> {
			yield { event: 'delta', data: { text: 'hi' } };
			yield { event: 'done', data: { message_id: 1, finish_reason: 'stop' } };
			await sleep(50); // the turn still saving, logging…
			finished = true;
		}
		const response = sseResponse(() => events(), new AbortController().signal, 1000);
		const text = await response.text();
		expect(text.split('\n\n').filter(Boolean).at(-1)).toBe(
			'event: done\ndata: {"message_id":1,"finish_reason":"stop"}'
		);
		expect(finished).toBe(false);
		await sleep(100);
		expect(finished).toBe(true);
	});

	it('aborts the producer and lets it finish when the reader cancels', async () => {
		let sawAbort = false;
		let finished = false;
		async function* events(signal: AbortSignal): AsyncGenerator<ChatEvent> {
			yield { event: 'session', data: { session_id: 's1', title: 'T', user_message_id: 1 } };
			if (!signal.aborted) {
				await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
			}
			sawAbort = signal.aborted;
			yield { event: 'done', data: { message_id: 1, finish_reason: 'aborted' } };
			finished = true;
		}
		const response = sseResponse(events, new AbortController().signal, 1000);
		const reader = response.body!.getReader();
		await reader.read();
		await reader.cancel();
		expect(sawAbort).toBe(true);
		expect(finished).toBe(true);
	});

	it('from a running turn: what happened so far, then each event as it comes, ending with done', async () => {
		const turn = publisher([
			{ event: 'session', data: { session_id: 's1', title: 'T', user_message_id: 1 } }
		]);
		const response = sseResponse(turn, new AbortController().signal, 1000);
		const text = response.text();
		turn.push({ event: 'delta', data: { text: 'hi' } });
		turn.push({ event: 'done', data: { message_id: 1, finish_reason: 'stop' } });
		turn.push({ event: 'delta', data: { text: 'never sent' } });
		expect(frames(await text)).toEqual([
			'event: session\ndata: {"session_id":"s1","title":"T","user_message_id":1}',
			'event: delta\ndata: {"text":"hi"}',
			'event: done\ndata: {"message_id":1,"finish_reason":"stop"}'
		]);
		expect(turn.listeners).toBe(0);
	});

	it('from a running turn: the browser going away unsubscribes, the turn goes on', async () => {
		const turn = publisher([]);
		const request = new AbortController();
		const response = sseResponse(turn, request.signal, 1000);
		const reader = response.body!.getReader();
		turn.push({ event: 'delta', data: { text: 'one' } });
		expect(new TextDecoder().decode((await reader.read()).value)).toContain('one');
		request.abort();
		expect(turn.listeners).toBe(0);
		expect((await reader.read()).done).toBe(true);
	});

	it('from a turn that ends without done, the body ends too', async () => {
		const turn = publisher([]);
		const response = sseResponse(turn, new AbortController().signal, 1000);
		const text = response.text();
		turn.push({ event: 'delta', data: { text: 'partial' } });
		turn.end();
		expect(frames(await text)).toEqual(['event: delta\ndata: {"text":"partial"}']);
	});
});
