import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../src/lib/api';
import { sseResponse } from '../../src/lib/server/sse-response';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the chat event stream', () => {
	it('sends keep-alive comments while the chat is quiet, then the events in order', async () => {
		async function* events(): AsyncGenerator<ChatEvent> {
			yield { event: 'session', data: { session_id: 's1' } };
			await sleep(120); // a tool waiting for approval
			yield { event: 'delta', data: { text: 'hi' } };
		}
		const response = sseResponse(() => events(), new AbortController().signal, 25);
		const text = await response.text();
		const lines = text.split('\n\n').filter(Boolean);
		expect(lines[0]).toBe('event: session\ndata: {"session_id":"s1"}');
		expect(lines.slice(1, -1).length).toBeGreaterThanOrEqual(2);
		expect(new Set(lines.slice(1, -1))).toEqual(new Set([': keep-alive']));
		expect(lines.at(-1)).toBe('event: delta\ndata: {"text":"hi"}');
	});

	it('aborts the producer and lets it finish when the reader cancels', async () => {
		let sawAbort = false;
		let finished = false;
		async function* events(signal: AbortSignal): AsyncGenerator<ChatEvent> {
			yield { event: 'session', data: { session_id: 's1' } };
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
});
