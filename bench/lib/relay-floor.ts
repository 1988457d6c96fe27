/**
 * The floor for any relay written in Node: `POST /api/chat {message}` → the same stand-in through
 * an undici Pool → its SSE bytes written through to the client as they arrive, untouched (no
 * parsing, no events, no storage). What node:http and undici cost per token by themselves.
 *
 * Run as its own process (argv: stand-in base URL, API key); prints `ready <url>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const [baseURL, apiKey] = process.argv.slice(2);
if (!baseURL || !apiKey) throw new Error('usage: relay-floor.ts <stand-in base URL> <api key>');
const upstream = new URL(baseURL);
const pool = new Pool(upstream.origin, { connections: 2_000, keepAliveTimeout: 60_000 });
const path = `${upstream.pathname.replace(/\/+$/, '')}/chat/completions`;

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
	try {
		const answer = await pool.request({
			method: 'POST',
			path,
			headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
			body: JSON.stringify({
				model: 'openai/gpt-4o',
				stream: true,
				messages: [{ role: 'user', content: message }]
			}),
			signal: controller.signal
		});
		res.writeHead(answer.statusCode, { 'content-type': 'text/event-stream' });
		for await (const chunk of answer.body) res.write(chunk);
		res.end();
	} catch {
		res.destroy();
	}
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
	const { port } = server.address() as AddressInfo;
	console.log(`ready http://127.0.0.1:${port}`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
