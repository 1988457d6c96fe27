import { json } from '@sveltejs/kit';
import { renameSessionRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ params, locals }) =>
	json(await locals.services.sessions.get(params.id))
);

export const PATCH: RequestHandler = endpoint(async ({ params, request, locals }) => {
	const { title } = await readJson(request, renameSessionRequest);
	return json(locals.services.sessions.rename(params.id, title));
});

export const DELETE: RequestHandler = endpoint(async ({ params, locals }) => {
	await locals.services.sessions.delete(params.id);
	return new Response(null, { status: 204 });
});
