import { request, type Dispatcher } from 'undici';
import { isSseComment, readSse } from '../../src/lib/api/sse';

export interface StreamTiming {
	status: number;
	/** ms from sending the request to the first token. */
	firstTokenMs: number;
	/** performance.now() at each token. */
	tokenTimes: number[];
	/** The data of `event: error` events (the app's), for the message when a stream fails. */
	errors: string[];
}

/** POSTs `body`, reads the SSE answer to its end, and notes when each token arrived. */
export async function timeStream(
	dispatcher: Dispatcher,
	url: string,
	body: unknown,
	isToken: (event: { event?: string; data: string }) => boolean,
	headers: Record<string, string> = {}
): Promise<StreamTiming> {
	const started = performance.now();
	const response = await request(url, {
		dispatcher,
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body)
	});
	const tokenTimes: number[] = [];
	const errors: string[] = [];
	for await (const item of readSse(response.body)) {
		if (isSseComment(item)) continue;
		if (isToken(item)) tokenTimes.push(performance.now());
		else if (item.event === 'error') errors.push(item.data);
	}
	return {
		status: response.statusCode,
		firstTokenMs: (tokenTimes[0] ?? NaN) - started,
		tokenTimes,
		errors
	};
}

/** A token in OpenRouter's wire format: a chunk whose delta carries content. */
export const isUpstreamToken = ({ data }: { data: string }) =>
	data !== '[DONE]' &&
	Boolean(
		(JSON.parse(data) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta
			?.content
	);

/** A token of `POST /api/chat`. */
export const isAppToken = ({ event }: { event?: string }) => event === 'delta';

/** A token of the AI SDK's UI message stream (`data: {"type":"text-delta",…}`). */
export const isAiSdkToken = ({ data }: { data: string }) => data.startsWith('{"type":"text-delta"');

/** Gaps between consecutive tokens of each stream, in ms. */
export const gaps = (timings: StreamTiming[]) =>
	timings.flatMap(({ tokenTimes }) => tokenTimes.slice(1).map((time, i) => time - tokenTimes[i]));
