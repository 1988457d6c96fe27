import type { ChatEvent } from '$lib/api';
import { isSseComment, readSse } from '$lib/api/sse';
import type { RecordedRequest, OpenRouterStandin } from './openrouter-standin';
import { textOf, waitUntil } from './factories';

export interface FollowedStream {
	/** Events so far, in order. */
	readonly events: ChatEvent[];
	/** When each event arrived (performance.now()), by index. */
	readonly arrivedAt: number[];
	/** Resolves when the stream ends (or is cancelled). */
	readonly ended: Promise<void>;
	text(): string;
	/** Resolves once `predicate` holds for the events so far. */
	until(predicate: (events: ChatEvent[]) => boolean, what?: string): Promise<void>;
	/** Stops reading, as a closed tab does. */
	cancel(): Promise<void>;
}

/** Reads a chat event stream in the background, so a test can act at a point in it. */
export function followEvents(response: Response): FollowedStream {
	const reader = response.body!.getReader();
	const chunks = {
		async *[Symbol.asyncIterator]() {
			while (true) {
				const { done, value } = await reader.read();
				if (done) return;
				yield value;
			}
		}
	};
	const events: ChatEvent[] = [];
	const arrivedAt: number[] = [];
	const ended = (async () => {
		for await (const item of readSse(chunks)) {
			if (isSseComment(item)) continue;
			events.push({ event: item.event, data: JSON.parse(item.data) } as ChatEvent);
			arrivedAt.push(performance.now());
		}
	})();
	return {
		events,
		arrivedAt,
		ended,
		text: () => textOf(events),
		until: (predicate, what = 'the stream to get there') =>
			waitUntil(() => predicate(events), 15_000, what),
		cancel: () => reader.cancel()
	};
}

export const deltas = (count: number) => (events: ChatEvent[]) =>
	events.filter((event) => event.event === 'delta').length >= count;

export const sessionIdOf = (stream: FollowedStream) => {
	const session = stream.events.find((event) => event.event === 'session');
	if (session?.event !== 'session') throw new Error('no session event yet');
	return session.data.session_id;
};

/** A reply of `words` words from the stand-in's echo, `paceMs` apart: a turn of known length. */
export const pacedMessage = (marker: string, words = 30, paceMs = 15) =>
	`[[pace:${paceMs}]] ${marker} ${Array.from({ length: words }, (_, i) => `w${i}`).join(' ')}`;

const lastUserText = (request: RecordedRequest) =>
	JSON.stringify(
		(request.body?.messages ?? []).findLast((m: { role: string }) => m.role === 'user') ?? ''
	);

/**
 * Resolves when the stand-in sees the caller close a chat request whose question holds `marker`
 * (a test's own; an earlier test's turn being shut down must not count).
 */
export function upstreamAborted(standin: OpenRouterStandin, marker: string): Promise<void> {
	return new Promise((resolve) => {
		const onAbort = (request: RecordedRequest) => {
			if (!lastUserText(request).includes(marker)) return;
			standin.events.off('aborted', onAbort);
			resolve();
		};
		standin.events.on('aborted', onAbort);
	});
}

/** Chat requests the stand-in got for a question holding `marker`. */
export const upstreamRequests = (standin: OpenRouterStandin, marker: string) =>
	standin.requests.filter(
		(r) => r.path === '/chat/completions' && lastUserText(r).includes(marker)
	);
