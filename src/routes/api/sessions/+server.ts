import { json } from '@sveltejs/kit';
import { sessionListQuery } from '$lib/api';
import { endpoint, parseQuery } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(({ url, locals }) =>
	json(locals.services.sessions.list(parseQuery(url, sessionListQuery)))
);
