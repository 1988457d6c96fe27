import { json } from '@sveltejs/kit';
import { errorResponse } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const POST: RequestHandler = async ({ params, locals }) => {
	try {
		return json(await locals.services.presets.apply(params.name));
	} catch (error) {
		return errorResponse(error);
	}
};
