import { json } from '@sveltejs/kit';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** The resources and resource templates of every connected server. */
export const GET: RequestHandler = endpoint(async ({ locals }) =>
	json(await locals.services.resources.list())
);
