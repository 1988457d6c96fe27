import { json } from '@sveltejs/kit';
import { renameSessionRequest } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ params, locals }) => {
	try {
		return json(await locals.services.sessions.get(params.id));
	} catch (error) {
		return errorResponse(error);
	}
};

export const PATCH: RequestHandler = async ({ params, request, locals }) => {
	try {
		const { title } = await readJson(request, renameSessionRequest);
		return json(locals.services.sessions.rename(params.id, title));
	} catch (error) {
		return errorResponse(error);
	}
};

export const DELETE: RequestHandler = async ({ params, locals }) => {
	try {
		await locals.services.sessions.delete(params.id);
		return new Response(null, { status: 204 });
	} catch (error) {
		return errorResponse(error);
	}
};
