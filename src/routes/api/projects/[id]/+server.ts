import { json } from '@sveltejs/kit';
import { deleteProjectQuery, updateProjectRequest } from '$lib/api';
import { endpoint, parseQuery, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(({ params, locals }) =>
	json(locals.services.projects.get(params.id))
);

export const PUT: RequestHandler = endpoint(async ({ params, request, locals }) =>
	json(locals.services.projects.update(params.id, await readJson(request, updateProjectRequest)))
);

export const DELETE: RequestHandler = endpoint(async ({ params, url, locals }) => {
	await locals.services.projects.delete(params.id, parseQuery(url, deleteProjectQuery));
	return new Response(null, { status: 204 });
});
