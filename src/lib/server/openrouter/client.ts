import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { DEMO_MODEL_ID } from '$lib/api/models';
import { UpstreamError, upstreamHttpError } from './errors';
import type { Transport } from './transport';
import { citationsOf } from './web-search';
import type {
	ChatCompletionRequest,
	OpenRouterModel,
	StreamEvent,
	UpstreamToolCall
} from './types';

export { DEMO_MODEL_ID };

export interface OpenRouterClientOptions {
	apiKey: string | undefined;
	transport: Transport;
	/** Answers `switchboard/demo` offline through the same parsing path. */
	demoTransport: Transport;
	appUrl: string;
	appName?: string;
}

interface Chunk {
	error?: { code?: string | number; message?: string };
	usage?: {
		prompt_tokens?: number;
		completion_tokens?: number;
		total_tokens?: number;
		cost?: number;
	};
	choices?: {
		delta?: {
			content?: string | null;
			reasoning?: string | null;
			tool_calls?: {
				index?: number;
				id?: string;
				function?: { name?: string; arguments?: string };
			}[];
			annotations?: unknown;
		};
		annotations?: unknown;
		finish_reason?: string | null;
	}[];
}

/**
 * One `data:` payload of the stream: what it says goes to `out` (reasoning, then text, then
 * usage); tool-call fragments are gathered in `toolCalls`. Throws UpstreamError for a malformed
 * chunk or an error inside the stream.
 */
function readChunk(
	data: string,
	state: { finishReason: string | null; sawDone: boolean },
	toolCalls: UpstreamToolCall[],
	out: StreamEvent[]
): void {
	if (state.sawDone) return;
	if (data === '[DONE]') {
		state.sawDone = true;
		return;
	}
	let chunk: Chunk;
	try {
		chunk = JSON.parse(data) as Chunk;
	} catch {
		throw new UpstreamError(
			'upstream_protocol',
			'The model provider sent a malformed stream chunk.'
		);
	}
	if (chunk.error) {
		throw new UpstreamError(
			'upstream_stream_error',
			`The model failed mid-reply: ${chunk.error.message ?? 'unknown error'}${chunk.error.code ? ` (${chunk.error.code})` : ''}`
		);
	}
	const choice = chunk.choices?.[0];
	const delta = choice?.delta;
	if (delta?.reasoning) out.push({ type: 'reasoning', text: delta.reasoning });
	if (delta?.content) out.push({ type: 'text', text: delta.content });
	if (delta?.tool_calls) {
		for (const fragment of delta.tool_calls) {
			const index = fragment.index ?? toolCalls.length;
			const call = (toolCalls[index] ??= {
				id: '',
				type: 'function',
				function: { name: '', arguments: '' }
			});
			if (fragment.id) call.id = fragment.id;
			if (fragment.function?.name) call.function.name += fragment.function.name;
			if (fragment.function?.arguments) call.function.arguments += fragment.function.arguments;
		}
	}
	// Web sources, on any chunk (web-search.ts).
	if (delta?.annotations || choice?.annotations) {
		const items = citationsOf(chunk.choices);
		if (items.length) out.push({ type: 'citations', items });
	}
	if (choice?.finish_reason) state.finishReason = choice.finish_reason;
	if (chunk.usage && typeof chunk.usage.total_tokens === 'number') {
		const { prompt_tokens = 0, completion_tokens = 0, total_tokens, cost } = chunk.usage;
		out.push({
			type: 'usage',
			usage: {
				prompt_tokens,
				completion_tokens,
				total_tokens,
				...(typeof cost === 'number' ? { cost } : {})
			}
		});
	}
}

export class OpenRouterClient {
	readonly #options: OpenRouterClientOptions;

	constructor(options: OpenRouterClientOptions) {
		this.#options = options;
	}

