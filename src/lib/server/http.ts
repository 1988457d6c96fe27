import { json } from '@sveltejs/kit';
import type { z } from 'zod';
import { AppError, badRequest } from './errors';

let reportUnexpected: (error: unknown) => void = (error) => console.error(error);

/** Where errors that are not the caller's fault go (the app log; set once at start). */
export function onUnexpectedError(report: (error: unknown) => void): void {
	reportUnexpected = report;
}

/** The one place that turns errors into HTTP answers. */
export function errorResponse(error: unknown): Response {
	if (error instanceof AppError) {
		if (error.status >= 500) reportUnexpected(error);
		return json({ error: { code: error.code, message: error.message } }, { status: error.status });
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
	} catch {
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
