import { json } from '@sveltejs/kit';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** The prompts of every connected server, named `{server_id}__{prompt}`. */
export const GET: RequestHandler = endpoint(async ({ locals }) =>
	json({ prompts: await locals.services.prompts.list() })
);