	get configured(): boolean {
		return Boolean(this.#options.apiKey);
	}

	#headers(): Record<string, string> {
		return {
			'content-type': 'application/json',
			accept: 'text/event-stream',
			'http-referer': this.#options.appUrl,
			'x-title': this.#options.appName ?? 'Switchboard',
			...(this.#options.apiKey ? { authorization: `Bearer ${this.#options.apiKey}` } : {})
		};
	}

	#transportFor(model: string): Transport {
		if (model === DEMO_MODEL_ID) return this.#options.demoTransport;
		if (!this.#options.apiKey) {
			throw new UpstreamError(
				'missing_api_key',
				`No OpenRouter API key is configured, so ${model} cannot answer. Set OPENROUTER_API_KEY and restart, or pick the offline demo model ${DEMO_MODEL_ID}.`
			);
		}
		return this.#options.transport;
	}

	/** Streams one completion; throws UpstreamError for HTTP errors and errors inside the stream. */
	async *streamChat(
		request: ChatCompletionRequest,
		signal?: AbortSignal
	): AsyncGenerator<StreamEvent> {
		const transport = this.#transportFor(request.model);
		const response = await transport({
			method: 'POST',
			path: '/chat/completions',
			headers: this.#headers(),
			body: JSON.stringify({ ...request, stream: true, usage: { include: true } }),
			signal
		});
		if (response.status !== 200) {
			throw upstreamHttpError(
				response.status,
				await response.text(),
				response.header('retry-after')
			);
		}

		const toolCalls: UpstreamToolCall[] = [];
		const state = { finishReason: null as string | null, sawDone: false };
		// The SSE parser and the chunk handling run inline on each read of the body: one async step
		// per network read instead of a generator per layer and per event (readSse) in between.
		const messages: EventSourceMessage[] = [];
		const parser = createParser({ onEvent: (message) => messages.push(message) });
		const decoder = new TextDecoder();
		const out: StreamEvent[] = [];
		try {
			for await (const bytes of response.body) {
				parser.feed(decoder.decode(bytes, { stream: true }));
				// Reading on to the end of the body after [DONE] (instead of breaking off) lets the
				// keep-alive connection go back to the pool; a body closed early costs a new connection.
				// What came before a broken chunk still counts (the partial reply is kept).
				for (const message of messages) {
					readChunk(message.data, state, toolCalls, out);
					for (const event of out) yield event;
					out.length = 0;
				}
				messages.length = 0;
			}
			parser.feed(decoder.decode());
			parser.reset({ consume: true });
			for (const message of messages) {
				readChunk(message.data, state, toolCalls, out);
				for (const event of out) yield event;
				out.length = 0;
			}
		} finally {
			response.close();
		}
		const { finishReason, sawDone } = state;
		if (!sawDone && !finishReason) {
			throw new UpstreamError(
				'upstream_incomplete',
				'The connection to the model ended before the reply was complete.'
			);
		}
		yield {
			type: 'finish',
			finishReason: finishReason ?? 'stop',
			toolCalls: toolCalls
				.filter(Boolean)
				.map((call, index) => ({ ...call, id: call.id || `call_${index}` }))
		};
	}

	/** The OpenRouter model catalogue (no key needed), trimmed to what the picker shows. */
	async listModels(signal?: AbortSignal): Promise<OpenRouterModel[]> {
		const response = await this.#options.transport({
			method: 'GET',
			path: '/models',
			headers: this.#headers(),
			signal
		});
		const text = await response.text();
		if (response.status !== 200) throw upstreamHttpError(response.status, text);
		const body = JSON.parse(text) as { data?: Record<string, unknown>[] };
		return (body.data ?? []).map((model) => {
			const architecture = (model.architecture ?? {}) as { input_modalities?: string[] };
			return {
				id: String(model.id),
				name: String(model.name ?? model.id),
				context_length: typeof model.context_length === 'number' ? model.context_length : null,
				pricing: (model.pricing ?? {}) as Record<string, string>,
				input_modalities: architecture.input_modalities ?? ['text'],
				supported_parameters: (model.supported_parameters ?? []) as string[]
			};
		});
	}
}
