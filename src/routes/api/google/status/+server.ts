import { json } from '@sveltejs/kit';
import { errorResponse } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ locals }) => {
	try {
		return json(await locals.services.google.status());
	} catch (error) {
		return errorResponse(error);
	}
};
