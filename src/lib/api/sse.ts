import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseComment {
	comment: string;
}

/**
 * Turns a byte stream into Server-Sent Events, whatever the chunk boundaries are
 * (multi-byte characters and lines split across chunks included). Used on both sides:
 * the server reads OpenRouter with it, the browser reads `POST /api/chat`.
 */
export async function* readSse(
	body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
	options: { comments?: boolean } = {}
): AsyncGenerator<EventSourceMessage | SseComment> {
	const queue: (EventSourceMessage | SseComment)[] = [];
	const parser = createParser({
		onEvent: (event) => queue.push(event),
		onComment: options.comments ? (comment) => queue.push({ comment }) : undefined
	});
	const decoder = new TextDecoder();
	for await (const chunk of body as AsyncIterable<Uint8Array>) {
		parser.feed(decoder.decode(chunk, { stream: true }));
		while (queue.length) yield queue.shift()!;
	}
	parser.feed(decoder.decode());
	parser.reset({ consume: true });
	while (queue.length) yield queue.shift()!;
}

export const isSseComment = (item: EventSourceMessage | SseComment): item is SseComment =>
	'comment' in item;
