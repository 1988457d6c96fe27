import type { RequestHandler } from '@sveltejs/kit';
import { Pool } from 'undici';

// The bare relay of bench/lib/relay-floor.ts, as a SvelteKit endpoint: the stand-in's SSE bytes
// passed through untouched.
const upstream = new URL(process.env.FLOOR_UPSTREAM ?? 'http://127.0.0.1:1/api/v1');
const pool = new Pool(upstream.origin, { connections: 2_000, keepAliveTimeout: 60_000 });
const path = `${upstream.pathname.replace(/\/+$/, '')}/chat/completions`;

export const POST: RequestHandler = async ({ request }) => {
	const { message } = (await request.json()) as { message: string };
	const answer = await pool.request({
		method: 'POST',
		path,
		headers: {
			'content-type': 'application/json',
			authorization: `Bearer ${process.env.FLOOR_API_KEY}`
		},
		body: JSON.stringify({
			model: 'openai/gpt-4o',
			stream: true,
			messages: [{ role: 'user', content: message }]
		}),
		signal: request.signal
	});
	const body = answer.body;
	return new Response(
		new ReadableStream<Uint8Array>({
			async pull(controller) {
				for await (const chunk of body) controller.enqueue(chunk);
				controller.close();
			},
			cancel: () => void body.destroy()
		}),
		{ status: answer.statusCode, headers: { 'content-type': 'text/event-stream' } }
	);
};
