import { json } from '@sveltejs/kit';
import { updateSuggestionRequest } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ params, locals }) => {
	try {
		return json(await locals.services.suggestions.get(params.id));
	} catch (error) {
		return errorResponse(error);
	}
};

export const PUT: RequestHandler = async ({ params, request, locals }) => {
	try {
		const patch = await readJson(request, updateSuggestionRequest);
		return json(await locals.services.suggestions.update(params.id, patch));
	} catch (error) {
		return errorResponse(error);
	}
};

export const DELETE: RequestHandler = async ({ params, locals }) => {
	try {
		await locals.services.suggestions.delete(params.id);
		return new Response(null, { status: 204 });
	} catch (error) {
		return errorResponse(error);
	}
};
