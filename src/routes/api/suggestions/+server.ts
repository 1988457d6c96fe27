import { json } from '@sveltejs/kit';
import { createSuggestionRequest } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ locals }) => {
	try {
		return json({ suggestions: await locals.services.suggestions.list() });
	} catch (error) {
		return errorResponse(error);
	}
};

export const POST: RequestHandler = async ({ request, locals }) => {
	try {
		const input = await readJson(request, createSuggestionRequest);
		return json(await locals.services.suggestions.create(input), { status: 201 });
	} catch (error) {
		return errorResponse(error);
	}
};
