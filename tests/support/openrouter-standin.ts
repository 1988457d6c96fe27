import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A local OpenRouter that speaks the real wire format:
 * `: OPENROUTER PROCESSING` comments, `data:` chunks with `role:"assistant"` in every delta,
 * a finish chunk, a separate usage chunk with a dummy choice and `cost`, then `data: [DONE]`.
 *
 * What it answers is steered by directives in the last user message:
 *   [[status:429]]        HTTP error before the stream (any code), OpenRouter error envelope
 *   [[midstream-error]]   a few tokens, then an error chunk with finish_reason "error"
 *   [[truncate]]          a few tokens, then the connection ends without [DONE]
 *   [[slow]]              many tokens, 40 ms apart (for Stop)
 *   [[hang]]              accepts the request and never answers
 *   [[reasoning]]         reasoning deltas before the answer
 *   [[markdown]]          a reply with a heading, a list and a fenced code block
 *   [[long-markdown:N]]   a long markdown reply in exactly N chunks (headings, lists, tables, code
 *                         fences, quotes; see longMarkdownChunks), for the browser bench
 *   [[tool:NAME {json}]]  a tool call (arguments streamed in fragments); after the tool result, a reply quoting it
 *   [[tools:NAME {json}|NAME {json}]] several tool calls in parallel
 *   [[tool-loop:NAME {json}]] calls the tool in every round, even after tool results (bounded rounds)
 *   [[stall]]             a few tokens, then silence with the connection open (idle timeout mid-stream)
 *   [[no-done]]           a complete reply whose stream ends without `data: [DONE]`
 *   [[late-end]]          the response ends 30 ms after `data: [DONE]` (a separate packet)
 *   [[pace:MS]]           this answer's tokens MS apart, whatever tokenDelayMs the stand-in has
 *   [[sentences:N]]       a plain reply of N numbered sentences ("Sentence 1 of N is here.")
 *   [[per-model]]         the echo names the model that answers: "<model> says: <message>"
 * Anything else is echoed back: "Echo: <message>". A request offering web search (the
 * `openrouter:web_search` server tool, or the older `web` plugin) and no directive is answered
 * as after a search: text citing two sources, their `url_citation` annotations streamed as
 * OpenRouter does (one with text mid-reply, one in an annotation-only delta before the finish
 * chunk), and the search's price in the usage chunk's cost (`server_tool_use_details`).
 *
 * Every request is recorded; `aborted` turns true when the caller closes the connection before
 * the answer ended, and `events` emits 'request' and 'aborted' with the recorded request.
 */

export interface RecordedRequest {
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	body: any;
	/** The caller closed the connection before the stand-in finished answering. */
	aborted: boolean;
	/** The caller's port: equal for requests that shared a keep-alive connection. */
	remotePort: number | undefined;
}

export interface OpenRouterStandin {
	url: string;
	port: number;
	requests: RecordedRequest[];
	events: EventEmitter<{ request: [RecordedRequest]; aborted: [RecordedRequest] }>;
	close(): Promise<void>;
}

export const STANDIN_MODELS = [
	{
		id: 'openai/gpt-4',
		name: 'OpenAI: GPT-4',
		context_length: 8191,
		pricing: { prompt: '0.00003', completion: '0.00006' },
		input_modalities: ['text']
	},
	{
		id: 'openai/gpt-4o',
		name: 'OpenAI: GPT-4o',
		context_length: 128000,
		pricing: { prompt: '0.0000025', completion: '0.00001' },
		input_modalities: ['text', 'image', 'file']
	},
	{
		id: 'anthropic/claude-sonnet-4',
		name: 'Anthropic: Claude Sonnet 4',
		context_length: 200000,
		pricing: { prompt: '0.000003', completion: '0.000015' },
		input_modalities: ['text', 'image', 'file']
	},
	{
		id: 'meta-llama/llama-3.3-70b-instruct',
		name: 'Meta: Llama 3.3 70B Instruct',
		context_length: 131072,
		pricing: { prompt: '0.00000013', completion: '0.0000004' },
		input_modalities: ['text']
	},
	{
		id: 'deepseek/deepseek-r1',
		name: 'DeepSeek: R1',
		context_length: 163840,
		pricing: { prompt: '0.0000004', completion: '0.000002' },
		input_modalities: ['text']
	}
];

function modelsBody() {
	return {
		data: STANDIN_MODELS.map((m) => ({
			id: m.id,
			canonical_slug: m.id,
			name: m.name,
			created: 1700000000,
			description: `${m.name} (stand-in)`,
			context_length: m.context_length,
			architecture: {
				modality: 'text->text',
				input_modalities: m.input_modalities,
				output_modalities: ['text'],
				tokenizer: 'Other',
				instruct_type: null
			},
			pricing: { ...m.pricing, request: '0', image: '0' },
			top_provider: {
				context_length: m.context_length,
				max_completion_tokens: 4096,
				is_moderated: false
			},
			per_request_limits: null,
			supported_parameters: [
				'temperature',
				'top_p',
				'max_tokens',
				'tools',
				'tool_choice',
				'reasoning'
			],
			default_parameters: null
		}))
	};
}

