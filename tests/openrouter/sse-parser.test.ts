import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '$lib/api';
import { OpenRouterClient } from '$lib/server/openrouter/client';
import { UpstreamError } from '$lib/server/openrouter/errors';
import type { Transport } from '$lib/server/openrouter/transport';
import type { StreamEvent } from '$lib/server/openrouter/types';
import { encodeEvent } from '$lib/server/sse-response';
import { isSseComment, readSse } from '$lib/api/sse';
import { recordedStreams } from './recorded-streams';

/** Every way to cut `bytes` in two, then one byte per chunk. */
function* splits(bytes: Uint8Array): Generator<Uint8Array[]> {
	for (let at = 0; at <= bytes.length; at++) yield [bytes.subarray(0, at), bytes.subarray(at)];
	yield Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** A transport answering 200 with the given body chunks, as the HTTP transport would. */
const replay =
	(chunks: Uint8Array[]): Transport =>
	async () => ({
		status: 200,
		header: () => undefined,
		body: (async function* () {
			yield* chunks;
		})(),
		text: async () => '',
		close: () => {}
	});

type Outcome = { events: StreamEvent[]; error?: { code: string; message: string } };

async function parse(chunks: Uint8Array[]): Promise<Outcome> {
	const client = new OpenRouterClient({
		apiKey: 'sk-or-v1-test',
		transport: replay(chunks),
		demoTransport: replay([]),
		appUrl: 'http://localhost'
	});
	const events: StreamEvent[] = [];
	try {
		for await (const event of client.streamChat({
			model: 'openai/gpt-4o',
			messages: [{ role: 'user', content: 'hi' }]
		}))
			events.push(event);
	} catch (error) {
		if (!(error instanceof UpstreamError)) throw error;
		return { events, error: { code: error.code, message: error.message } };
	}
	return { events };
}

const stream = (name: string) => {
	const found = recordedStreams.find((s) => s.name === name);
	if (!found) throw new Error(`no recorded stream ${name}`);
	return new TextEncoder().encode(found.wire);
};

const texts = (outcome: Outcome, type: 'text' | 'reasoning') =>
	outcome.events.flatMap((event) => (event.type === type ? [event.text] : []));

describe('OpenRouter stream parsing (recorded streams)', () => {
	it('reads text around processing comments, with usage and cost', async () => {
		const outcome = await parse([
			stream('text with a processing comment and a usage chunk with cost')
		]);
		expect(outcome.error).toBeUndefined();
		expect(texts(outcome, 'text').join('')).toBe('Grüße, 世界! 👋🏽 naïve café — done.');
		expect(outcome.events.filter((e) => e.type === 'usage')).toEqual([
			{
				type: 'usage',
				usage: { prompt_tokens: 194, completion_tokens: 12, total_tokens: 206, cost: 0.00123 }
			}
		]);
		expect(outcome.events.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', toolCalls: [] });
	});

	it('keeps reasoning apart from the answer', async () => {
		const outcome = await parse([stream('reasoning deltas before the answer')]);
		expect(texts(outcome, 'reasoning').join('')).toBe('Let me think… Ωμέγα first.');
		expect(texts(outcome, 'text').join('')).toBe('The answer is 42 ✓');
		const firstText = outcome.events.findIndex((e) => e.type === 'text');
		expect(outcome.events.slice(0, firstText).every((e) => e.type === 'reasoning')).toBe(true);
	});

	it('assembles parallel tool calls from argument fragments', async () => {
		const outcome = await parse([stream('parallel tool calls with arguments in fragments')]);
		const finish = outcome.events.at(-1);
		expect(finish).toEqual({
			type: 'finish',
			finishReason: 'tool_calls',
			toolCalls: [
				{
					id: 'call_a',
					type: 'function',
					function: { name: 'weather__forecast', arguments: '{"city":"Zürich ☀","days":3}' }
				},
				{
					id: 'call_b',
					type: 'function',
					function: { name: 'calculator__evaluate', arguments: '{"expression":"12*7+3"}' }
				}
			]
		});
		// OpenAI's usage form (`choices: []`) is read too.
		expect(outcome.events).toContainEqual({
			type: 'usage',
			usage: { prompt_tokens: 7, completion_tokens: 4, total_tokens: 11 }
		});
	});

	it('turns an error chunk into an error after the text that came before it', async () => {
		const outcome = await parse([stream('an error chunk mid-stream with finish_reason "error"')]);
		expect(texts(outcome, 'text').join('')).toBe('This reply starts fine but — ');
		expect(outcome.error?.code).toBe('upstream_stream_error');
		expect(outcome.error?.message).toContain('Provider disconnected ⚡');
		expect(outcome.error?.message).toContain('server_error');
	});

	it('accepts a finished stream that never sends [DONE]', async () => {
		const outcome = await parse([stream('a complete stream without [DONE]')]);
		expect(outcome.error).toBeUndefined();
		expect(texts(outcome, 'text').join('')).toBe('Hello there, ünïcødé');
		expect(outcome.events.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', toolCalls: [] });
		expect(outcome.events).toContainEqual({
			type: 'usage',
			usage: { prompt_tokens: 42, completion_tokens: 2, total_tokens: 44, cost: 0 }
		});
	});

	it('reads CRLF line endings', async () => {
		const outcome = await parse([
			stream('CRLF line endings and keep-alive comments between chunks')
		]);
		expect(texts(outcome, 'text').join('')).toBe('Line one\nline two — “quoted” 🎉');
		expect(outcome.events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
	});

	it('reports a stream cut off before the end as incomplete', async () => {
		const outcome = await parse([stream('a stream cut off before the end')]);
		expect(texts(outcome, 'text').join('')).toBe('This reply is cut off in the mïd');
		expect(outcome.error).toEqual({
			code: 'upstream_incomplete',
			message: expect.stringContaining('ended before the reply was complete')
		});
	});

	describe.each(recordedStreams)('$name', ({ wire }) => {
		it('gives identical results however the bytes are split', async () => {
			const bytes = new TextEncoder().encode(wire);
			// The recordings hold multi-byte characters, so some cuts fall inside one.
			expect(bytes.length).toBeGreaterThan(wire.length);
			const whole = await parse([bytes]);
			let tried = 0;
			for (const chunks of splits(bytes)) {
				expect(await parse(chunks)).toEqual(whole);
				tried++;
			}
			expect(tried).toBe(bytes.length + 2);
		});
	});
});

describe('readSse (the browser side of POST /api/chat)', () => {
	const events: ChatEvent[] = [
		{
			event: 'session',
			data: { session_id: '6f1c0e36-1f7e-4a3c-9a43-5d0b7c9d8e21', title: 'T', user_message_id: 1 }
		},
		{ event: 'reasoning', data: { text: 'Hmm… 🤔' } },
		{ event: 'delta', data: { text: 'Grüße\n\n```js\nconsole.log("日本");\n```' } },
		{
			event: 'tool_call',
			data: { id: 'call_1', name: 'calculator__evaluate', arguments: { expression: '2×3' } }
		},
		{
			event: 'tool_result',
			data: { id: 'call_1', name: 'calculator__evaluate', content: '6', is_error: false }
		},
		{
			event: 'usage',
			data: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost: 0.0001 }
		},
		{
			event: 'error',
			data: { code: 'upstream_stream_error', message: 'Provider disconnected ⚡' }
		},
		{ event: 'done', data: { message_id: 7, finish_reason: 'error' } }
	];
	const bytes = new Uint8Array(events.flatMap((event) => [...encodeEvent(event)]));

	const read = async (chunks: Uint8Array[]) => {
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				for (const chunk of chunks) controller.enqueue(chunk);
				controller.close();
			}
		});
		const out: ChatEvent[] = [];
		for await (const item of readSse(body)) {
			if (!isSseComment(item))
				out.push({ event: item.event, data: JSON.parse(item.data) } as ChatEvent);
		}
		return out;
	};

	it('gives back exactly the events the server encoded, however the bytes are split', async () => {
		for (const chunks of splits(bytes)) expect(await read(chunks)).toEqual(events);
	});

	it('passes comments through only when asked', async () => {
		const chunks = async function* (bytes: Uint8Array) {
			yield bytes;
		};
		const wire = new TextEncoder().encode(': OPENROUTER PROCESSING\n\ndata: {"a":1}\n\n');
		const plain = [];
		for await (const item of readSse(chunks(wire))) plain.push(item);
		expect(plain).toEqual([expect.objectContaining({ data: '{"a":1}' })]);
		const withComments = [];
		for await (const item of readSse(chunks(wire), { comments: true })) withComments.push(item);
		expect(withComments[0]).toEqual({ comment: 'OPENROUTER PROCESSING' });
	});
});
