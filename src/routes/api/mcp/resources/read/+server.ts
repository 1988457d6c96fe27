import { json } from '@sveltejs/kit';
import { mcpResourceReadQuery } from '$lib/api';
import { endpoint, parseQuery } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** One resource's contents, read through the server that offers it. */
export const GET: RequestHandler = endpoint(async ({ url, locals }) => {
	const query = parseQuery(url, mcpResourceReadQuery);
	return json(await locals.services.resources.read(query.server_id, query.uri));
});
