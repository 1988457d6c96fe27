import { json } from '@sveltejs/kit';
import { updateSuggestionRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ params, locals }) =>
	json(await locals.services.suggestions.get(params.id))
);

export const PUT: RequestHandler = endpoint(async ({ params, request, locals }) => {
	const patch = await readJson(request, updateSuggestionRequest);
	return json(await locals.services.suggestions.update(params.id, patch));
});

export const DELETE: RequestHandler = endpoint(async ({ params, locals }) => {
	await locals.services.suggestions.delete(params.id);
	return new Response(null, { status: 204 });
});
