import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_MODEL_ID } from '$lib/server/openrouter/client';
import { UpstreamError } from '$lib/server/openrouter/errors';
import type { ChatCompletionRequest, StreamEvent } from '$lib/server/openrouter/types';
import { startOpenRouterStandin, type OpenRouterStandin } from '../support/openrouter-standin';
import { disposeAll, onDispose, TEST_API_KEY, testClient, waitUntil } from '../support/factories';

let standin: OpenRouterStandin;
beforeAll(async () => {
	standin = await startOpenRouterStandin({ tokenDelayMs: 1 });
});
afterAll(() => standin.close());
afterEach(async () => {
	await disposeAll();
	standin.requests.length = 0;
});

const ask = (content: string, model = 'openai/gpt-4o'): ChatCompletionRequest => ({
	model,
	messages: [{ role: 'user', content }]
});

/** Runs a stream to its end; the error (if any) is returned, not thrown. */
async function run(stream: AsyncIterable<StreamEvent>) {
	const events: StreamEvent[] = [];
	try {
		for await (const event of stream) events.push(event);
		return { events, text: textOf(events), error: undefined };
	} catch (error) {
		return { events, text: textOf(events), error: error as UpstreamError };
	}
}
const textOf = (events: StreamEvent[]) =>
	events.map((e) => (e.type === 'text' ? e.text : '')).join('');

