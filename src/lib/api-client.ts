import { apiErrorBody } from '$lib/api';

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

/** fetch + JSON with the API's error shape; throws ApiRequestError. */
export async function api<T>(
	path: string,
	init: RequestInit & { json?: unknown } = {},
	fetcher: typeof fetch = fetch
): Promise<T> {
	const { json, ...rest } = init;
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
		throw new ApiRequestError(
			0,
			'network_error',
			'Could not reach the Switchboard server. Is it running?'
		);
	}
	if (!response.ok) throw await errorFrom(response);
	if (response.status === 204) return undefined as T;
	return (await response.json()) as T;
}
