import { json } from '@sveltejs/kit';
import { sessionListQuery } from '$lib/api';
import { errorResponse, parseQuery } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ url, locals }) => {
	try {
		return json(locals.services.sessions.list(parseQuery(url, sessionListQuery)));
	} catch (error) {
		return errorResponse(error);
	}
};
