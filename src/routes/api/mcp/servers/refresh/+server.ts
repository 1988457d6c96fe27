import { json } from '@sveltejs/kit';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Re-discovers tools of connected servers and retries unavailable ones now. */
export const POST: RequestHandler = endpoint(async ({ locals }) =>
	json(await locals.services.mcp.refresh())
);
