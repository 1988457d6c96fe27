/**
 * The peer the app is compared with: a bare chat route written with the Vercel AI SDK, as its
 * guides show it. `POST /api/chat {message}` → `streamText` with `@ai-sdk/openai-compatible`
 * pointed at the same OpenRouter stand-in → the SDK's UI message stream (SSE, `data: {json}`
 * with `type: "text-delta"` per token). No database, no settings, no tools, no log: what any
 * route must do at least to relay a streamed completion.
 *
 * Run as its own process (argv: stand-in base URL, API key); prints `ready <url>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';

const [baseURL, apiKey] = process.argv.slice(2);
if (!baseURL || !apiKey) throw new Error('usage: ai-sdk-peer.ts <stand-in base URL> <api key>');

const openrouter = createOpenAICompatible({ name: 'openrouter', baseURL, apiKey });

const server = createServer(async (req, res) => {
	if (req.method !== 'POST' || req.url !== '/api/chat') {
		res.writeHead(404).end();
		return;
	}
	let raw = '';
	for await (const chunk of req) raw += chunk;
	const { message } = JSON.parse(raw) as { message: string };
	const controller = new AbortController();
	res.once('close', () => controller.abort());
	const result = streamText({
		model: openrouter.chatModel('openai/gpt-4o'),
		messages: [{ role: 'user', content: message }],
		abortSignal: controller.signal,
		onError: () => {}
	});
	result.pipeUIMessageStreamToResponse(res);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
	const { port } = server.address() as AddressInfo;
	console.log(`ready http://127.0.0.1:${port}`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