describe('OpenRouter client against the stand-in', () => {
	it('streams a reply with usage and sends the key and attribution headers', async () => {
		const client = testClient({ baseUrl: standin.url });
		const { text, events, error } = await run(client.streamChat(ask('hello there')));
		expect(error).toBeUndefined();
		expect(text).toBe('Echo: hello there');
		expect(events).toContainEqual({
			type: 'usage',
			usage: expect.objectContaining({ total_tokens: expect.any(Number), cost: expect.any(Number) })
		});
		expect(events.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', toolCalls: [] });

		const [request] = standin.requests;
		expect(request.path).toBe('/chat/completions');
		expect(request.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
		expect(request.headers['http-referer']).toBe('http://127.0.0.1:3000');
		expect(request.headers['x-title']).toBe('Switchboard');
		expect(request.body).toMatchObject({
			model: 'openai/gpt-4o',
			stream: true,
			messages: [{ role: 'user', content: 'hello there' }]
		});
	});

	it('reuses one keep-alive connection for requests in a row', async () => {
		const client = testClient({ baseUrl: standin.url });
		// The end of the body arrives after [DONE]; the client must read on to it to keep the socket.
		await run(client.streamChat(ask('one [[late-end]]')));
		// A moment for the pool to see the connection idle again (a person takes longer than that).
		await new Promise((resolve) => setTimeout(resolve, 20));
		await run(client.streamChat(ask('two')));
		expect(standin.requests).toHaveLength(2);
		expect(standin.requests[1].remotePort).toBe(standin.requests[0].remotePort);
	});

	it.each([
		[401, 'upstream_unauthorized', /OPENROUTER_API_KEY/],
		[402, 'upstream_payment_required', /credits/],
		[429, 'upstream_rate_limited', /retry after 7 s/],
		[500, 'upstream_error', /provider failed.*Internal Server Error/],
		[503, 'upstream_unavailable', /No provider is available/]
	])('turns HTTP %i before the stream into a clear message', async (status, code, message) => {
		const client = testClient({ baseUrl: standin.url });
		const { events, error } = await run(client.streamChat(ask(`[[status:${status}]] hi`)));
		expect(events).toEqual([]);
		expect(error).toBeInstanceOf(UpstreamError);
		expect(error).toMatchObject({ code, status });
		expect(error!.message).toMatch(message);
		expect(error!.message).toContain(`[HTTP ${status}]`);
	});

	it('keeps the text that came before an error inside the stream', async () => {
		const client = testClient({ baseUrl: standin.url });
		const { text, error } = await run(client.streamChat(ask('[[midstream-error]]')));
		expect(text).toBe('This reply starts fine but ');
		expect(error).toMatchObject({ code: 'upstream_stream_error' });
		expect(error!.message).toContain('Provider disconnected');
	});

	it('says the reply was cut off when the connection drops mid-stream', async () => {
		const client = testClient({ baseUrl: standin.url });
		const { text, error } = await run(client.streamChat(ask('[[truncate]]')));
		expect(text).toBe('This reply is cut ');
		expect(error).toBeInstanceOf(UpstreamError);
		expect(error).toMatchObject({ code: 'upstream_incomplete' });
		expect(error!.message).toMatch(/ended before the reply was complete/);
	});

	it('accepts a finished stream without [DONE]', async () => {
		const client = testClient({ baseUrl: standin.url });
		const { text, error, events } = await run(client.streamChat(ask('[[no-done]]')));
		expect(error).toBeUndefined();
		expect(text).toBe('A complete reply without the terminator.');
		expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
	});

	it('gives up after OPENROUTER_TIMEOUT_MS when the provider never answers', async () => {
		const client = testClient({ baseUrl: standin.url, timeoutMs: 300 });
		const started = performance.now();
		const { error } = await run(client.streamChat(ask('[[hang]]')));
		const elapsed = performance.now() - started;
		expect(error).toMatchObject({ code: 'upstream_timeout' });
		expect(error!.message).toContain('OPENROUTER_TIMEOUT_MS');
		expect(elapsed).toBeGreaterThanOrEqual(250);
		expect(elapsed).toBeLessThan(3_000);
		await waitUntil(
			() => standin.requests[0]?.aborted,
			2_000,
			'the stand-in to see the connection close'
		);
	});

	it('gives up when the provider falls silent mid-reply, keeping the text', async () => {
		const client = testClient({ baseUrl: standin.url, timeoutMs: 300 });
		const { text, error } = await run(client.streamChat(ask('[[stall]]')));
		expect(text).toBe('This reply stalls ');
		expect(error).toMatchObject({ code: 'upstream_timeout' });
	});

	it('stops the upstream request when the signal aborts', async () => {
		const client = testClient({ baseUrl: standin.url });
		const controller = new AbortController();
		const aborted = once(standin.events, 'aborted');
		let seen = '';
		let thrown: unknown;
		try {
			for await (const event of client.streamChat(ask('[[slow]]'), controller.signal)) {
				if (event.type === 'text') seen += event.text;
				if (seen.includes('word2 ')) controller.abort();
			}
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeDefined();
		expect(thrown).not.toBeInstanceOf(UpstreamError);
		const [request] = await aborted;
		expect(request.body.messages[0].content).toBe('[[slow]]');
		expect(seen).toMatch(/^word0 word1 word2 /);
	});

	it('closes the upstream connection when the reader stops early', async () => {
		const client = testClient({ baseUrl: standin.url });
		const aborted = once(standin.events, 'aborted');
		for await (const event of client.streamChat(ask('[[slow]]'))) {
			if (event.type === 'text') break;
		}
		await aborted;
	});

	it('names OPENROUTER_API_KEY when no key is set, without calling upstream', async () => {
		const client = testClient({ baseUrl: standin.url, apiKey: null });
		expect(client.configured).toBe(false);
		const { error } = await run(client.streamChat(ask('hello')));
		expect(error).toMatchObject({ code: 'missing_api_key' });
		expect(error!.message).toContain('OPENROUTER_API_KEY');
		expect(error!.message).toContain(DEMO_MODEL_ID);
		expect(standin.requests).toEqual([]);
	});

	it('answers with the offline demo model when no key is set', async () => {
		const client = testClient({ baseUrl: standin.url, apiKey: null });
		const { text, events, error } = await run(
			client.streamChat(ask('what can you do?', DEMO_MODEL_ID))
		);
		expect(error).toBeUndefined();
		expect(text).toContain('offline demo');
		expect(text).toContain('OPENROUTER_API_KEY');
		expect(events.some((e) => e.type === 'reasoning')).toBe(true);
		expect(events).toContainEqual({ type: 'usage', usage: expect.objectContaining({ cost: 0 }) });
		expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
		expect(standin.requests).toEqual([]);
	});

	it('lists the model catalogue', async () => {
		const client = testClient({ baseUrl: standin.url });
		const models = await client.listModels();
		expect(models.map((m) => m.id)).toContain('openai/gpt-4');
		expect(models.find((m) => m.id === 'openai/gpt-4o')).toMatchObject({
			context_length: 128000,
			input_modalities: ['text', 'image', 'file']
		});
	});

	describe('a connection closed before any answer', () => {
		/** A provider that drops the first `drops` requests' connections, then answers. */
		async function dropping(drops: number): Promise<{ url: string; requests: () => number }> {
			let requests = 0;
			const server: Server = createServer((req, res) => {
				req.resume();
				if (++requests <= drops) return req.socket.destroy();
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				res.end(
					'data: {"id":"gen-1","model":"openai/gpt-4o","choices":[{"index":0,"delta":{"content":"answered"}}]}\n\n' +
						'data: {"id":"gen-1","model":"openai/gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
						'data: [DONE]\n\n'
				);
			});
			server.listen(0, '127.0.0.1');
			await once(server, 'listening');
			onDispose(() => new Promise((resolve) => server.close(resolve)));
			const { port } = server.address() as AddressInfo;
			return { url: `http://127.0.0.1:${port}/api/v1`, requests: () => requests };
		}

		it('is tried once more, and the reply streams', async () => {
			const provider = await dropping(1);
			const { text, error } = await run(
				testClient({ baseUrl: provider.url }).streamChat(ask('hi'))
			);
			expect(error).toBeUndefined();
			expect(text).toBe('answered');
			expect(provider.requests()).toBe(2);
		});

		it('twice is the provider being unreachable, not a loop', async () => {
			const provider = await dropping(Infinity);
			const { error } = await run(testClient({ baseUrl: provider.url }).streamChat(ask('hi')));
			expect(error).toMatchObject({ code: 'upstream_unreachable' });
			expect(provider.requests()).toBe(2);
		});
	});

	it('says where it tried when the provider is unreachable', async () => {
		const closed = await startOpenRouterStandin();
		const url = closed.url;
		await closed.close();
		const client = testClient({ baseUrl: url });
		const { error } = await run(client.streamChat(ask('hello')));
		expect(error).toMatchObject({ code: 'upstream_unreachable' });
		expect(error!.message).toContain(url);
	});
});
