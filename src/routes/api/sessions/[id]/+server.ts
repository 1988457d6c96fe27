import { json } from '@sveltejs/kit';
import { patchSessionRequest, sessionDetailQuery } from '$lib/api';
import { endpoint, parseQuery, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ params, url, locals }) =>
	json(await locals.services.sessions.get(params.id, parseQuery(url, sessionDetailQuery)))
);

export const PATCH: RequestHandler = endpoint(async ({ params, request, locals }) => {
	const patch = await readJson(request, patchSessionRequest);
	return json(locals.services.sessions.patch(params.id, patch));
});

export const DELETE: RequestHandler = endpoint(async ({ params, locals }) => {
	await locals.services.sessions.delete(params.id);
	return new Response(null, { status: 204 });
});