const STATUS_MESSAGES: Record<number, string> = {
	400: 'Bad request',
	401: 'No auth credentials found',
	402: 'Insufficient credits. Add more using https://openrouter.ai/credits',
	403: 'Input was flagged by moderation',
	408: 'Request timed out',
	429: 'Rate limit exceeded: free-models-per-min',
	500: 'Internal Server Error',
	502: 'Provider returned error',
	503: 'No endpoints found that can handle the requested parameters'
};

function textOf(message: any): string {
	if (!message) return '';
	if (typeof message.content === 'string') return message.content;
	if (Array.isArray(message.content))
		return message.content.map((p: any) => (p.type === 'text' ? p.text : '')).join(' ');
	return '';
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

export async function startOpenRouterStandin({
	port = 0,
	tokenDelayMs = 5
} = {}): Promise<OpenRouterStandin> {
	const requests: RecordedRequest[] = [];
	const events = new EventEmitter<{ request: [RecordedRequest]; aborted: [RecordedRequest] }>();
	const sockets = new Set<import('node:net').Socket>();

	const server: Server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://standin');
		const path = url.pathname.replace(/^\/api\/v1/, '');
		const raw = await readBody(req);
		let body: any = undefined;
		try {
			body = raw ? JSON.parse(raw) : undefined;
		} catch {
			body = raw;
		}
		if (path === '/__requests') {
			if (req.method === 'DELETE') requests.length = 0;
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify(req.method === 'DELETE' ? [] : requests));
			return;
		}
		const recorded: RecordedRequest = {
			method: req.method ?? 'GET',
			path,
			headers: req.headers,
			body,
			aborted: false,
			remotePort: req.socket.remotePort
		};
		requests.push(recorded);
		res.on('close', () => {
			if (res.writableFinished) return;
			recorded.aborted = true;
			events.emit('aborted', recorded);
		});
		events.emit('request', recorded);
		if (req.method === 'GET' && path === '/models') {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify(modelsBody()));
			return;
		}
		if (req.method !== 'POST' || path !== '/chat/completions') {
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: { code: 404, message: 'Not Found' } }));
			return;
		}
		if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) {
			return sendError(res, 401, STATUS_MESSAGES[401]);
		}
		await answer(body, res, tokenDelayMs);
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	const actual = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${actual}/api/v1`,
		port: actual,
		requests,
		events,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			})
	};
}

function sendError(res: ServerResponse, status: number, message: string) {
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (status === 429 || status === 503) headers['retry-after'] = '7';
	res.writeHead(status, headers);
	res.end(JSON.stringify({ error: { code: status, message } }));
}

let generation = 0;

/**
 * A long reply of the kind a model writes, in exactly `count` chunks (a word and the space after
 * it, as models stream): sections with a heading, a paragraph with inline code, emphasis and a
 * link, a nested list, a table, a code fence, an ordered list and a quote, then a closing
 * paragraph that makes up the count. The same for every call (the bench's floor page replays it).
 */
export function longMarkdownChunks(count: number): string[] {
	const split = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];
	const section = (i: number) =>
		`## Section ${i}: measuring step ${i}\n\n` +
		`This part explains **step ${i}** of the plan. It calls \`measure(${i})\` first, then reads ` +
		`the [guide](https://example.com/docs/${i}) and compares the *result* with the previous ` +
		`section, so the numbers stay honest even when the machine is busy with other work.\n\n` +
		`- collect the samples for run ${i}\n- sort them with \`Array.prototype.sort\`\n` +
		`  - drop the warm-up rounds\n  - keep the median and the p99\n- write the table below\n\n` +
		`| metric | run ${i} | previous | change |\n| :--- | ---: | ---: | :---: |\n` +
		`| median | ${(i * 1.7).toFixed(1)} ms | ${(i * 1.6).toFixed(1)} ms | +6% |\n` +
		`| p99 | ${(i * 4.2).toFixed(1)} ms | ${(i * 4.5).toFixed(1)} ms | -7% |\n` +
		`| tasks | ${i * 3} | ${i * 3 + 2} | -2 |\n\n` +
		'```ts\n' +
		`export function summarize${i}(samples: number[]): { median: number; p99: number } {\n` +
		`\tconst sorted = [...samples].sort((a, b) => a - b);\n` +
		`\tconst at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];\n` +
		`\t// step ${i}: the warm-up rounds are already gone\n` +
		`\tif (sorted.length === 0) throw new Error('no samples for step ${i}');\n` +
		`\tconst median = at(0.5);\n\tconst p99 = at(0.99);\n` +
		`\tconsole.log(\`step ${i}: median \${median.toFixed(2)} ms, p99 \${p99.toFixed(2)} ms\`);\n` +
		`\treturn { median, p99 };\n}\n` +
		'```\n\n' +
		`1. run the bench again\n2. compare with section ${i - 1 || 1}\n3. write down what changed\n\n` +
		`> Note ${i}: a number measured once on a busy machine says little; measure the floor in the same run.\n\n`;
	const chunks: string[] = [];
	const closing = split(
		'In short: every step above was measured against the floor in the same run.'
	);
	for (let i = 1; ; i++) {
		const next = split(section(i));
		if (chunks.length + next.length + closing.length > count) break;
		chunks.push(...next);
	}
	const filler = count - chunks.length - closing.length;
	const words = Array.from({ length: Math.max(0, filler) }, (_, i) => `more${i} `);
	return [...chunks, ...words, ...closing].slice(0, count);
}

