import type { ChatEvent } from '$lib/api';
import type { RunListener } from './chat/runs';

const encoder = new TextEncoder();

/** A comment line: ignored by SSE readers, but keeps proxies from closing a quiet stream. */
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n');
const KEEP_ALIVE_MS = 15_000;

export const encodeEvent = ({ event, data }: ChatEvent) =>
	encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

const SSE_HEADERS = {
	'content-type': 'text/event-stream; charset=utf-8',
	'cache-control': 'no-cache, no-transform',
	'x-accel-buffering': 'no'
};

/** What pushes events: a running turn (chat/runs.ts). */
export interface EventPublisher {
	subscribe(listener: RunListener): () => void;
}

/**
 * Streams events as `text/event-stream`. From a running turn (`source` with `subscribe`), each
 * event is encoded and queued on the body as the turn produces it, with no pull and no promise
 * in between; the stream ends after `done` (or when the turn ends without one). The browser going
 * away only unsubscribes: the turn runs on. `events` is told (its signal) when the browser goes away
 * or cancels the body, and is drained after that; for a chat it is a subscriber of the turn
 * (chat/runs.ts), which just detaches: the turn itself runs on. While the chat is quiet (a tool waiting for approval, a slow tool), a comment goes out every 15 s; one
 * interval timer checks for that, so the events themselves pay nothing for it.
 */
export function sseResponse(
	source: EventPublisher | ((signal: AbortSignal) => AsyncGenerator<ChatEvent>),
	requestSignal: AbortSignal,
	keepAliveMs = KEEP_ALIVE_MS
): Response {
	if (typeof source !== 'function') return pushedResponse(source, requestSignal, keepAliveMs);
	const events = source;
	const controller = new AbortController();
	const abort = () => controller.abort();
	requestSignal.addEventListener('abort', abort, { once: true });
	const iterator = events(controller.signal);
	let lastSent = Date.now();
	let heartbeat: ReturnType<typeof setInterval> | undefined;
	const finish = () => {
		clearInterval(heartbeat);
		requestSignal.removeEventListener('abort', abort);
	};

	const body = new ReadableStream<Uint8Array>({
		start(stream) {
			heartbeat = setInterval(
				() => {
					if (Date.now() - lastSent < keepAliveMs) return;
					lastSent = Date.now();
					stream.enqueue(KEEP_ALIVE);
				},
				Math.max(1, Math.floor(keepAliveMs / 3))
			);
		},
		async pull(stream) {
			try {
				const next = await iterator.next();
				if (next.done) {
					finish();
					stream.close();
				} else {
					lastSent = Date.now();
					stream.enqueue(encodeEvent(next.value));
					// `done` is the last event of a turn: ending the body with it puts the end of the
					// response in the same write, instead of one more write (and wake-up) after it.
					if (next.value.event === 'done') {
						finish();
						stream.close();
						void drain(iterator);
					}
				}
			} catch (error) {
				finish();
				stream.error(error);
			}
		},
		async cancel() {
			finish();
			abort();
			// Let the generator save the partial reply after the abort.
			await drain(iterator);
		}
	});
	return new Response(body, { headers: SSE_HEADERS });
}

function pushedResponse(
	source: EventPublisher,
	requestSignal: AbortSignal,
	keepAliveMs: number
): Response {
	let closed = false;
	let unsubscribe: (() => void) | undefined;
	let heartbeat: ReturnType<typeof setInterval> | undefined;
	let lastSent = Date.now();
	let stream: ReadableStreamDefaultController<Uint8Array>;
	const finish = () => {
		if (closed) return;
		closed = true;
		clearInterval(heartbeat);
		requestSignal.removeEventListener('abort', end);
		unsubscribe?.();
	};
	function end() {
		if (closed) return;
		finish();
		stream.close();
	}
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			stream = controller;
			if (requestSignal.aborted) {
				closed = true;
				controller.close();
				return;
			}
			requestSignal.addEventListener('abort', end, { once: true });
			heartbeat = setInterval(
				() => {
					if (closed || Date.now() - lastSent < keepAliveMs) return;
					lastSent = Date.now();
					controller.enqueue(KEEP_ALIVE);
				},
				Math.max(1, Math.floor(keepAliveMs / 3))
			);
			const detach = source.subscribe({
				event(event) {
					if (closed) return;
					lastSent = Date.now();
					controller.enqueue(encodeEvent(event));
					// `done` is the last event of a turn: ending the body with it puts the end of the
					// response in the same write.
					if (event.event === 'done') end();
				},
				end
			});
			// The turn may have ended during the replay, before there was anything to detach.
			if (closed) detach();
			else unsubscribe = detach;
		},
		cancel() {
			finish();
		}
	});
	return new Response(body, { headers: SSE_HEADERS });
}

async function drain(iterator: AsyncGenerator<ChatEvent>) {
	try {
		while (!(await iterator.next()).done) {
			// discard: the reader is gone
		}
	} catch {
		// the reader is gone; errors were logged by the producer
	}
}
