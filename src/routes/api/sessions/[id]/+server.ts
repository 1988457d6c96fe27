import { json } from '@sveltejs/kit';
import { sessionDetailQuery, sessionPatchRequest } from '$lib/api';
import { endpoint, parseQuery, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ params, url, locals }) =>
	json(await locals.services.sessions.get(params.id, parseQuery(url, sessionDetailQuery)))
);

export const PATCH: RequestHandler = endpoint(async ({ params, request, locals }) => {
	const { title, web_search } = await readJson(request, sessionPatchRequest);
	const { sessions } = locals.services;
	const changed =
		web_search === undefined ? undefined : sessions.setWebSearch(params.id, web_search);
	return json(title === undefined ? changed : sessions.rename(params.id, title));
});

export const DELETE: RequestHandler = endpoint(async ({ params, locals }) => {
	await locals.services.sessions.delete(params.id);
	return new Response(null, { status: 204 });
});
