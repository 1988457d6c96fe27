import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatState } from '$lib/state/chat.svelte';

/** A `POST /api/chat` answer whose events the test releases when it wants. */
function streamingReply() {
	let controller!: ReadableStreamDefaultController<Uint8Array>;
	const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
	const event = (name: string, data: object) =>
		controller.enqueue(
			new TextEncoder().encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
		);
	return {
		response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
		event,
		finish() {
			event('done', { message_id: 'm1', finish_reason: 'stop' });
			controller.close();
		}
	};
}

afterEach(() => vi.unstubAllGlobals());

describe('chat state: a send queued while a reply streams (dictation)', () => {
	it('runs the queued send only after the reply has finished', async () => {
		const reply = streamingReply();
		const requests: string[] = [];
		vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
			requests.push(JSON.parse(String(init.body)).message);
			return reply.response;
		});
		const chat = new ChatState();
		const sending = chat.send('first question');
		await vi.waitFor(() => expect(requests).toEqual(['first question']));
		reply.event('session', { session_id: 's1' });
		reply.event('delta', { text: 'Half an ans' });

		const queued: boolean[] = [];
		chat.afterReply(() => queued.push(chat.streaming));
		await new Promise((resolve) => setTimeout(resolve, 20));
		expect(queued).toEqual([]);

		reply.finish();
		await sending;
		expect(queued).toEqual([false]);
	});

	it('runs it at once when no reply is streaming', () => {
		const chat = new ChatState();
		const ran = vi.fn();
		chat.afterReply(ran);
		expect(ran).toHaveBeenCalledOnce();
	});
});
