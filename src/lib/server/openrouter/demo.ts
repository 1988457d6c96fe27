import { setTimeout as sleep } from 'node:timers/promises';
import type { Transport, TransportRequest } from './transport';
import type { ChatCompletionRequest, UpstreamMessage, UpstreamTool } from './types';
import { DEMO_MODEL_ID } from './client';

const encoder = new TextEncoder();

/**
 * The offline demo model: answers in OpenRouter's streaming wire format from this process, so a
 * first run with no keys shows a real streamed chat through the same parser as a real model.
 * When a calculator tool is offered and the message holds arithmetic, it calls the tool.
 */
export function createDemoTransport({ tokenDelayMs = 12 } = {}): Transport {
	return async (request: TransportRequest) => {
		const body = JSON.parse(request.body ?? '{}') as ChatCompletionRequest;
		const chunks = demoChunks(body);
		const stream = async function* () {
			yield encoder.encode(': OPENROUTER PROCESSING\n\n');
			for (const chunk of chunks) {
				if (request.signal?.aborted) return;
				if (tokenDelayMs) await sleep(tokenDelayMs);
				yield encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
			}
			yield encoder.encode('data: [DONE]\n\n');
		};
		const text = async () => '';
		return { status: 200, header: () => undefined, body: stream(), text, close() {} };
	};
}

type Delta = Record<string, unknown>;

function frame(
	delta: Delta,
	finishReason: string | null = null,
	extra: Record<string, unknown> = {}
) {
	return {
		id: 'gen-demo',
		provider: 'Switchboard',
		model: DEMO_MODEL_ID,
		object: 'chat.completion.chunk',
		created: Math.floor(Date.now() / 1000),
		choices: [
			{
				index: 0,
				delta: { role: 'assistant', ...delta },
				finish_reason: finishReason,
				native_finish_reason: finishReason,
				logprobs: null
			}
		],
		...extra
	};
}

function textOf(message: UpstreamMessage | undefined): string {
	if (!message || message.content === null) return '';
	if (typeof message.content === 'string') return message.content;
	return message.content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

const ARITHMETIC = /(-?\(?\s*\d[\d\s.+\-*/^%()]*[+\-*/^%]\s*\(?\s*\d[\d\s.+\-*/^%()]*)/;

function demoChunks(request: ChatCompletionRequest) {
	const last = request.messages.at(-1);
	const calculator = request.tools?.find(
		(tool): tool is UpstreamTool =>
			tool.type === 'function' && tool.function.name.endsWith('__evaluate')
	);
	const expression =
		last?.role === 'user' ? textOf(last).match(ARITHMETIC)?.[1]?.trim() : undefined;
	const chunks: object[] = [];
	const words = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];

	if (calculator && expression) {
		const args = JSON.stringify({ expression });
		chunks.push(
			frame({
				content: null,
				tool_calls: [
					{
						index: 0,
						id: 'call_demo_1',
						type: 'function',
						function: { name: calculator.function.name, arguments: '' }
					}
				]
			})
		);
		for (let i = 0; i < args.length; i += 8) {
			chunks.push(
				frame({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 8) } }] })
			);
		}
		chunks.push(frame({}, 'tool_calls'));
	} else {
		const reply =
			last?.role === 'tool' ? `The calculator says **${textOf(last)}**.` : demoReply(textOf(last));
		for (const piece of words(
			'The person is trying the offline demo; explain what Switchboard can do.'
		)) {
			chunks.push(frame({ content: '', reasoning: piece }));
		}
		for (const piece of words(reply)) chunks.push(frame({ content: piece }));
		chunks.push(frame({ content: '' }, 'stop'));
	}
	const completion = chunks.length;
	chunks.push(
		frame({ content: '' }, null, {
			usage: {
				prompt_tokens: JSON.stringify(request.messages).length >> 2,
				completion_tokens: completion,
				total_tokens: (JSON.stringify(request.messages).length >> 2) + completion,
				cost: 0
			}
		})
	);
	return chunks;
}

function demoReply(question: string): string {
	const quoted = question.trim().slice(0, 200).replace(/\s+/g, ' ');
	return [
		`Hello! I am **Switchboard's offline demo model**, so I cannot really think about “${quoted}”, but everything you see is real: this reply is streamed token by token over Server-Sent Events, saved in SQLite, and rendered as Markdown.`,
		'',
		'To talk to a real model:',
		'',
		'1. Create a key at [openrouter.ai/keys](https://openrouter.ai/keys).',
		'2. Start Switchboard with it:',
		'',
		'```bash',
		'OPENROUTER_API_KEY=sk-or-v1-... npm start',
		'```',
		'',
		'3. Pick any model in the model picker.',
		'',
		'Try asking me for a sum such as `what is 12*7+3?` — I will call the built-in calculator tool.'
	].join('\n');
}
