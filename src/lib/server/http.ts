import { isRedirect, json } from '@sveltejs/kit';
import type { z } from 'zod';
import { AppError, badRequest } from './errors';

type Report = (error: unknown) => void;

let reportUnexpected: Report = (error) => console.error(error);

/**
 * Where errors that are not the caller's fault go (the app log; set once at start). Returns a
 * function that puts the previous destination back (for tests).
 */
export function onUnexpectedError(report: Report): () => void {
	const previous = reportUnexpected;
	reportUnexpected = report;
	return () => {
		reportUnexpected = previous;
	};
}

/**
 * Every `/api` handler is wrapped in this, so nothing it throws escapes as SvelteKit's HTML error
 * page: an AppError answers with its status, anything else 500 `internal_error` (logged).
 * `redirect()` passes through to SvelteKit.
 *
 * `export const GET: RequestHandler = endpoint(async ({ locals }) => json(...));`
 */
export function endpoint<Event>(
	handler: (event: Event) => Response | Promise<Response>
): (event: Event) => Promise<Response> {
	return async (event) => {
		try {
			return await handler(event);
		} catch (error) {
			if (isRedirect(error)) throw error;
			return errorResponse(error);
		}
	};
}

/** The one place that turns errors into HTTP answers. */
export function errorResponse(error: unknown): Response {
	if (error instanceof AppError) {
		if (error.status >= 500) reportUnexpected(error);
		return json(
			{ error: { code: error.code, message: error.message } },
			{ status: error.status, headers: error.headers }
		);
	}
	reportUnexpected(error);
	return json(
		{
			error: {
				code: 'internal_error',
				message: 'Something went wrong on the server; the details are in the server log.'
			}
		},
		{ status: 500 }
	);
}

export function formatZodError(error: z.ZodError): string {
	return error.issues
		.map((issue) =>
			issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message
		)
		.join('; ');
}

/** Parses a JSON body against a schema; a 400 naming the bad field otherwise. */
export async function readJson<T extends z.ZodType>(
	request: Request,
	schema: T
): Promise<z.infer<T>> {
	let body: unknown;
	try {
		body = await request.json();
	} catch (error) {
		// A body past its limit fails while it is read (PayloadTooLargeError): not a JSON problem.
		if (error instanceof AppError) throw error;
		throw badRequest('The request body is not valid JSON.', 'invalid_json');
	}
	return parseWith(schema, body);
}

export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
	const parsed = schema.safeParse(value);
	if (!parsed.success) throw badRequest(formatZodError(parsed.error), 'invalid_request');
	return parsed.data;
}

export function parseQuery<T extends z.ZodType>(url: URL, schema: T): z.infer<T> {
	return parseWith(schema, Object.fromEntries(url.searchParams));
}
