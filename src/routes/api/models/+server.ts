import { json } from '@sveltejs/kit';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ locals }) =>
	json(await locals.services.models.list())
);
