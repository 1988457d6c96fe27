import type { ChatEvent } from '$lib/api';

const encoder = new TextEncoder();

export const encodeEvent = ({ event, data }: ChatEvent) =>
	encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * Streams events as `text/event-stream`. The upstream work is aborted when the browser goes away
 * (request signal) or cancels the body (Stop), so nothing keeps generating for nobody.
 */
export function sseResponse(
	events: (signal: AbortSignal) => AsyncGenerator<ChatEvent>,
	requestSignal: AbortSignal
): Response {
	const controller = new AbortController();
	const abort = () => controller.abort();
	requestSignal.addEventListener('abort', abort, { once: true });
	const iterator = events(controller.signal);

	const body = new ReadableStream<Uint8Array>({
		async pull(stream) {
			try {
				const next = await iterator.next();
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
