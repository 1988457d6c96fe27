import { json } from '@sveltejs/kit';
import { errorResponse } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Re-discovers tools of connected servers and retries unavailable ones now. */
export const POST: RequestHandler = async ({ locals }) => {
	try {
		return json(await locals.services.mcp.refresh());
	} catch (error) {
		return errorResponse(error);
	}
};
