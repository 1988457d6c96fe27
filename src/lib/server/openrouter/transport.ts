import { Pool, errors as undiciErrors } from 'undici';
import { UpstreamError } from './errors';

export interface TransportRequest {
	method: 'GET' | 'POST';
	/** Path below the base URL, e.g. `/chat/completions`. */
	path: string;
	headers: Record<string, string>;
	body?: string;
	signal?: AbortSignal;
}

export interface TransportResponse {
	status: number;
	header(name: string): string | undefined;
	body: AsyncIterable<Uint8Array>;
	text(): Promise<string>;
	/** Stops reading and releases the connection. */
	close(): void;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/**
 * One keep-alive connection pool to the OpenRouter origin. `timeoutMs` bounds the wait for the
 * response headers and every silence between two body chunks, so a long reply that keeps
 * streaming is never cut, but a stalled one is. `connections` should cover the streams that may
 * run at once (CHAT_MAX_STREAMS) and a few more: a stream holds its connection to its end, and
 * one past the pool's size waits for a whole reply to finish before it even starts.
 */
export function createHttpTransport(
	baseUrl: string,
	timeoutMs: number,
	{ connections = 256 }: { connections?: number } = {}
): Transport & { close(): Promise<void> } {
	const url = new URL(baseUrl);
	const basePath = url.pathname.replace(/\/+$/, '');
	const pool = new Pool(url.origin, {
		connections,
		keepAliveTimeout: 60_000,
		headersTimeout: timeoutMs,
		bodyTimeout: timeoutMs
	});

	const send = (request: TransportRequest) =>
		pool.request({
			method: request.method,
			path: basePath + request.path,
			headers: request.headers,
			body: request.body,
			signal: request.signal
		});

	const transport = async (request: TransportRequest): Promise<TransportResponse> => {
		try {
			let response;
			try {
				response = await send(request);
			} catch (error) {
				// A kept-alive connection the provider closed as the request went out (the two
				// sides' idle timers race) fails before any answer; like the OpenAI SDK, try once
				// more on a fresh connection. A provider that is down fails again at once.
				if (!isClosedBeforeAnswer(error) || request.signal?.aborted) throw error;
				response = await send(request);
			}
			const body = response.body;
			return {
				status: response.statusCode,
				header: (name) => {
					const value = response.headers[name.toLowerCase()];
					return Array.isArray(value) ? value[0] : value;
				},
				body: withUpstreamErrors(body, baseUrl),
				text: () => body.text(),
				close: () => body.destroy()
			};
		} catch (error) {
			throw toUpstreamError(error, baseUrl);
		}
	};
	return Object.assign(transport, { close: () => pool.close() });
}

/**
 * The body with its errors told apart (toUpstreamError), at the cost of one `catch` per read
 * instead of an async generator around it.
 */
function withUpstreamErrors(
	body: AsyncIterable<Uint8Array>,
	baseUrl: string
): AsyncIterable<Uint8Array> {
	return {
		[Symbol.asyncIterator]() {
			const inner = body[Symbol.asyncIterator]();
			const mapped = (error: unknown): never => {
				throw toUpstreamError(error, baseUrl, 'body');
			};
			return {
				next: () => inner.next().catch(mapped),
				return: (value?: unknown) =>
					inner.return
						? inner.return(value).catch(mapped)
						: Promise.resolve({ done: true as const, value: undefined })
			};
		}
	};
}

function isClosedBeforeAnswer(error: unknown): boolean {
	const code = (error as { code?: string })?.code;
	return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

/** `phase` tells a provider that was never reached from a reply that broke off halfway. */
function toUpstreamError(
	error: unknown,
	baseUrl: string,
	phase: 'request' | 'body' = 'request'
): unknown {
	if (error instanceof undiciErrors.RequestAbortedError || (error as Error)?.name === 'AbortError')
		return error;
	if (
		error instanceof undiciErrors.HeadersTimeoutError ||
		error instanceof undiciErrors.BodyTimeoutError
	) {
		return new UpstreamError(
			'upstream_timeout',
			'The model stopped answering (OPENROUTER_TIMEOUT_MS elapsed without data).'
		);
	}
	const code = (error as { code?: string })?.code;
	if (phase === 'body' && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')) {
		return new UpstreamError(
			'upstream_incomplete',
			'The connection to the model ended before the reply was complete.'
		);
	}
	if (
		code === 'ECONNREFUSED' ||
		code === 'ENOTFOUND' ||
		code === 'ECONNRESET' ||
		code === 'UND_ERR_SOCKET' ||
		code === 'EAI_AGAIN'
	) {
		return new UpstreamError(
			'upstream_unreachable',
			`Could not reach the model provider at ${baseUrl} (${code}).`
		);
	}
	return error;
}