async function answer(body: any, res: ServerResponse, tokenDelayMs: number) {
	const messages: any[] = body?.messages ?? [];
	const lastUser = [...messages].reverse().find((m) => m.role === 'user');
	const last = messages.at(-1);
	const prompt = textOf(lastUser);
	const model = body?.model ?? 'openai/gpt-4';
	const id = `gen-${Date.now()}-${++generation}`;
	const pace = prompt.match(/\[\[pace:(\d+)\]\]/);
	if (pace) tokenDelayMs = Number(pace[1]);

	const status = prompt.match(/\[\[status:(\d{3})\]\]/);
	if (status)
		return sendError(res, Number(status[1]), STATUS_MESSAGES[Number(status[1])] ?? 'Error');
	if (prompt.includes('[[hang]]')) return; // never answers; the client's timeout or abort must end it

	res.writeHead(200, {
		'content-type': 'text/event-stream',
		'cache-control': 'no-cache',
		'x-generation-id': id
	});
	let closed = false;
	res.on('close', () => (closed = true));
	const send = async (chunk: object | string, delay = tokenDelayMs) => {
		if (closed) return;
		if (delay) await sleep(delay);
		res.write(typeof chunk === 'string' ? chunk : `data: ${JSON.stringify(chunk)}\n\n`);
	};
	const frame = (delta: object, finish: string | null = null, extra: object = {}) => ({
		id,
		provider: 'OpenAI',
		model,
		object: 'chat.completion.chunk',
		created: Math.floor(Date.now() / 1000),
		choices: [
			{
				index: 0,
				delta: { role: 'assistant', ...delta },
				finish_reason: finish,
				native_finish_reason: finish,
				logprobs: null
			}
		],
		...extra
	});
	const words = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];
	let completionTokens = 0;
	const streamText = async (text: string, delay = tokenDelayMs) => {
		for (const word of words(text)) {
			completionTokens++;
			await send(frame({ content: word }), delay);
		}
	};
	const finish = async (reason: string, searches = 0) => {
		await send(frame({ content: '' }, reason));
		const promptTokens = Math.ceil(JSON.stringify(messages).length / 4);
		const searchCost = searches * WEB_SEARCH_PRICE;
		await send(
			frame({ content: '' }, null, {
				usage: {
					prompt_tokens: promptTokens,
					completion_tokens: completionTokens,
					total_tokens: promptTokens + completionTokens,
					cost: Number(((promptTokens + completionTokens) * 0.000002 + searchCost).toFixed(8)),
					...(searches ? { server_tool_use_details: { web_search_requests: searches } } : {}),
					is_byok: false,
					prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
					completion_tokens_details: { reasoning_tokens: 0, image_tokens: 0 }
				}
			})
		);
		await send('data: [DONE]\n\n');
		if (prompt.includes('[[late-end]]')) await sleep(30);
		res.end();
	};

	await send(': OPENROUTER PROCESSING\n\n', 0);

	const toolDirective =
		prompt.match(/\[\[tools?:([^\]]+)\]\]/) ?? prompt.match(/\[\[tool-loop:([^\]]+)\]\]/);
	if (toolDirective && (last?.role === 'user' || prompt.includes('[[tool-loop:'))) {
		const calls = toolDirective[1].split('|').map((spec) => {
			const space = spec.indexOf(' ');
			return {
				name: space < 0 ? spec.trim() : spec.slice(0, space).trim(),
				args: space < 0 ? '{}' : spec.slice(space + 1).trim()
			};
		});
		for (const [index, call] of calls.entries()) {
			await send(
				frame({
					content: null,
					tool_calls: [
						{
							index,
							id: `call_${generation}_${index}`,
							type: 'function',
							function: { name: call.name, arguments: '' }
						}
					]
				})
			);
			for (let i = 0; i < call.args.length; i += 7) {
				await send(
					frame({ tool_calls: [{ index, function: { arguments: call.args.slice(i, i + 7) } }] })
				);
			}
		}
		completionTokens += calls.length * 10;
		return finish('tool_calls');
	}
	if (last?.role === 'tool') {
		const results = [];
		for (let i = messages.length - 1; i >= 0 && messages[i].role === 'tool'; i--)
			results.unshift(messages[i].content);
		await streamText(`The tool answered: ${results.join(' | ')}`);
		return finish('stop');
	}
	if (prompt.includes('[[reasoning]]')) {
		for (const word of words('Let me think about this step by step.')) {
			await send(
				frame({
					content: '',
					reasoning: word,
					reasoning_details: [{ type: 'reasoning.text', text: word, format: 'unknown', index: 0 }]
				})
			);
		}
	}
	if (prompt.includes('[[midstream-error]]')) {
		await streamText('This reply starts fine but ');
		await send({
			id,
			object: 'chat.completion.chunk',
			created: Math.floor(Date.now() / 1000),
			model,
			provider: 'OpenAI',
			error: { code: 'server_error', message: 'Provider disconnected' },
			choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }]
		});
		res.end();
		return;
	}
	if (prompt.includes('[[truncate]]')) {
		await streamText('This reply is cut ');
		// End the TCP connection once the text is flushed, without the chunked terminator.
		res.socket?.end();
		return;
	}
	if (prompt.includes('[[stall]]')) {
		await streamText('This reply stalls ');
		return; // the connection stays open and silent
	}
	if (prompt.includes('[[no-done]]')) {
		await streamText('A complete reply without the terminator.');
		await send(frame({ content: '' }, 'stop'));
		res.end();
		return;
	}
	if (prompt.includes('[[slow]]')) {
		await streamText(Array.from({ length: 400 }, (_, i) => `word${i}`).join(' '), 40);
		return finish('stop');
	}
	const sentences = prompt.match(/\[\[sentences:(\d+)\]\]/);
	if (sentences) {
		const count = Math.min(Number(sentences[1]), 200);
		await streamText(
			Array.from({ length: count }, (_, i) => `Sentence ${i + 1} of ${count} is here.`).join(' ')
		);
		return finish('stop');
	}
	const longMarkdown = prompt.match(/\[\[long-markdown:(\d+)\]\]/);
	if (longMarkdown) {
		for (const chunk of longMarkdownChunks(Number(longMarkdown[1]))) {
			completionTokens++;
			await send(frame({ content: chunk }));
		}
		return finish('stop');
	}
	if (prompt.includes('[[markdown]]')) {
		await streamText(
			'## Plan\n\n- first **bold** item\n- second item\n\n```python\nprint("hello")\n```\n\nDone.'
		);
		return finish('stop');
	}
	if (asksForWebSearch(body) && !prompt.includes('[[')) {
		const [first, second] = WEB_SOURCES;
		await streamText(`Here is what the web says about "${prompt}": it first flew in 1967 `);
		// Text and a source in the same delta.
		await send(
			frame({
				content: `([${new URL(first.url).hostname}](${first.url})). `,
				annotations: [{ type: 'url_citation', url_citation: first }]
			})
		);
		await streamText('It is still the tallest rocket flown. ');
		// The usual place: an annotation-only delta near the end, the first source again with it.
		await send(
			frame({
				content: '',
				annotations: [
					{ type: 'url_citation', url_citation: first },
					{ type: 'url_citation', url_citation: second }
				]
			})
		);
		return finish('stop', 1);
	}
	if (prompt.includes('[[per-model]]')) await streamText(`${model} says: ${prompt}`);
	else await streamText(`Echo: ${prompt}`);
	return finish('stop');
}

/** What one web search costs in the stand-in (OpenRouter's Exa price at 5 results). */
export const WEB_SEARCH_PRICE = 0.02;

export const WEB_SOURCES = [
	{
		url: 'https://www.nasa.gov/saturn-v',
		title: 'Saturn V - NASA',
		content: 'The Saturn V was a rocket NASA built to send people to the moon.',
		start_index: 60,
		end_index: 100
	},
	{
		url: 'https://en.wikipedia.org/wiki/Saturn_V',
		title: 'Saturn V - Wikipedia',
		content: 'Saturn V is a retired American super heavy-lift launch vehicle.',
		start_index: 0,
		end_index: 0
	}
];

function asksForWebSearch(body: any): boolean {
	const tools: any[] = Array.isArray(body?.tools) ? body.tools : [];
	const plugins: any[] = Array.isArray(body?.plugins) ? body.plugins : [];
	return (
		tools.some((tool) => tool?.type === 'openrouter:web_search') ||
		plugins.some((plugin) => plugin?.id === 'web') ||
		String(body?.model ?? '').endsWith(':online')
	);
}
