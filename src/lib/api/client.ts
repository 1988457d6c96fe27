import type { z } from 'zod';
import { apiErrorBody } from './errors';

/** An API error as the person should read it. */
export class ApiRequestError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string
	) {
		super(message);
		this.name = 'ApiRequestError';
	}
}

/** Turns a non-2xx response into an ApiRequestError with the server's message. */
export async function errorFrom(response: Response): Promise<ApiRequestError> {
	let body: unknown;
	try {
		body = await response.json();
	} catch {
		body = undefined;
	}
	const parsed = apiErrorBody.safeParse(body);
	if (parsed.success)
		return new ApiRequestError(response.status, parsed.data.error.code, parsed.data.error.message);
	return new ApiRequestError(
		response.status,
		'http_error',
		`The server answered ${response.status} ${response.statusText}.`.trim()
	);
}

const networkError = () =>
	new ApiRequestError(0, 'network_error', 'Could not reach the Switchboard server. Is it running?');

export interface ApiInit extends RequestInit {
	/** Sent as the JSON body. */
	json?: unknown;
	/** The `fetch` to call (SvelteKit's in a `load`, an in-process one in tests). */
	fetch?: typeof fetch;
}

/**
 * One API call: fetch, then the answer parsed with the contract's `schema` (`null` for answers
 * the caller does not read, such as a 204). Throws ApiRequestError: the server's own error, a
 * network failure, or an answer that does not fit the schema (a server of another version).
 */
export async function api<S extends z.ZodType>(
	path: string,
	schema: S,
	init?: ApiInit
): Promise<z.output<S>>;
export async function api(path: string, schema: null, init?: ApiInit): Promise<void>;
export async function api(
	path: string,
	schema: z.ZodType | null,
	init: ApiInit = {}
): Promise<unknown> {
	const { json, fetch: fetcher = fetch, ...rest } = init;
	let response: Response;
	try {
		response = await fetcher(path, {
			...rest,
			headers: {
				...(json !== undefined ? { 'content-type': 'application/json' } : {}),
				...rest.headers
			},
			body: json !== undefined ? JSON.stringify(json) : rest.body
		});
	} catch {
		throw networkError();
	}
	if (!response.ok) throw await errorFrom(response);
	if (!schema) return undefined;
	let body: unknown;
	try {
		body = await response.json();
	} catch {
		body = undefined;
	}
	const parsed = schema.safeParse(body);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
	throw new ApiRequestError(
		response.status,
		'unexpected_response',
		`The server's answer to ${path} was not understood (${where}${issue?.message ?? 'no JSON'}).`
	);
}
