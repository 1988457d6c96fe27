import type { ChatEvent } from '$lib/api';

const encoder = new TextEncoder();

/** A comment line: ignored by SSE readers, but keeps proxies from closing a quiet stream. */
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n');
const KEEP_ALIVE_MS = 15_000;

export const encodeEvent = ({ event, data }: ChatEvent) =>
	encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * Streams events as `text/event-stream`. The upstream work is aborted when the browser goes away
 * (request signal) or cancels the body (Stop), so nothing keeps generating for nobody. While the
 * chat is quiet (a tool waiting for approval, a slow tool), a comment goes out every 15 s.
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
	// The next event, kept across pulls when a keep-alive went out before it arrived.
	let pending: Promise<IteratorResult<ChatEvent>> | undefined;

	const body = new ReadableStream<Uint8Array>({
		async pull(stream) {
			try {
				pending ??= iterator.next();
				let timer: ReturnType<typeof setTimeout> | undefined;
				const quiet = new Promise<null>(
					(resolve) => (timer = setTimeout(resolve, keepAliveMs, null))
				);
				const next = await Promise.race([pending, quiet]);
				clearTimeout(timer);
				if (next === null) {
					stream.enqueue(KEEP_ALIVE);
					return;
				}
				pending = undefined;
				if (next.done) {
					requestSignal.removeEventListener('abort', abort);
					stream.close();
				} else {
					stream.enqueue(encodeEvent(next.value));
				}
			} catch (error) {
				requestSignal.removeEventListener('abort', abort);
				stream.error(error);
			}
		},
		async cancel() {
			abort();
			// Let the generator save the partial reply after the abort.
			await drain(iterator, pending);
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

async function drain(
	iterator: AsyncGenerator<ChatEvent>,
	pending?: Promise<IteratorResult<ChatEvent>>
) {
	try {
		if (pending && (await pending).done) return;
		while (!(await iterator.next()).done) {
			// discard: the reader is gone
		}
	} catch {
		// the reader is gone; errors were logged by the producer
	}
}
