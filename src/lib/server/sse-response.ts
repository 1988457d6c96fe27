import type { ChatEvent } from '$lib/api';

const encoder = new TextEncoder();

/** A comment line: ignored by SSE readers, but keeps proxies from closing a quiet stream. */
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n');
const KEEP_ALIVE_MS = 15_000;

export const encodeEvent = ({ event, data }: ChatEvent) =>
	encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * Streams events as `text/event-stream`. `events` is told (its signal) when the browser goes away
 * or cancels the body, and is drained after that; for a chat it is a subscriber of the turn
 * (chat/runs.ts), which just detaches: the turn itself runs on. While the chat is quiet (a tool waiting for approval, a slow tool), a comment goes out every 15 s; one
 * interval timer checks for that, so the events themselves pay nothing for it.
 */
export function sseResponse(
	events: (signal: AbortSignal) => AsyncGenerator<ChatEvent>,
	requestSignal: AbortSignal,
	keepAliveMs = KEEP_ALIVE_MS
): Response {
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
	return new Response(body, {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache, no-transform',
			'x-accel-buffering': 'no'
		}
	});
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
