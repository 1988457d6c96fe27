import { json } from '@sveltejs/kit';
import { createSuggestionRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ locals }) =>
	json({ suggestions: await locals.services.suggestions.list() })
);

export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	const input = await readJson(request, createSuggestionRequest);
	return json(await locals.services.suggestions.create(input), { status: 201 });
});
